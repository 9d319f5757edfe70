"""The words of the data-quality report and of a department's workbook, in Chinese
and in English (language.py chooses). Values from the data (names, reasons, file
names) are shown as they are; only the labels around them are translated."""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "title": {"zh": "数据质量报告", "en": "Data-quality report"},
    "run": {"zh": "运行", "en": "Run"},
    "generated": {"zh": "生成时间", "en": "Written at"},
    "summary": {"zh": "运行概要", "en": "Run summary"},
    "departments": {"zh": "各部门的拒收行与字段问题", "en": "Rejects and field issues per department"},
    "changes": {"zh": "本次变更的主数据", "en": "Masters that changed"},
    "review": {"zh": "待复核", "en": "Review backlog"},
    "charts": {"zh": "图表", "en": "Charts"},
    "trend": {"zh": "历次运行", "en": "Runs so far"},
    # run summary
    "started_at": {"zh": "开始", "en": "Started"},
    "finished_at": {"zh": "结束", "en": "Finished"},
    "launched_by": {"zh": "启动方式", "en": "Launched by"},
    "started_by": {"zh": "启动用户", "en": "Started by"},
    "match_threshold": {"zh": "合并阈值（匹配概率）", "en": "Match threshold (probability)"},
    "files_read": {"zh": "读取的文件", "en": "Files read"},
    "files_rejected": {"zh": "拒收的文件", "en": "Files rejected"},
    "sheets_rejected": {"zh": "未读取的工作表", "en": "Sheets not read"},
    "rows_ingested": {"zh": "读入行数", "en": "Rows ingested"},
    "rows_accepted": {"zh": "接收的客户行", "en": "Customer rows accepted"},
    "rows_rejected": {"zh": "隔离的行", "en": "Rows quarantined"},
    "activity_rows": {"zh": "活动行（互动、交易）", "en": "Activity rows (interactions, transactions)"},
    "field_issues": {"zh": "字段问题", "en": "Field issues"},
    "master_customers": {"zh": "主数据客户", "en": "Master customers"},
    "company_masters": {"zh": "其中企业", "en": "of which companies"},
    "person_masters": {"zh": "其中个人", "en": "of which persons"},
    "duplicates_merged": {"zh": "合并的重复行", "en": "Duplicate rows merged"},
    "master_ids_kept": {"zh": "保留的主数据编号", "en": "Master ids kept"},
    "master_ids_created": {"zh": "新建的主数据编号", "en": "Master ids created"},
    "master_ids_retired": {"zh": "停用的主数据编号", "en": "Master ids retired"},
    "review_due": {"zh": "到期复核的主数据", "en": "Masters due for review"},
    # departments
    "department": {"zh": "部门", "en": "Department"},
    "accepted": {"zh": "接收", "en": "Accepted"},
    "quarantined": {"zh": "隔离", "en": "Quarantined"},
    "rejected_rows": {"zh": "隔离的行", "en": "Quarantined rows"},
    "rejected_files": {"zh": "未读取的文件或工作表", "en": "Files or sheets not read"},
    "file": {"zh": "文件", "en": "File"},
    "sheet": {"zh": "工作表", "en": "Sheet"},
    "row": {"zh": "行号", "en": "Row"},
    "reason": {"zh": "原因", "en": "Reason"},
    "cells": {"zh": "原始单元格", "en": "Original cells"},
    "field": {"zh": "字段", "en": "Field"},
    "value": {"zh": "值", "en": "Value"},
    "issue": {"zh": "问题", "en": "Issue"},
    "none": {"zh": "无", "en": "none"},
    "shown_of": {"zh": "显示前 {shown} 行，共 {total} 行；完整清单请导出该部门的 xlsx",
                 "en": "first {shown} of {total} rows; export the department's xlsx for all of them"},
    "export_hint": {"zh": "导出给该部门修正：", "en": "Export for the department to fix its file:"},
    # changes
    "change": {"zh": "变更", "en": "Change"},
    "count": {"zh": "数量", "en": "Count"},
    "master_id": {"zh": "主数据编号", "en": "Master id"},
    "name": {"zh": "名称", "en": "Name"},
    "customer_type": {"zh": "类型", "en": "Type"},
    "fields": {"zh": "字段", "en": "Fields"},
    "related_id": {"zh": "相关编号", "en": "Related id"},
    # review
    "pairs_in_band": {"zh": "复核区间内的记录对", "en": "Pairs in the review band"},
    "band": {"zh": "复核区间", "en": "Review band"},
    "merged_now": {"zh": "当前已合并", "en": "Merged now"},
    "not_merged": {"zh": "当前未合并", "en": "Not merged"},
    "closest_pairs": {"zh": "最接近阈值的记录对", "en": "Pairs closest to the threshold"},
    "probability": {"zh": "匹配概率", "en": "Match probability"},
    "row_a": {"zh": "记录 A", "en": "Row A"},
    "row_b": {"zh": "记录 B", "en": "Row B"},
    "due_by_reason": {"zh": "到期复核的原因", "en": "Due for review, by reason"},
    "what_to_check": {"zh": "核对内容", "en": "What to check"},
    "unresolved_decisions": {"zh": "行已离开收件箱的复核决定", "en": "Steward decisions whose rows left the inbox"},
    "yes": {"zh": "是", "en": "yes"},
    "no": {"zh": "否", "en": "no"},
    # charts
    "match_weights": {"zh": "匹配权重：{model}", "en": "Match weights: {model}"},
    "probabilities": {"zh": "匹配概率分布（虚线为合并阈值，阴影为复核区间）",
                      "en": "Match probabilities (dashed: the merge threshold; shaded: the review band)"},
    "pairs": {"zh": "记录对数量", "en": "Pairs"},
    "no_chart": {"zh": "本次运行没有模型", "en": "no model in this run"},
    # department workbook
    "workbook_title": {"zh": "{department}：需要修正的行", "en": "{department}: rows to fix"},
}


def labels(language: str) -> dict[str, str]:
    """Every label in `language` (zh or en)."""
    return {key: texts[language] for key, texts in LABELS.items()}
