"""Id styles, names, places, time and money helpers (written independently of casegraph)."""
import datetime as _dt

EPOCH = _dt.datetime(2020, 1, 1)          # local (Asia/Shanghai) naive epoch
DAY = 86400
START_DAY = 152                             # 2020-06-01
END_DAY = 1095                              # 2022-12-31

PROVINCES = [  # name, 2-digit code, cities
    ("浙江", "33", ["杭州", "温州", "金华", "台州"]),
    ("广东", "44", ["深圳", "广州", "东莞", "汕头"]),
    ("福建", "35", ["福州", "厦门", "泉州"]),
    ("江苏", "32", ["南京", "苏州", "无锡"]),
    ("上海", "31", ["上海"]),
    ("四川", "51", ["成都", "绵阳"]),
    ("湖南", "43", ["长沙", "衡阳"]),
    ("河南", "41", ["郑州", "洛阳", "南阳"]),
    ("山东", "37", ["济南", "青岛", "临沂"]),
    ("江西", "36", ["南昌", "赣州"]),
    ("重庆", "50", ["重庆"]),
    ("辽宁", "21", ["沈阳", "大连"]),
    ("海南", "46", ["海口", "三亚"]),
    ("广西", "45", ["南宁", "柳州"]),
]
PCODE = {p: c for p, c, _ in PROVINCES}

SURNAMES = ("王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 林 罗 高 郑 梁 谢 宋 唐 许 韩 冯 邓 曹 "
            "彭 曾 萧 田 董 潘 袁 蔡 蒋 余 亓 禚 訾 郗 闫 欧阳 司马 上官 皇甫 佘 逄 嵇 缪").split()
GIVEN = ("伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀 霞 平 刚 桂 英 华 建 国 志 海 "
         "堃 喆 赟 珺 玥 犇 淼 垚 昇 龑 彧 翀 祎 旻 晗 婧 溦 琤 燚 鑫 𠮷 䶮 嫚 頔 曌").split()
COMMON_NAMES = ["张伟", "王芳", "李娜", "刘洋", "王磊", "张敏"]


class Ids:
    """Sequential, styled id factories; deterministic given the order of calls."""

    def __init__(self, r):
        self.r = r
        self.n = {}
        self.used_cards = set()

    def seq(self, key):
        self.n[key] = self.n.get(key, 0) + 1
        return self.n[key]

    def person(self):                       # zero-padded numeric text: leading zeros matter
        return "%08d" % (self.seq("p") * 37 + 1000)

    def company_person(self, pcode):        # unified social credit code style
        s = self.seq("co")
        return "91%s%02d00MA%07dX" % (pcode, s % 100, 1000000 + s * 131)

    def bank_card(self, bin_="6217"):
        while True:
            c = bin_ + "".join(str(self.r.randrange(10)) for _ in range(15))
            if c not in self.used_cards:
                self.used_cards.add(c)
                return c

    def corp_account(self):                 # 21-digit corporate account number
        return "3100%017d" % (self.seq("corp") * 7919 + 55000000)

    def payment(self):
        return "ZF-%04d-%06d" % (self.seq("pay"), self.r.randrange(10 ** 6))

    def broker(self, prefix):
        return "%s %07d" % (prefix, 3000000 + self.seq("brk") * 53)


def person_name(r, common=False):
    if common and r.random() < 0.5:
        return r.choice(COMMON_NAMES)
    s = r.choice(SURNAMES)
    g = r.choice(GIVEN) + (r.choice(GIVEN) if r.random() < 0.6 else "")
    return s + g


def id_number(r, pcode, masked=False):
    y = r.randrange(1960, 2001)
    body = "%s%04d%04d%02d%02d%03d" % (pcode, r.randrange(100, 9999), y, r.randrange(1, 13),
                                       r.randrange(1, 29), r.randrange(1000))
    last = r.choice("0123456789X")
    if masked:
        return body[:6] + "********" + body[14:] + last
    return body + last


def phone(r):
    return "1%s%09d" % (r.choice("356789"), r.randrange(10 ** 9))


def home_ip(r):
    return "%d.%d.%d.%d" % (r.choice([58, 60, 61, 113, 114, 116, 121, 124, 180, 183, 218, 222]),
                            r.randrange(256), r.randrange(256), r.randrange(1, 255))


def device(r, kind="phone"):
    if kind == "pc":
        return "PC-" + "".join(r.choice("0123456789ABCDEF") for _ in range(12))
    return "IMEI %015d" % r.randrange(10 ** 14, 10 ** 15)


# ---- time -------------------------------------------------------------
def t_of_day(d, h=0, m=0, s=0):
    return d * DAY + h * 3600 + m * 60 + s


def _dt_of(t):
    return EPOCH + _dt.timedelta(seconds=t)


def fmt_local(t):
    return _dt_of(t).strftime("%Y-%m-%dT%H:%M:%S")


def fmt_off(t):
    return _dt_of(t).strftime("%Y-%m-%dT%H:%M:%S+08:00")


def fmt_utc(t):
    return _dt_of(t - 8 * 3600).strftime("%Y-%m-%dT%H:%M:%SZ")


def fmt_ms(t, ms):
    return _dt_of(t).strftime("%Y-%m-%dT%H:%M:%S") + ".%03d" % ms


def fmt_date(d):
    return (EPOCH + _dt.timedelta(days=d)).strftime("%Y-%m-%d")


def money(f):
    """fen (int) -> decimal text with 2 places, sign kept."""
    sign = "-" if f < 0 else ""
    f = abs(f)
    return "%s%d.%02d" % (sign, f // 100, f % 100)
