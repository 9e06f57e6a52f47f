"""The regions a factor may apply to: countries, Chinese provinces, Chinese grid regions and GLOBAL."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple


class Region(NamedTuple):
    code: str
    name_zh: str
    name_en: str
    kind: str  # "global", "country", "subdivision", "province" or "grid"
    short_zh: str = ""  # the everyday short name of a province (广西 for 广西壮族自治区)


_GLOBAL = [Region("GLOBAL", "全球", "Global", "global")]

# ISO 3166-1 alpha-2. The list covers the countries DESNZ publishes hotel factors for, those it leaves
# empty (so a calculator can name them when it falls back to a stand-in), and the sources' home countries.
# Hong Kong, Macau and Taiwan are named as DESNZ names them ("Hong Kong, China").
_COUNTRIES = [
    Region("CN", "中国", "China", "country"),
    Region("HK", "中国香港", "Hong Kong, China", "country"),
    Region("MO", "中国澳门", "Macau, China", "country"),
    Region("TW", "中国台湾", "Taiwan, China", "country"),
    Region("GB", "英国", "United Kingdom", "country"),
    Region("AE", "阿联酋", "United Arab Emirates", "country"),
    Region("AR", "阿根廷", "Argentina", "country"),
    Region("AT", "奥地利", "Austria", "country"),
    Region("AU", "澳大利亚", "Australia", "country"),
    Region("BE", "比利时", "Belgium", "country"),
    Region("BR", "巴西", "Brazil", "country"),
    Region("CA", "加拿大", "Canada", "country"),
    Region("CH", "瑞士", "Switzerland", "country"),
    Region("CL", "智利", "Chile", "country"),
    Region("CO", "哥伦比亚", "Colombia", "country"),
    Region("CR", "哥斯达黎加", "Costa Rica", "country"),
    Region("CZ", "捷克", "Czech Republic", "country"),
    Region("DE", "德国", "Germany", "country"),
    Region("EG", "埃及", "Egypt", "country"),
    Region("ES", "西班牙", "Spain", "country"),
    Region("FI", "芬兰", "Finland", "country"),
    Region("FJ", "斐济", "Fiji", "country"),
    Region("FR", "法国", "France", "country"),
    Region("GR", "希腊", "Greece", "country"),
    Region("ID", "印度尼西亚", "Indonesia", "country"),
    Region("IE", "爱尔兰", "Ireland", "country"),
    Region("IL", "以色列", "Israel", "country"),
    Region("IN", "印度", "India", "country"),
    Region("IT", "意大利", "Italy", "country"),
    Region("JO", "约旦", "Jordan", "country"),
    Region("JP", "日本", "Japan", "country"),
    Region("KR", "韩国", "Korea, Republic of", "country"),
    Region("KZ", "哈萨克斯坦", "Kazakhstan", "country"),
    Region("MV", "马尔代夫", "Maldives", "country"),
    Region("MX", "墨西哥", "Mexico", "country"),
    Region("MY", "马来西亚", "Malaysia", "country"),
    Region("NL", "荷兰", "Netherlands", "country"),
    Region("NZ", "新西兰", "New Zealand", "country"),
    Region("OM", "阿曼", "Oman", "country"),
    Region("PA", "巴拿马", "Panama", "country"),
    Region("PE", "秘鲁", "Peru", "country"),
    Region("PH", "菲律宾", "Philippines", "country"),
    Region("PL", "波兰", "Poland", "country"),
    Region("PT", "葡萄牙", "Portugal", "country"),
    Region("QA", "卡塔尔", "Qatar", "country"),
    Region("RO", "罗马尼亚", "Romania", "country"),
    Region("RU", "俄罗斯", "Russian Federation", "country"),
    Region("SA", "沙特阿拉伯", "Saudi Arabia", "country"),
    Region("SG", "新加坡", "Singapore", "country"),
    Region("TH", "泰国", "Thailand", "country"),
    Region("TR", "土耳其", "Turkey", "country"),
    Region("US", "美国", "United States", "country"),
    Region("VN", "越南", "Vietnam", "country"),
    Region("ZA", "南非", "South Africa", "country"),
]

# ISO 3166-2; DESNZ publishes a separate hotel factor for London.
_SUBDIVISIONS = [Region("GB-LND", "英国伦敦", "London, United Kingdom", "subdivision")]

# ISO 3166-2:CN codes of the 31 provincial-level divisions of the mainland (MEE publishes 30: no Tibet).
_PROVINCES = [
    Region("CN-BJ", "北京市", "Beijing", "province", "北京"),
    Region("CN-TJ", "天津市", "Tianjin", "province", "天津"),
    Region("CN-HE", "河北省", "Hebei", "province", "河北"),
    Region("CN-SX", "山西省", "Shanxi", "province", "山西"),
    Region("CN-NM", "内蒙古自治区", "Inner Mongolia", "province", "内蒙古"),
    Region("CN-LN", "辽宁省", "Liaoning", "province", "辽宁"),
    Region("CN-JL", "吉林省", "Jilin", "province", "吉林"),
    Region("CN-HL", "黑龙江省", "Heilongjiang", "province", "黑龙江"),
    Region("CN-SH", "上海市", "Shanghai", "province", "上海"),
    Region("CN-JS", "江苏省", "Jiangsu", "province", "江苏"),
    Region("CN-ZJ", "浙江省", "Zhejiang", "province", "浙江"),
    Region("CN-AH", "安徽省", "Anhui", "province", "安徽"),
    Region("CN-FJ", "福建省", "Fujian", "province", "福建"),
    Region("CN-JX", "江西省", "Jiangxi", "province", "江西"),
    Region("CN-SD", "山东省", "Shandong", "province", "山东"),
    Region("CN-HA", "河南省", "Henan", "province", "河南"),
    Region("CN-HB", "湖北省", "Hubei", "province", "湖北"),
    Region("CN-HN", "湖南省", "Hunan", "province", "湖南"),
    Region("CN-GD", "广东省", "Guangdong", "province", "广东"),
    Region("CN-GX", "广西壮族自治区", "Guangxi", "province", "广西"),
    Region("CN-HI", "海南省", "Hainan", "province", "海南"),
    Region("CN-CQ", "重庆市", "Chongqing", "province", "重庆"),
    Region("CN-SC", "四川省", "Sichuan", "province", "四川"),
    Region("CN-GZ", "贵州省", "Guizhou", "province", "贵州"),
    Region("CN-YN", "云南省", "Yunnan", "province", "云南"),
    Region("CN-XZ", "西藏自治区", "Tibet (Xizang)", "province", "西藏"),
    Region("CN-SN", "陕西省", "Shaanxi", "province", "陕西"),
    Region("CN-GS", "甘肃省", "Gansu", "province", "甘肃"),
    Region("CN-QH", "青海省", "Qinghai", "province", "青海"),
    Region("CN-NX", "宁夏回族自治区", "Ningxia", "province", "宁夏"),
    Region("CN-XJ", "新疆维吾尔自治区", "Xinjiang", "province", "新疆"),
]

# The seven regional grids of the MEE & NBS tables (the reference lists Southwest, not a "West" grid).
_GRIDS = [
    Region("CN-GRID-NORTH", "华北区域电网", "North China grid", "grid"),
    Region("CN-GRID-NORTHEAST", "东北区域电网", "Northeast China grid", "grid"),
    Region("CN-GRID-EAST", "华东区域电网", "East China grid", "grid"),
    Region("CN-GRID-CENTRAL", "华中区域电网", "Central China grid", "grid"),
    Region("CN-GRID-NORTHWEST", "西北区域电网", "Northwest China grid", "grid"),
    Region("CN-GRID-SOUTH", "南方区域电网", "China Southern grid", "grid"),
    Region("CN-GRID-SOUTHWEST", "西南区域电网", "Southwest China grid", "grid"),
]

KNOWN_REGIONS: Mapping[str, Region] = MappingProxyType(
    {r.code: r for r in _GLOBAL + _COUNTRIES + _SUBDIVISIONS + _PROVINCES + _GRIDS}
)
CN_PROVINCES: tuple[str, ...] = tuple(r.code for r in _PROVINCES)
CN_GRIDS: tuple[str, ...] = tuple(r.code for r in _GRIDS)


def find_province(name: str) -> Region | None:
    """The Chinese province named `name` (广东, 广东省, Guangdong or CN-GD), or None."""
    wanted = name.strip().casefold()
    for region in _PROVINCES:
        if wanted in (region.code.casefold(), region.name_zh, region.short_zh, region.name_en.casefold()):
            return region
    return None
