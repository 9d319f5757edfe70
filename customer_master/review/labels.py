"""What the review workbook says, in Chinese and in English (the `language`
setting, customer_master/language.py). Column keys are the names the importer
reads; a workbook's header is read back in either language, and the bare keys of
workbooks written before the labels existed are read too."""

from __future__ import annotations

# column key -> label; the per-field columns are labelled by FIELD_LABELS and FIELD_PART
COLUMNS = {
    "en": {"decision": "decision", "match_probability": "match probability", "merged_now": "in one master now",
           "why": "why (as the run left it)", "earlier_decision": "earlier decision", "row_a": "row A (where from)",
           "row_b": "row B (where from)", "customer_type": "type"},
    "zh": {"decision": "决定", "match_probability": "匹配概率", "merged_now": "现在是否同一主记录",
           "why": "原因（本次运行的结果）", "earlier_decision": "之前的决定", "row_a": "行 A（来源）",
           "row_b": "行 B（来源）", "customer_type": "类型"},
}
FIELD_LABELS = {
    "en": {"name": "name", "mobile": "mobile", "phone": "phone", "email": "e-mail", "address": "address",
           "uscc": "credit code", "id_number": "ID number", "birth_date": "birthday", "city": "city"},
    "zh": {"name": "名称", "mobile": "手机", "phone": "电话", "email": "邮箱", "address": "地址",
           "uscc": "统一社会信用代码", "id_number": "身份证号", "birth_date": "出生日期", "city": "城市"},
}
FIELD_PART = {"en": {"a": "{field} (A)", "b": "{field} (B)", "weight": "{field} weight"},
              "zh": {"a": "{field}（A）", "b": "{field}（B）", "weight": "{field} 权重"}}
SHEETS = {"en": {"review": "review", "instructions": "instructions"},
          "zh": {"review": "复核", "instructions": "说明"}}
# what a steward picks in the decision cell -> the decision stored
CHOICES = {"en": {"match": "match", "no match": "no match"},
           "zh": {"同一客户": "match", "不同客户": "no match"}}
WORDS = {
    "en": {"yes": "yes", "no": "no", "company": "company", "person": "person",
           "not_in_model": "not compared: not in the {type} model",
           "empty_side": "not compared: blank",
           "above_threshold": "the model merged them: {p} is at or above the threshold {t}",
           "below_threshold": "not merged: {p} is below the threshold {t}",
           "through_others": "merged through other pairs of its master ({rows} rows), not by this pair "
                             "({p} is below the threshold {t})",
           "same_registered_name": "merged: both rows carry the same registered company name, which links them "
                                   "whatever the probability ({p})",
           "kept_apart": "kept apart although {p} reaches the threshold {t}: a rule says they differ "
                         "(branch, credit code, city of registration or ID number) or a row was detached",
           "steward_match": "a steward decided match",
           "steward_no_match": "a steward decided no match",
           "decided": "{decision} by {who} on {when}",
           "choose": "Choose match or no match, or leave the cell empty",
           "title": "Review workbook: {pairs} pairs, {waiting} without a decision (run {run}, threshold {t})",
           "left_out": "; {left_out} less doubtful pairs of the band are left out "
                       "(`customer-master review export` writes them all)"},
    "zh": {"yes": "是", "no": "否", "company": "企业", "person": "个人",
           "not_in_model": "未比较：{type}模型不含此项",
           "empty_side": "未比较：有空值",
           "above_threshold": "模型已合并：概率 {p} 达到阈值 {t}",
           "below_threshold": "未合并：概率 {p} 低于阈值 {t}",
           "through_others": "已合并：经同一主记录中的其他配对合并（共 {rows} 行），并非因本配对"
                             "（概率 {p} 低于阈值 {t}）",
           "same_registered_name": "已合并：两行的企业注册名称相同，按规则关联（不论概率 {p}）",
           "kept_apart": "概率 {p} 达到阈值 {t} 但未合并：规则判定二者不同（分支机构、信用代码、注册地或身份证号），"
                         "或有一行被拆出",
           "steward_match": "数据管理员已判定为同一客户",
           "steward_no_match": "数据管理员已判定为不同客户",
           "decided": "{who} 于 {when} 判定：{decision}",
           "choose": "请选择“同一客户”或“不同客户”，不确定可留空",
           "title": "复核工作簿：共 {pairs} 对，{waiting} 对待决定（运行 {run}，阈值 {t}）",
           "left_out": "；另有 {left_out} 对把握较大的未列出（`customer-master review export` 可全部导出）"},
}
INSTRUCTIONS = {
    "en": [
        "How to review",
        "Each line of the sheet 'review' is a pair of source rows the model is unsure about, the most doubtful "
        "(closest to the match threshold) first; lines already decided by a steward come last.",
        "1. Compare row A with row B: where each comes from, then name, phones, e-mail, address, credit code, "
        "ID number, birthday and city.",
        "2. The weight beside each field says how much it counts for a match (green, positive) or against it "
        "(red, negative). 'not compared: blank' means one row (or both) has no value there; 'not compared: not in "
        "the ... model' means the model for companies (or persons) does not weigh that field at all.",
        "3. 'in one master now' and 'why' say what the run did with the pair: merged by the model, linked by "
        "the same registered company name, merged through other rows of the same customer, kept apart by a "
        "rule, or decided by a steward.",
        "4. In the yellow 'decision' cell choose 'match' (one customer) or 'no match' (two customers). Leave "
        "it empty when you are not sure.",
        "5. Save the workbook and drop it into the review folder's inbox/ (data/review/inbox/ unless set "
        "otherwise): the next run imports it first and moves it to imported/. Or run "
        "`customer-master review import FILE --reviewer NAME`.",
        "Importing the same workbook twice stores its decisions once. Do not edit the hidden id columns.",
        "This workbook holds customers' personal data: keep it in the review folder, do not e-mail it.",
    ],
    "zh": [
        "复核说明",
        "“复核”工作表的每一行是模型拿不准的一对源数据行，最拿不准的（最接近匹配阈值的）排在最前；已由数据管理员决定过的排在最后。",
        "1. 对比行 A 与行 B：各自的来源，以及名称、手机、电话、邮箱、地址、统一社会信用代码、身份证号、出生日期和城市。",
        "2. 每个字段旁的权重表示该字段支持合并（绿色，正数）或反对合并（红色，负数）的程度。“未比较：有空值”表示至少一行在该字段没有值；"
        "“未比较：…模型不含此项”表示企业（或个人）模型根本不比较该字段。",
        "3. “现在是否同一主记录”和“原因”说明本次运行如何处理这一对：模型合并、因企业注册名称相同而关联、经同一客户的其他行合并、被规则分开，或已由数据管理员决定。",
        "4. 在黄色的“决定”单元格中选择“同一客户”或“不同客户”。不确定时请留空。",
        "5. 保存工作簿并放入复核文件夹的 inbox/（默认 data/review/inbox/）：下次运行会先导入它，然后移到 imported/。"
        "也可以运行 `customer-master review import 文件 --reviewer 姓名`。",
        "同一工作簿导入两次，其决定只保存一次。请勿修改隐藏的编号列。",
        "本工作簿含有客户个人信息：请保存在复核文件夹中，不要通过邮件发送。",
    ],
}


def header_keys() -> dict[str, str]:
    """Every header a workbook may carry (either language, or a bare key) -> its column key."""
    keys = {key: key for key in ("decision", "row_identity_l", "row_identity_r")}
    for language, labels in COLUMNS.items():
        keys.update({label: key for key, label in labels.items()})
    return keys


def decision_of(text: str) -> str | None:
    """The decision a cell's text stands for, in either language (None: not a choice)."""
    for choices in CHOICES.values():
        for label, decision in choices.items():
            if text.lower() == label.lower():
                return decision
    return None
