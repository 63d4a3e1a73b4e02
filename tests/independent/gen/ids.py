"""Identifier styles, names, places and time helpers (independent generator)."""
import random
import string
from datetime import datetime, timedelta

B62 = string.digits + string.ascii_letters
HEXL = "0123456789abcdef"

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红梅玉萍飞鹏辉斌宇浩凯健俊帆晨欣怡婷雪琳晓峰波亮翔鑫龙海燕丹倩颖佳琪思雨子轩梓涵浩然一诺雅静")

# province -> (city list, IP first octets typical for that province, id-number prefix)
PROVINCES = {
    "浙江": (["杭州", "温州", "宁波", "金华", "台州"], [60, 115, 122, 183], "33"),
    "广东": (["深圳", "广州", "东莞", "佛山", "汕头"], [113, 119, 183, 14], "44"),
    "上海": (["上海"], [58, 101, 116, 180], "31"),
    "福建": (["福州", "厦门", "泉州", "莆田"], [27, 110, 117, 120], "35"),
    "江苏": (["南京", "苏州", "无锡", "常州"], [49, 114, 180, 221], "32"),
    "四川": (["成都", "绵阳", "南充"], [118, 125, 171, 182], "51"),
    "湖南": (["长沙", "株洲", "衡阳"], [58, 113, 175, 222], "43"),
    "河南": (["郑州", "洛阳", "周口"], [42, 115, 123, 171], "41"),
    "山东": (["济南", "青岛", "临沂"], [27, 60, 119, 182], "37"),
    "湖北": (["武汉", "宜昌", "襄阳"], [27, 59, 111, 219], "42"),
    "重庆": (["重庆"], [14, 113, 183, 222], "50"),
    "江西": (["南昌", "赣州", "上饶"], [59, 117, 182, 218], "36"),
    "河北": (["石家庄", "邢台", "保定"], [27, 106, 121, 221], "13"),
    "安徽": (["合肥", "芜湖", "阜阳"], [36, 60, 114, 223], "34"),
    "广西": (["南宁", "柳州", "桂林"], [113, 116, 171, 222], "45"),
    "辽宁": (["沈阳", "大连"], [42, 59, 113, 175], "21"),
    "北京": (["北京"], [61, 106, 114, 123], "11"),
    "云南": (["昆明", "大理"], [14, 116, 182, 220], "53"),
    "陕西": (["西安", "咸阳"], [1, 36, 113, 124], "61"),
    "黑龙江": (["哈尔滨", "大庆"], [1, 42, 112, 221], "23"),
}

BANKS = [  # institution, BIN prefixes, card length
    ("中国工商银行", ["622202", "621226", "622208"], 19),
    ("中国农业银行", ["622848", "622845"], 19),
    ("中国建设银行", ["621700", "436742", "622700"], 19),
    ("中国银行", ["621661", "456351", "601382"], 19),
    ("招商银行", ["621483", "622588", "410062"], 16),
    ("交通银行", ["622262", "601428"], 17),
    ("中国邮政储蓄银行", ["621799", "622188"], 19),
    ("平安银行", ["622155", "623058"], 16),
    ("兴业银行", ["622909", "438588"], 18),
    ("浙江农信", ["621058", "623091"], 19),
]


class Ids:
    """Hands out unique ids in many styles; every id in the case passes through here."""

    def __init__(self, rnd: random.Random):
        self.r = rnd
        self.used = set()

    def _uniq(self, fn):
        for _ in range(1000):
            v = fn()
            if v not in self.used:
                self.used.add(v)
                return v
        raise RuntimeError("id space exhausted")

    def b62(self, lo, hi=None, prefix=""):
        n = lo if hi is None else self.r.randint(lo, hi)
        return self._uniq(lambda: prefix + "".join(self.r.choice(B62) for _ in range(n)))

    def hexid(self, n, prefix="", upper=False):
        def f():
            s = "".join(self.r.choice(HEXL) for _ in range(n))
            return prefix + (s.upper() if upper else s)
        return self._uniq(f)

    def digits(self, n, prefix=""):
        return self._uniq(lambda: prefix + "".join(self.r.choice(string.digits) for _ in range(n - len(prefix))))

    def phone(self):
        pre = self.r.choice(["130", "131", "132", "135", "136", "137", "138", "139", "150", "151",
                             "152", "157", "158", "159", "166", "177", "180", "181", "186", "187", "188", "199"])
        return self.digits(11, pre)

    def card(self, bins, length):
        def f():
            body = self.r.choice(bins)
            body += "".join(self.r.choice(string.digits) for _ in range(length - len(body) - 1))
            return body + luhn_digit(body)
        return self._uniq(f)

    def uscc(self, region="3101"):
        # unified social credit code look-alike: 91 + region + 12 chars
        al = "0123456789ABCDEFGHJKLMNPQRTUWXY"
        return self._uniq(lambda: "91" + region + "".join(self.r.choice(al) for _ in range(12)))

    def raw(self, value):
        if value in self.used:
            raise RuntimeError("duplicate id " + value)
        self.used.add(value)
        return value


def luhn_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def person_name(r: random.Random) -> str:
    return r.choice(SURNAMES) + "".join(r.choice(GIVEN) for _ in range(r.choice([1, 2, 2])))


def id_number(r: random.Random, province: str, masked: bool) -> str:
    pre = PROVINCES[province][2] + "%04d" % r.randint(100, 9999)
    born = datetime(1955, 1, 1) + timedelta(days=r.randint(0, 365 * 45))
    seq = "%03d" % r.randint(0, 999)
    body = pre + born.strftime("%Y%m%d") + seq
    last = r.choice("0123456789X")
    full = body + last
    if masked:
        return full[:6] + "********" + full[14:]
    return full


def ip_in(r: random.Random, province: str) -> str:
    first = r.choice(PROVINCES[province][1])
    return "%d.%d.%d.%d" % (first, r.randint(0, 255), r.randint(0, 255), r.randint(2, 254))


def device_id(r: random.Random, ids: Ids) -> str:
    style = r.random()
    if style < 0.4:
        return ids.digits(15, r.choice(["86", "35"]))  # IMEI-like
    if style < 0.7:
        return ids.hexid(16)  # android-id-like
    if style < 0.9:
        return ids._uniq(lambda: ":".join("%02X" % r.randint(0, 255) for _ in range(6)))  # MAC
    return ids._uniq(lambda: "-".join(
        "".join(r.choice("0123456789ABCDEF") for _ in range(k)) for k in (8, 4, 4, 4, 12)))  # IDFV


# ---- time -------------------------------------------------------------------
T0 = datetime(2020, 3, 2)
T1 = datetime(2022, 11, 30)


def rand_dt(r: random.Random, a: datetime, b: datetime) -> datetime:
    if b <= a:
        return a
    return a + timedelta(seconds=r.randint(0, int((b - a).total_seconds())))


def fmt_ts(dt: datetime, offset=False, ms=False) -> str:
    s = dt.strftime("%Y-%m-%dT%H:%M:%S")
    if ms:
        s += ".%03d" % (dt.microsecond // 1000)
    return s + ("+08:00" if offset else "")


def parse_d(s: str) -> datetime:
    return datetime.strptime(s, "%Y-%m-%d")


def fmt_d(dt) -> str:
    return dt.strftime("%Y-%m-%d")


def money(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return "%s%d.%02d" % (sign, fen // 100, fen % 100)
