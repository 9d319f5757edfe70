"""CSV encodings (issue 11): a Windows-1252 (Latin-1) file is read as such, not as
GB18030 gibberish; GBK/GB18030 and UTF-8 Chinese files still read right, short
ones too (detectors are least sure of a header and two rows); a file that reads
only as gibberish is a rejected file with the reason."""

import pytest

from conftest import write_csv
from customer_master.ingest.inbox import ingest_inbox
from customer_master.ingest.readers import read_file

WESTERN = [
    ["Name,Telefon", "Müller GmbH,030123456", "Bäckerei Schäfer,089765432"],  # decodes as GB18030 too: 'M黮ler'
    ["Nom,Téléphone", "Société Générale,0142143000", "Café Müller,0123456789"],
    ["Name,Phone", "Müller GmbH,030123456"],
    ["Name,Amount", "Zoë’s Café,€100", "Ærø Ål,5"],
]
CHINESE = [
    ["客户名称,手机", "华信科技有限公司,13800138000", "宏达物流有限公司,13900139000"],
    ["姓名,手机号", "张伟,13800138001"],
    ["姓名", "张伟"],
    ["客户名称,手机", "華信科技有限公司,13800138000", "國泰人壽,13900139000"],  # traditional characters in GBK
    ["姓名,手机号", "王喆,13800138001", "李赟,13900139000", "陈玥,13700137000"],  # characters beyond GB2312
]


def _cells(path):
    (grid,) = read_file(path)
    return grid.encoding, [",".join(row) for row in grid.rows]


@pytest.mark.parametrize("lines, encoding", [
    (lines, encoding) for encoding in ("cp1252", "latin-1") for lines in WESTERN
    if encoding == "cp1252" or not any("€" in line or "’" in line for line in lines)])  # Latin-1 has no € or ’
def test_western_european_csv_reads_its_names(tmp_path, lines, encoding):
    found, rows = _cells(write_csv(tmp_path / "list.csv", lines, encoding))
    assert rows == lines
    assert found == "cp1252"


@pytest.mark.parametrize("lines", CHINESE)
@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8", "utf-8-sig"])
def test_chinese_csv_reads_its_names(tmp_path, lines, encoding):
    found, rows = _cells(write_csv(tmp_path / "list.csv", lines, encoding))
    assert rows == lines
    assert found == {"gbk": "gb18030"}.get(encoding, encoding)


@pytest.mark.parametrize("lines, encoding", [
    (["名前,電話", "山田太郎,0312345678", "さくら,0312345679"], "shift_jis"),
    (["Имя,Телефон", "Иванов Иван,4951234567", "Петров Пётр,4957654321"], "koi8_r"),
    (["客户名称,城市", "华信科技有限公司,上海"], "mixed"),  # UTF-8 beside Windows-1252
])
def test_csv_that_reads_only_as_gibberish_is_rejected_with_the_reason(tmp_path, lines, encoding):
    inbox = tmp_path / "inbox"
    path = inbox / "shop" / "list.csv"
    if encoding == "mixed":
        path.parent.mkdir(parents=True)
        path.write_bytes("\n".join(lines).encode("utf-8") + "\nMüller GmbH,Köln\n".encode("cp1252"))
    else:
        write_csv(path, lines, encoding)
    write_csv(inbox / "shop" / "good.csv", ["姓名,手机号", "张伟,13800138001"], "gbk")
    result = ingest_inbox(inbox)
    rejected = result.rejected_files.set_index("file")["reason"]
    assert "unknown text encoding" in rejected["shop/list.csv"]
    assert "save it as CSV UTF-8" in rejected["shop/list.csv"]
    assert result.rows["name"].tolist() == ["张伟"]  # the other file is read
