"""Chinese provinces and the larger prefecture-level cities, with their short
forms (北京 for 北京市, 广东 for 广东省). Enough to split a registration place off
a company name and a province/city off an address; a full division table can
replace it without changing the callers."""

from __future__ import annotations

import re

PROVINCES = {
    "北京": "北京市", "天津": "天津市", "上海": "上海市", "重庆": "重庆市",
    "河北": "河北省", "山西": "山西省", "辽宁": "辽宁省", "吉林": "吉林省", "黑龙江": "黑龙江省",
    "江苏": "江苏省", "浙江": "浙江省", "安徽": "安徽省", "福建": "福建省", "江西": "江西省",
    "山东": "山东省", "河南": "河南省", "湖北": "湖北省", "湖南": "湖南省", "广东": "广东省",
    "海南": "海南省", "四川": "四川省", "贵州": "贵州省", "云南": "云南省", "陕西": "陕西省",
    "甘肃": "甘肃省", "青海": "青海省", "台湾": "台湾省", "内蒙古": "内蒙古自治区",
    "广西": "广西壮族自治区", "西藏": "西藏自治区", "宁夏": "宁夏回族自治区",
    "新疆": "新疆维吾尔自治区", "香港": "香港特别行政区", "澳门": "澳门特别行政区",
}
MUNICIPALITIES = {"北京", "天津", "上海", "重庆"}

# city short name -> province short name
CITIES = {
    "北京": "北京", "天津": "天津", "上海": "上海", "重庆": "重庆",
    "石家庄": "河北", "唐山": "河北", "保定": "河北", "廊坊": "河北", "太原": "山西", "大同": "山西",
    "沈阳": "辽宁", "大连": "辽宁", "长春": "吉林", "吉林": "吉林", "哈尔滨": "黑龙江", "大庆": "黑龙江",
    "南京": "江苏", "苏州": "江苏", "无锡": "江苏", "常州": "江苏", "南通": "江苏", "徐州": "江苏",
    "扬州": "江苏", "镇江": "江苏", "盐城": "江苏", "杭州": "浙江", "宁波": "浙江", "温州": "浙江",
    "绍兴": "浙江", "嘉兴": "浙江", "金华": "浙江", "台州": "浙江", "湖州": "浙江", "义乌": "浙江",
    "合肥": "安徽", "芜湖": "安徽", "福州": "福建", "厦门": "福建", "泉州": "福建", "南昌": "江西",
    "赣州": "江西", "济南": "山东", "青岛": "山东", "烟台": "山东", "潍坊": "山东", "临沂": "山东",
    "淄博": "山东", "威海": "山东", "郑州": "河南", "洛阳": "河南", "武汉": "湖北", "宜昌": "湖北",
    "襄阳": "湖北", "长沙": "湖南", "株洲": "湖南", "广州": "广东", "深圳": "广东", "东莞": "广东",
    "佛山": "广东", "珠海": "广东", "中山": "广东", "惠州": "广东", "汕头": "广东", "江门": "广东",
    "南宁": "广西", "桂林": "广西", "海口": "海南", "三亚": "海南", "成都": "四川", "绵阳": "四川",
    "贵阳": "贵州", "昆明": "云南", "西安": "陕西", "兰州": "甘肃", "西宁": "青海", "银川": "宁夏",
    "乌鲁木齐": "新疆", "呼和浩特": "内蒙古", "包头": "内蒙古", "拉萨": "西藏",
}

_PLACE_NAMES = sorted(set(PROVINCES) | set(CITIES), key=len, reverse=True)
PLACE_ALTERNATION = "|".join(map(re.escape, _PLACE_NAMES))
# a place at the start of a name or address, with its optional suffix
LEADING_PLACE = re.compile(rf"^(?P<place>{PLACE_ALTERNATION})(?:省|市|自治区|特别行政区|壮族自治区|回族自治区|维吾尔自治区)?")
# a place in parentheses anywhere: 华信(北京)科技
BRACKETED_PLACE = re.compile(rf"\((?P<place>{PLACE_ALTERNATION})(?:省|市)?\)")


def province_of(place: str | None) -> str | None:
    if not place:
        return None
    if place in PROVINCES:
        return PROVINCES[place]
    province = CITIES.get(place)
    return PROVINCES[province] if province else None


def city_of(place: str | None) -> str | None:
    """Full city name for a city (or municipality) short name; None for a province."""
    if not place or place not in CITIES:
        return None
    return place + "市"
