"""Addresses split into province / city / district / rest with China's full
division table, and registration places in company names."""

import pandas as pd
import pytest

from customer_master.standardise.names import split_company_names
from customer_master.standardise.places import city_of, divisions, parse_places, province_of
from customer_master.standardise.stage import STANDARD_COLUMNS, standardise_rows
from customer_master.standardise.text import clean_text


@pytest.mark.parametrize("address, province, city, district, rest", [
    # full forms, every level
    ("广东省深圳市南山区科技园路1号", "广东省", "深圳市", "南山区", "科技园路1号"),
    ("北京市海淀区中关村大街1号", "北京市", "北京市", "海淀区", "中关村大街1号"),
    # short forms: 北京 = 北京市, 广东 = 广东省, 深圳 = 深圳市
    ("北京海淀区中关村大街1号", "北京市", "北京市", "海淀区", "中关村大街1号"),
    ("广东深圳南山区科技园", "广东省", "深圳市", "南山区", "科技园"),
    # the province skipped
    ("深圳市南山区科技园路1号", "广东省", "深圳市", "南山区", "科技园路1号"),
    ("苏州吴中区木渎镇", "江苏省", "苏州市", "吴中区", "木渎镇"),
    # spaces between the parts, a country in front
    ("上海市 浦东新区 世纪大道100号", "上海市", "上海市", "浦东新区", "世纪大道100号"),
    ("中国广东省广州市天河区体育西路", "广东省", "广州市", "天河区", "体育西路"),
    # autonomous regions and prefectures, long and short
    ("新疆乌鲁木齐市天山区解放北路", "新疆维吾尔自治区", "乌鲁木齐市", "天山区", "解放北路"),
    ("内蒙古呼和浩特市新城区", "内蒙古自治区", "呼和浩特市", "新城区", None),
    ("黔南州都匀市剑江中路", "贵州省", "黔南布依族苗族自治州", "都匀市", "剑江中路"),
    # a county-level city under its prefecture
    ("浙江省义乌市稠城街道", "浙江省", "金华市", "义乌市", "稠城街道"),
    # a city and its province of the same name
    ("吉林省吉林市船营区", "吉林省", "吉林市", "船营区", None),
    # a district several cities share: the city before it decides ...
    ("南京市鼓楼区中山路1号", "江苏省", "南京市", "鼓楼区", "中山路1号"),
    ("福建省福州市鼓楼区五四路", "福建省", "福州市", "鼓楼区", "五四路"),
    # ... else the city stays empty (Nanjing and Xuzhou both have one)
    ("江苏省鼓楼区中山路1号", "江苏省", None, "鼓楼区", "中山路1号"),
    ("鼓楼区中山路1号", None, None, "鼓楼区", "中山路1号"),
    # 河北区 is Tianjin's, not 河北 province + 区
    ("天津市河北区大沽路", "天津市", "天津市", "河北区", "大沽路"),
    ("河北区大沽路", "天津市", "天津市", "河北区", "大沽路"),
    # streets named after places are no places
    ("南京路100号", None, None, None, "南京路100号"),
    ("北京东路8号", None, None, None, "北京东路8号"),
    ("中山大道西1号", None, None, None, "中山大道西1号"),
    # a district that does not lie in the city named before it is left in the rest
    ("深圳市鼓楼区五四路", "广东省", "深圳市", None, "鼓楼区五四路"),
    ("Sydney NSW 2000", None, None, None, "Sydney NSW 2000"),
    ("中国银行大厦18层", None, None, None, "中国银行大厦18层"),
])
def test_address_split(address, province, city, district, rest):
    got = parse_places(pd.Series([address])).iloc[0]
    assert (got.province, got.city, got.district, got.rest) == (province, city, district, rest)


def test_parse_places_keeps_index_and_empty_cells():
    out = parse_places(pd.Series([None, "北京市朝阳区", None, "北京市朝阳区"], index=[7, 3, 5, 1]))
    assert out.index.tolist() == [7, 3, 5, 1]
    assert out.city.tolist() == [None, "北京市", None, "北京市"]
    assert out.district.tolist() == [None, "朝阳区", None, "朝阳区"]


def test_division_table_is_complete():
    table = divisions()
    levels = pd.Series([u.level for u in table.units]).value_counts()
    assert levels[1] == 34                          # provinces, regions, municipalities, SARs
    assert levels[2] > 330 and levels[3] > 2800     # prefecture level, county level
    gulou = {table.units[i].city for i in table.names["鼓楼区"]}
    assert {"南京市", "徐州市", "福州市", "开封市"} <= gulou


@pytest.mark.parametrize("place, province, city", [
    ("北京", "北京市", "北京市"), ("北京市", "北京市", "北京市"), ("广东", "广东省", None),
    ("深圳", "广东省", "深圳市"), ("深圳市", "广东省", "深圳市"), ("吉林", "吉林省", None),
    ("延边", "吉林省", "延边朝鲜族自治州"), ("Sydney", None, None),
])
def test_registration_place_lookups(place, province, city):
    assert (province_of(place), city_of(place)) == (province, city)


def test_registration_place_in_company_names():
    parts = split_company_names(clean_text(pd.Series([
        "深圳市华信科技有限公司", "华信(深圳)科技有限公司", "安康(北京)医药有限公司", "乌鲁木齐华信贸易有限公司",
        "义乌华信贸易有限公司",
    ])))
    assert parts.reg_place.tolist() == ["深圳", "深圳", "北京", "乌鲁木齐", None]
    # a brand that is also a place name stays in the core when the place is in brackets;
    # a county-level city is no registration place
    assert parts.name_core.tolist() == ["华信科技", "华信科技", "安康医药", "华信贸易", "义乌华信贸易"]


def _rows(**columns):
    n = len(next(iter(columns.values())))
    base = {
        "row_key": list(range(n)), "source": "s", "file": "s/a.csv", "sheet": "", "row_number": list(range(2, n + 2)),
        "party_type": "auto", "trust_rank": 5, "source_record_id": None, "name": None, "customer_type": None,
        "contact_name": None, "mobile": None, "phone": None, "email": None, "address": None, "province": None,
        "city": None, "uscc": None, "id_number": None, "birth_date": None, "gender": None, "created_at": None,
        "updated_at": None, "extra": "{}",
    }
    base.update(columns)
    return pd.DataFrame(base)


def test_stage_fills_province_city_district_and_rest():
    out = standardise_rows(_rows(
        name=["华信科技有限公司", "北京华信科技有限公司", "南京华信科技有限公司", "华信科技有限公司", "华信科技有限公司",
              "華信科技有限公司", "Acme Pty Ltd"],
        address=["广东深圳南山区科技园路1号", None, "鼓楼区中山路1号", "北京市海淀区中关村大街1号", "鼓楼区五四路",
                 "廣東省廣州市天河區體育西路", "1 George St"],
        province=[None, None, None, "浙江", None, None, None],
        city=[None, None, None, "杭州", "福州", None, "Sydney"],
    ))
    assert {"district", "address_rest"} <= set(STANDARD_COLUMNS)
    # row 0: from the address; row 1: the registration place in the name;
    # row 2: the registration place settles which 鼓楼区; row 3: explicit columns win
    # over the address, whose district is then not theirs; row 4: the city column
    # settles 鼓楼区; row 5: traditional characters; row 6: abroad, as given
    assert out.province.tolist() == ["广东省", "北京市", "江苏省", "浙江省", "福建省", "广东省", None]
    assert out.city.tolist() == ["深圳市", "北京市", "南京市", "杭州市", "福州市", "广州市", "sydney"]
    assert out.district.tolist() == ["南山区", None, "鼓楼区", None, "鼓楼区", "天河区", None]
    assert out.address_rest.tolist() == ["科技园路1号", None, "中山路1号", "中关村大街1号", "五四路", "体育西路",
                                         "1 George St"]
