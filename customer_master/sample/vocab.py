"""Vocabularies for the sample generator: brands, trades, cities, names, streets.

Everything here is plain data so that generated content depends only on the
seed and on these lists (changing a list changes the sample, on purpose).
"""
from __future__ import annotations

from dataclasses import dataclass

# Characters that read naturally in a 2-character company brand (字号).
# 国/中华 and similar restricted words are left out on purpose.
BRAND_CHARS = (
    "华信宏达金桥瑞丰鑫隆盛泰恒通远嘉德新源海天安博创明和永兴富康立众汇鼎佳"
    "东诚锦顺腾飞光宇辉荣万联星云龙凯卓越启航晟昌弘晨浩润邦益科银亿祥骏鹏"
)

# Near-homophones / look-alike characters, used for the rare one-character slip.
SLIP_CHARS = {
    "华": "化花", "信": "新心鑫", "宏": "洪鸿红", "达": "大答", "金": "今锦津",
    "桥": "乔侨", "瑞": "锐睿", "丰": "峰风", "隆": "龙珑", "盛": "胜晟",
    "泰": "太台", "恒": "衡横", "通": "同彤", "远": "源元", "嘉": "佳家",
    "德": "得", "源": "圆远", "博": "搏柏", "创": "闯", "明": "名铭",
    "兴": "星幸", "富": "福甫", "康": "慷", "汇": "会惠", "鼎": "顶", "诚": "成城",
    "锦": "金劲", "顺": "舜", "腾": "藤", "辉": "晖徽", "荣": "融容", "凯": "恺铠",
}

# (Chinese trade word, English word for the English company name)
TRADES = (
    ("科技", "Technology"), ("物流", "Logistics"), ("贸易", "Trading"),
    ("电子", "Electronics"), ("建材", "Building Materials"), ("医药", "Pharmaceutical"),
    ("食品", "Food"), ("机械", "Machinery"), ("信息技术", "Information Technology"),
    ("环保科技", "Environmental Technology"), ("化工", "Chemical"), ("服饰", "Apparel"),
    ("网络科技", "Network Technology"), ("新能源", "New Energy"), ("包装材料", "Packaging Materials"),
    ("实业", "Industrial"), ("供应链管理", "Supply Chain Management"), ("餐饮管理", "Catering Management"),
)
TRADE_SHORT = {  # used in e-mail domains (e.g. huaxin-tech.com)
    "科技": "tech", "物流": "logistics", "贸易": "trade", "电子": "elec", "建材": "jc",
    "医药": "pharma", "食品": "food", "机械": "machinery", "信息技术": "it",
    "环保科技": "eco", "化工": "chem", "服饰": "fashion", "网络科技": "net",
    "新能源": "energy", "包装材料": "pack", "实业": "group", "供应链管理": "scm",
    "餐饮管理": "catering",
}

# Weighted: plain 有限公司 dominates, as in real registries.
LEGAL_FORMS = (("有限公司", 6), ("有限责任公司", 3), ("股份有限公司", 1))


@dataclass(frozen=True)
class City:
    name: str          # 杭州
    province: str      # 浙江省 (a municipality is its own province: 北京市)
    pinyin: str        # Hangzhou
    area_code: str     # 0571
    local_len: int     # digits of a local landline number
    weight: int        # how often companies/persons live here
    region: str        # east | north | south | west (distributor territories)
    districts: tuple   # ((区名, 6-digit admin code), ...)

    @property
    def is_municipality(self) -> bool:
        return self.province.startswith(self.name)


CITIES = (
    City("北京", "北京市", "Beijing", "010", 8, 10, "north",
         (("朝阳区", "110105"), ("海淀区", "110108"), ("东城区", "110101"), ("西城区", "110102"), ("丰台区", "110106"))),
    City("天津", "天津市", "Tianjin", "022", 8, 4, "north",
         (("和平区", "120101"), ("南开区", "120104"), ("河西区", "120103"))),
    City("郑州", "河南省", "Zhengzhou", "0371", 8, 3, "north",
         (("金水区", "410105"), ("二七区", "410103"), ("中原区", "410102"))),
    City("上海", "上海市", "Shanghai", "021", 8, 10, "east",
         (("黄浦区", "310101"), ("徐汇区", "310104"), ("浦东新区", "310115"), ("静安区", "310106"), ("闵行区", "310112"))),
    City("南京", "江苏省", "Nanjing", "025", 8, 5, "east",
         (("玄武区", "320102"), ("鼓楼区", "320106"), ("建邺区", "320105"), ("江宁区", "320115"))),
    City("苏州", "江苏省", "Suzhou", "0512", 8, 5, "east",
         (("姑苏区", "320508"), ("吴中区", "320506"), ("相城区", "320507"), ("虎丘区", "320505"))),
    City("无锡", "江苏省", "Wuxi", "0510", 8, 3, "east",
         (("梁溪区", "320213"), ("滨湖区", "320211"), ("新吴区", "320214"))),
    City("杭州", "浙江省", "Hangzhou", "0571", 8, 6, "east",
         (("西湖区", "330106"), ("上城区", "330102"), ("滨江区", "330108"), ("拱墅区", "330105"))),
    City("宁波", "浙江省", "Ningbo", "0574", 8, 3, "east",
         (("海曙区", "330203"), ("鄞州区", "330212"), ("江北区", "330205"))),
    City("合肥", "安徽省", "Hefei", "0551", 8, 3, "east",
         (("蜀山区", "340104"), ("包河区", "340111"), ("庐阳区", "340103"))),
    City("青岛", "山东省", "Qingdao", "0532", 8, 3, "east",
         (("市南区", "370202"), ("市北区", "370203"), ("崂山区", "370212"))),
    City("厦门", "福建省", "Xiamen", "0592", 7, 3, "east",
         (("思明区", "350203"), ("湖里区", "350206"), ("集美区", "350211"))),
    City("广州", "广东省", "Guangzhou", "020", 8, 8, "south",
         (("天河区", "440106"), ("越秀区", "440104"), ("海珠区", "440105"), ("白云区", "440111"))),
    City("深圳", "广东省", "Shenzhen", "0755", 8, 8, "south",
         (("南山区", "440305"), ("福田区", "440304"), ("罗湖区", "440303"), ("宝安区", "440306"))),
    City("佛山", "广东省", "Foshan", "0757", 8, 3, "south",
         (("禅城区", "440604"), ("南海区", "440605"), ("顺德区", "440606"))),
    City("成都", "四川省", "Chengdu", "028", 8, 5, "west",
         (("锦江区", "510104"), ("青羊区", "510105"), ("武侯区", "510107"), ("成华区", "510108"))),
    City("重庆", "重庆市", "Chongqing", "023", 8, 4, "west",
         (("渝中区", "500103"), ("江北区", "500105"), ("南岸区", "500108"))),
    City("武汉", "湖北省", "Wuhan", "027", 8, 5, "west",
         (("江汉区", "420103"), ("武昌区", "420106"), ("洪山区", "420111"))),
    City("长沙", "湖南省", "Changsha", "0731", 8, 3, "west",
         (("岳麓区", "430104"), ("芙蓉区", "430102"), ("天心区", "430103"))),
    City("西安", "陕西省", "Xi'an", "029", 8, 4, "west",
         (("雁塔区", "610113"), ("碑林区", "610103"), ("未央区", "610112"))),
)

# Birth-place codes outside the cities above: an ID number's region is where
# the person was registered at birth, often not where they live now.
BIRTH_REGIONS = ("130102", "370102", "410302", "341202", "360102", "430405", "510703", "230102", "450103")

# Surnames roughly in frequency order; the first ones get more weight.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
    "于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江"
    "尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_MALE = "伟强磊军洋勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆旭宁龙林阳建峰志文海亮成博然"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀英玲兰萍红燕梅琳雪婷倩颖慧莉蕾洁佳欣怡悦璐晨雯楠丹蓉瑶薇"

# Very common full names, deliberately shared by several different people.
COMMON_NAMES = (
    ("张伟", "M"), ("王伟", "M"), ("王芳", "F"), ("李伟", "M"), ("李娜", "F"), ("张敏", "F"),
    ("李静", "F"), ("王静", "F"), ("刘伟", "M"), ("王秀英", "F"), ("张丽", "F"), ("李强", "M"),
    ("王磊", "M"), ("刘洋", "M"), ("陈静", "F"), ("杨帆", "M"), ("王勇", "M"), ("李军", "M"),
    ("刘芳", "F"), ("陈杰", "M"),
)

STREETS = (
    "建国路", "人民路", "中山路", "解放路", "长江路", "和平路", "新华路", "文三路", "科技园路",
    "高新大道", "南京路", "淮海路", "延安路", "学院路", "黄河路", "青年路", "东风路", "胜利路",
    "工业大道", "创业路", "滨江大道", "振兴路", "光明路", "迎宾大道", "金融街", "花园路",
)
OFFICE_BUILDINGS = ("国贸大厦", "金融中心", "科技园A座", "创业大厦", "世纪广场", "时代广场",
                    "中心大厦", "商务中心B座", "国际大厦", "财富中心")
RESIDENCES = ("阳光花园", "翠苑小区", "锦绣家园", "东方花城", "金色家园", "和平里", "幸福小区",
              "绿城桂花园", "万科城", "碧桂园", "滨江花园", "新村")

# Mobile prefixes that phonenumbers accepts as valid mainland mobiles.
MOBILE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
    "153", "155", "156", "157", "158", "159", "166", "173", "175", "176", "177", "178",
    "180", "181", "182", "183", "185", "186", "187", "188", "189", "191", "198", "199",
)
PERSONAL_MAIL = (("qq.com", 5), ("163.com", 4), ("126.com", 2), ("gmail.com", 2),
                 ("sina.com", 1), ("foxmail.com", 1), ("outlook.com", 1), ("139.com", 1))
GENERIC_MAILBOXES = ("info", "sales", "service", "contact", "office", "admin", "market", "cs")

ACCOUNT_MANAGERS = ("周婷", "吴昊", "郑凯", "孙悦", "马骏", "朱琳", "胡斌", "高洁")
