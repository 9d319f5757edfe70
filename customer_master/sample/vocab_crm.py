"""Vocabularies for contacts, groups and activity sheets (follow-ups and order lines).

Plain data, like vocab.py: contact titles per role, how departments misspell
them, business areas, group names, products, staff and follow-up phrases.
"""
from __future__ import annotations

# (title, contact role, weight, English title used by the English distributor templates)
TITLES = (
    ("总经理", "decision_maker", 10, "General Manager"),
    ("董事长", "decision_maker", 3, "Chairman"),
    ("副总经理", "decision_maker", 5, "Deputy General Manager"),
    ("CEO", "decision_maker", 1, "CEO"),
    ("总裁", "decision_maker", 1, "President"),
    ("采购经理", "purchaser", 12, "Purchasing Manager"),
    ("采购主管", "purchaser", 6, "Purchasing Supervisor"),
    ("采购专员", "purchaser", 6, "Buyer"),
    ("技术总监", "technical", 4, "Technical Director"),
    ("IT经理", "technical", 4, "IT Manager"),
    ("工程师", "technical", 4, "Engineer"),
    ("技术负责人", "technical", 3, "Technical Lead"),
    ("财务经理", "finance", 6, "Finance Manager"),
    ("财务总监", "finance", 2, "Finance Director"),
    ("会计", "finance", 4, "Accountant"),
    ("出纳", "finance", 2, "Cashier"),
    ("行政主管", "user", 4, "Administration Supervisor"),
    ("办公室主任", "user", 3, "Office Director"),
    ("项目经理", "user", 4, "Project Manager"),
    ("运营主管", "user", 2, "Operations Supervisor"),
)
CONTACT_ROLES = ("decision_maker", "purchaser", "technical", "finance", "user")

# How the same title gets written by another department (the role stays the same).
TITLE_VARIANTS = {
    "总经理": ("总经理兼法人代表", "总经理 "),
    "董事长": ("董事长兼总经理",),
    "副总经理": ("副总", "副总经理 "),
    "CEO": ("ceo", "CEO（首席执行官）"),
    "总裁": ("公司总裁",),
    "采购经理": ("采购部经理",),
    "采购主管": ("采购部主管",),
    "采购专员": ("采购员",),
    "技术总监": ("技术部总监",),
    "IT经理": ("IT 经理", "信息部IT经理"),
    "工程师": ("高级工程师",),
    "技术负责人": ("技术主管",),
    "财务经理": ("财务部经理",),
    "财务总监": ("财务总监(CFO)",),
    "会计": ("主办会计",),
    "出纳": ("出纳员",),
    "行政主管": ("行政部主管",),
    "办公室主任": ("办公室 主任",),
    "项目经理": ("项目部经理",),
    "运营主管": ("运营部主管",),
}

BUSINESS_AREAS = {
    "decision_maker": ("全面管理", "公司经营", "战略合作"),
    "purchaser": ("采购", "设备采购", "原材料采购", "办公用品采购"),
    "technical": ("技术支持", "IT运维", "设备维护", "系统集成"),
    "finance": ("财务结算", "付款对账", "发票管理"),
    "user": ("行政后勤", "项目实施", "日常运营"),
}

# Given-name characters and the homophone a hurried typist puts instead.
NAME_SLIPS = {
    "伟": "玮", "静": "晶", "丽": "莉", "娜": "那", "敏": "民", "军": "君", "杰": "洁", "涛": "滔",
    "明": "鸣", "强": "墙", "芳": "方", "磊": "雷", "勇": "永", "燕": "艳", "婷": "亭", "斌": "彬",
    "峰": "锋", "华": "化", "红": "宏", "平": "萍", "鹏": "朋", "辉": "晖", "琳": "林", "倩": "茜",
}

# Group (集团) names that are not a member's brand.
GROUP_BRANDS = ("远景", "天元", "宏图", "蓝海", "九州", "泰和", "金石", "长青", "瀚海", "联创",
                "中恒", "正源", "嘉禾", "世纪", "天成")
GROUP_SUFFIXES = ("集团", "集团", "控股集团", "实业集团")

# (product, typical unit price in CNY)
PRODUCTS = (
    ("服务器 R740", 38000), ("交换机 S5720", 9800), ("工业控制器 KC-200", 2600), ("数据存储阵列", 120000),
    ("安防摄像机", 1200), ("UPS电源 10kVA", 16000), ("网络布线工程", 45000), ("技术服务年费", 60000),
    ("办公软件授权", 1500), ("打印耗材", 300), ("笔记本电脑", 6500), ("激光打印机", 2300),
    ("会议平板", 15000), ("云服务套餐", 8000), ("传感器模组", 450),
)
PERSON_PRODUCTS = (("笔记本电脑", 6500), ("激光打印机", 2300), ("打印耗材", 300), ("智能手环", 400),
                   ("延保服务", 600), ("平板电脑", 3500))

STAFF = ("周婷", "吴昊", "郑凯", "孙悦", "马骏", "朱琳", "胡斌", "高洁", "林涛", "许静怡", "韩冰", "曹宇")

CHANNELS = (("电话", 35), ("拜访", 20), ("微信", 25), ("邮件", 10), ("会议", 10))
INTERACTION_TYPES = (("咨询", 30), ("投诉", 8), ("反馈", 15), ("回访", 25), ("商务洽谈", 22))
CONTENT = {
    "咨询": ("咨询{p}价格及交期", "询问{p}的技术参数", "了解{p}批量采购优惠", "咨询{p}售后政策"),
    "投诉": ("反映{p}到货延迟", "投诉{p}质量问题，要求更换", "对上门服务响应慢表示不满", "发票开具错误"),
    "反馈": ("反馈{p}使用情况良好", "提出{p}操作界面改进建议", "反馈培训效果", "反馈{p}能耗偏高"),
    "回访": ("季度回访，了解{p}使用情况", "售后回访", "节前问候及需求摸底", "回访上次投诉处理结果"),
    "商务洽谈": ("洽谈年度框架合同", "讨论{p}扩容方案", "商谈付款条件", "沟通新项目{p}需求"),
}
OUTCOMES = {
    "咨询": ("已解答", "已发送资料", "待报价"),
    "投诉": ("已处理", "处理中", "已补发", "客户接受方案"),
    "反馈": ("已记录", "已转产品部", "客户满意"),
    "回访": ("客户满意", "有新需求", "无新需求", "需进一步沟通"),
    "商务洽谈": ("达成初步意向", "待客户内部审批", "已提交方案", "暂缓"),
}
NEXT_ACTIONS = ("发送报价单", "安排上门拜访", "下周电话回访", "准备合同草案", "约技术交流", "等待客户答复", "", "")
