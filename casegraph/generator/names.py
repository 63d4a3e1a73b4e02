"""Word pools of the synthetic world: provinces, names, banks, brokers, instruments.

Everything here is drawn with a ``numpy.random.Generator`` handed in by the caller, in bulk
where many values are needed, so a case is a pure function of its seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# (name, two-digit code used in resident id numbers, cities, weight among clients)
PROVINCES: tuple[tuple[str, str, tuple[str, ...], float], ...] = (
    ("北京市", "11", ("北京市",), 3.0),
    ("天津市", "12", ("天津市",), 1.5),
    ("河北省", "13", ("石家庄市", "唐山市", "保定市", "邯郸市"), 3.0),
    ("山西省", "14", ("太原市", "大同市", "运城市"), 1.5),
    ("内蒙古自治区", "15", ("呼和浩特市", "包头市"), 1.0),
    ("辽宁省", "21", ("沈阳市", "大连市", "鞍山市"), 2.0),
    ("吉林省", "22", ("长春市", "吉林市"), 1.0),
    ("黑龙江省", "23", ("哈尔滨市", "大庆市"), 1.2),
    ("上海市", "31", ("上海市",), 3.5),
    ("江苏省", "32", ("南京市", "苏州市", "无锡市", "常州市", "南通市"), 5.0),
    ("浙江省", "33", ("杭州市", "宁波市", "温州市", "金华市", "绍兴市"), 5.0),
    ("安徽省", "34", ("合肥市", "芜湖市", "蚌埠市"), 2.5),
    ("福建省", "35", ("福州市", "厦门市", "泉州市"), 3.0),
    ("江西省", "36", ("南昌市", "赣州市", "九江市"), 2.0),
    ("山东省", "37", ("济南市", "青岛市", "烟台市", "潍坊市"), 4.5),
    ("河南省", "41", ("郑州市", "洛阳市", "南阳市"), 4.0),
    ("湖北省", "42", ("武汉市", "宜昌市", "襄阳市"), 3.0),
    ("湖南省", "43", ("长沙市", "株洲市", "衡阳市"), 3.0),
    ("广东省", "44", ("广州市", "深圳市", "东莞市", "佛山市", "汕头市"), 7.0),
    ("广西壮族自治区", "45", ("南宁市", "柳州市", "桂林市"), 2.0),
    ("海南省", "46", ("海口市", "三亚市"), 0.6),
    ("重庆市", "50", ("重庆市",), 2.5),
    ("四川省", "51", ("成都市", "绵阳市", "南充市"), 4.0),
    ("贵州省", "52", ("贵阳市", "遵义市"), 1.5),
    ("云南省", "53", ("昆明市", "曲靖市", "大理市"), 1.8),
    ("西藏自治区", "54", ("拉萨市",), 0.1),
    ("陕西省", "61", ("西安市", "咸阳市", "宝鸡市"), 2.0),
    ("甘肃省", "62", ("兰州市", "天水市"), 0.8),
    ("青海省", "63", ("西宁市",), 0.3),
    ("宁夏回族自治区", "64", ("银川市",), 0.4),
    ("新疆维吾尔自治区", "65", ("乌鲁木齐市", "喀什市"), 0.8),
)
PROVINCE_INDEX = {p[0]: i for i, p in enumerate(PROVINCES)}
SHANGHAI = PROVINCE_INDEX["上海市"]

# Provinces of the 29 gangs outside the five in Shanghai (several gangs in some provinces).
GANG_PROVINCES_OUTSIDE_SHANGHAI = (
    "浙江省", "广东省", "江苏省", "福建省", "四川省", "湖北省", "湖南省", "河南省", "山东省",
    "河北省", "安徽省", "江西省", "重庆市", "辽宁省", "陕西省", "云南省", "广西壮族自治区", "北京市",
    "浙江省", "广东省", "江苏省", "福建省", "四川省", "广东省", "浙江省", "山东省", "河南省",
    "湖北省", "江苏省",
)

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚"
    "邵万钱严覃武戴莫孔向汤"
)  # no 鲍: the fraud gang's leader is the only "Bao" in a case
GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华建国志海燕晓东玲斌鹏辉宇浩凯俊峰波红梅琳婷雪"
    "慧颖欣怡子轩博文嘉豪思远佳琪梓涵一鸣天佑雨桐晨阳宏亮永福德胜秀兰春生金凤新民立新丹瑞云飞"
)
BANKS = (
    "中国工商银行", "中国农业银行", "中国银行", "中国建设银行", "交通银行", "招商银行", "浦发银行",
    "中信银行", "兴业银行", "民生银行", "平安银行", "光大银行", "华夏银行", "中国邮政储蓄银行",
)
PAYMENT_CHANNELS = ("易汇通支付有限公司", "聚联付网络科技有限公司", "银盛宝支付服务有限公司")
BROKERS = ("Harbour Futures (HK)", "Victoria Peak Futures (HK)", "Lion Gate Futures (SG)")
PHONE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155",
    "156", "158", "159", "166", "177", "180", "181", "186", "187", "188", "189", "199",
)
PLATFORM_WORDS = (
    "恒鑫", "汇通", "金鼎", "瑞丰", "鼎盛", "华泰", "宏达", "盛世", "富源", "嘉信", "创富", "环亚", "致远",
    "东方", "金源", "博海", "诚汇", "天盈", "永利", "泰和", "国金", "银河", "长城", "中盛", "锦程", "鑫汇",
    "恒通", "大华", "海纳", "富达", "安泰", "信诚", "宝丰", "汇金", "盈科", "聚财", "宏图", "金瑞", "鸿运",
    "万通",
)
PLATFORM_SUFFIXES = ("国际", "环球期货", "金融", "资本", "财富", "期货", "国际金融", "全球投资")
DOMAIN_WORDS = (
    "hengxin", "huitong", "jinding", "ruifeng", "dingsheng", "huatai", "hongda", "shengshi", "fuyuan",
    "jiaxin", "chuangfu", "huanya", "zhiyuan", "dongfang", "jinyuan", "bohai", "chenghui", "tianying",
    "yongli", "taihe", "guojin", "yinhe", "zhongsheng", "jincheng", "xinhui", "dahua", "haina", "fuda",
    "antai", "baofeng", "huijin", "yingke", "jucai", "hongtu", "jinrui", "hongyun", "wantong",
)
DOMAIN_TAILS = ("global", "fx", "trade", "futures", "cap", "invest", "hk", "intl")
TLDS = (".com", ".net", ".vip", ".cc", ".co", ".top")
COMPANY_WORDS = ("云策", "智汇", "联创", "数衡", "新易", "博远", "乾元", "睿信")


@dataclass(frozen=True)
class Instrument:
    """An overseas futures contract: prices are integers in units of 1/scale."""

    code: str
    currency: str
    multiplier: int  # currency units per price point per lot
    scale: int  # price text has log10(scale) decimals
    tick_units: int  # one tick in price units
    low: int  # price range in price units
    high: int

    @property
    def lot_value_fen(self) -> int:
        """Currency fen per price unit per lot."""
        return self.multiplier * 100 // self.scale

    @property
    def decimals(self) -> int:
        """The price text's decimals: log10(scale)."""
        return len(str(self.scale)) - 1

    def price_text(self, units: int) -> str:
        if self.scale == 1:
            return str(units)
        whole, frac = divmod(units, self.scale)
        return f"{whole}.{frac:0{self.decimals}d}"


INSTRUMENTS: tuple[Instrument, ...] = (
    Instrument("HSI", "HKD", 50, 1, 1, 21000, 31000),
    Instrument("CL", "USD", 1000, 100, 1, 3500, 8000),
    Instrument("GC", "USD", 100, 10, 1, 12500, 20500),
    Instrument("NQ", "USD", 20, 100, 25, 650000, 1650000),
    Instrument("CN", "USD", 1, 10, 25, 100000, 180000),
)


def person_names(rng: np.random.Generator, n: int, surname: str | None = None) -> list[str]:
    """Chinese names: a surname and one or two given characters (duplicates happen, as in life)."""
    sur = rng.integers(0, len(SURNAMES), n)
    two = rng.random(n) < 0.7
    g1 = rng.integers(0, len(GIVEN_CHARS), n)
    g2 = rng.integers(0, len(GIVEN_CHARS), n)
    out = []
    for i in range(n):
        s = surname if surname is not None else SURNAMES[sur[i]]
        given = GIVEN_CHARS[g1[i]] + (GIVEN_CHARS[g2[i]] if two[i] else "")
        out.append(s + given)
    return out


def id_numbers(rng: np.random.Generator, provinces: np.ndarray) -> list[str]:
    """Masked resident id numbers such as ``310***********1234`` (province code kept)."""
    n = len(provinces)
    third = rng.integers(0, 10, n)
    tail = rng.integers(0, 1000, n)
    check = rng.integers(0, 11, n)
    return [
        f"{PROVINCES[p][1]}{third[i]}{'*' * 11}{tail[i]:03d}{'X' if check[i] == 10 else check[i]}"
        for i, p in enumerate(provinces)
    ]


def phones(rng: np.random.Generator, n: int) -> list[str]:
    pre = rng.integers(0, len(PHONE_PREFIXES), n)
    rest = rng.integers(0, 100_000_000, n)
    return [f"{PHONE_PREFIXES[pre[i]]}{rest[i]:08d}" for i in range(n)]


def cities(rng: np.random.Generator, provinces: np.ndarray) -> list[str]:
    u = rng.random(len(provinces))
    return [PROVINCES[p][2][int(u[i] * len(PROVINCES[p][2]))] for i, p in enumerate(provinces)]


def ip_addresses(rng: np.random.Generator, n: int) -> list[str]:
    """Public-looking IPv4 addresses (first octet kept away from private and reserved ranges)."""
    a = rng.choice(np.array([36, 39, 42, 58, 59, 60, 61, 101, 106, 112, 113, 114, 115, 116, 117,
                             118, 119, 120, 121, 122, 123, 124, 125, 180, 182, 183, 211, 218, 219,
                             220, 221, 222, 223]), n)
    b, c, d = rng.integers(0, 256, n), rng.integers(0, 256, n), rng.integers(1, 255, n)
    return [f"{a[i]}.{b[i]}.{c[i]}.{d[i]}" for i in range(n)]
