"""Small helpers: deterministic ids, names, money in fen, time formatting."""
import calendar
import random

CASE_START = calendar.timegm((2019, 9, 30, 16, 0, 0))  # 2019-10-01T00:00+08:00
N_DAYS = 913                                              # .. 2022-03-31
CST = 8 * 3600

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
            "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力鹏飞婷雪琳晨浩宇轩然欣怡子涵梓豪俊凯佳琪志国海波斌宁"
UYGHUR = ("买买提", "艾力", "阿不都", "热合曼", "古丽", "努尔", "吐尔逊", "阿依", "帕提古丽", "伊力")
PROVINCES = (("浙江", "33", ("杭州", "温州", "宁波", "金华")), ("广东", "44", ("深圳", "广州", "东莞", "佛山")),
             ("福建", "35", ("福州", "厦门", "泉州")), ("江苏", "32", ("南京", "苏州", "无锡")),
             ("上海", "31", ("上海",)), ("四川", "51", ("成都", "绵阳")), ("湖南", "43", ("长沙", "株洲")),
             ("河南", "41", ("郑州", "洛阳")), ("山东", "37", ("济南", "青岛", "临沂")), ("辽宁", "21", ("沈阳", "大连")),
             ("湖北", "42", ("武汉", "宜昌")), ("安徽", "34", ("合肥", "芜湖")), ("江西", "36", ("南昌", "赣州")),
             ("广西", "45", ("南宁", "柳州")), ("重庆", "50", ("重庆",)), ("云南", "53", ("昆明",)),
             ("新疆", "65", ("乌鲁木齐",)), ("海南", "46", ("海口", "三亚")), ("北京", "11", ("北京",)))
PROV_W = (14, 14, 10, 9, 6, 6, 5, 6, 6, 4, 5, 4, 4, 3, 3, 3, 1, 2, 4)
SYL = ("jin", "hui", "heng", "tai", "yin", "da", "rui", "feng", "long", "xin", "hua", "sheng", "bao", "fu", "kai",
       "yuan", "tong", "ding", "cheng", "guo", "hong", "an", "jia", "mei", "rong", "xiang", "zhong", "qian", "wan")
SYL_CN = dict(zip(SYL, "金汇恒泰银达瑞丰隆鑫华盛宝富凯元通鼎诚国鸿安嘉美融祥中乾万"))
BINS = ("622202", "621700", "622848", "621226", "622588", "621661", "623668", "622908", "621485", "622700")
BANK_OF = dict(zip(BINS, ("工商银行", "建设银行", "农业银行", "工商银行", "招商银行", "中国银行", "建设银行",
                          "兴业银行", "招商银行", "建设银行")))


class Rng(random.Random):
    """random.Random with a few draws used everywhere (int seeds only: no hash order)."""

    def child(self, tag):
        return Rng(self.getrandbits(48) ^ (sum(ord(c) * 131 ** i for i, c in enumerate(tag)) & 0xFFFFFFFFFFFF))

    def wpick(self, items, weights):
        return self.choices(items, weights)[0]

    def lognorm_int(self, median, sigma, lo=1, hi=10 ** 12):
        return max(lo, min(hi, int(round(median * self.lognormvariate(0, sigma)))))


def uuid_like(rng):
    h = "%032x" % rng.getrandbits(128)
    return "%s-%s-4%s-%s%s-%s" % (h[:8], h[8:12], h[13:16], "89ab"[int(h[16], 16) % 4], h[17:20], h[20:32])


def luhn_card(rng, bin6=None, length=19):
    b = bin6 or rng.choice(BINS)
    body = b + "".join(str(rng.randrange(10)) for _ in range(length - len(b) - 1))
    s = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        s += d
    return body + str((10 - s % 10) % 10)


def id_number(rng, prov_code, birth_year):
    area = prov_code + "%04d" % rng.randrange(100, 9000)
    body = "%s%d%02d%02d%03d" % (area, birth_year, rng.randint(1, 12), rng.randint(1, 28), rng.randrange(1000))
    w = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(c) * x for c, x in zip(body, w)) % 11]


def phone(rng):
    return rng.choice(("139", "138", "137", "150", "151", "158", "186", "188", "135", "177", "199")) + \
        "%08d" % rng.randrange(10 ** 8)


def person_name(rng, surname=None):
    if surname is None and rng.random() < 0.012:
        return rng.choice(UYGHUR) + "·" + rng.choice(UYGHUR)
    s = surname or rng.choice(SURNAMES[:40] if rng.random() < 0.7 else SURNAMES)
    n = 1 if rng.random() < 0.35 else 2
    return s + "".join(rng.choice(GIVEN[:20] if rng.random() < 0.5 else GIVEN) for _ in range(n))


def pick_province(rng):
    i = rng.choices(range(len(PROVINCES)), PROV_W)[0]
    p, code, cities = PROVINCES[i]
    return p, code, rng.choice(cities)


def fen_text(f, style="2dp"):
    """Integer fen -> decimal text. style 'trim' drops zero decimals (legal: <= 2 decimals)."""
    sign = "-" if f < 0 else ""
    f = abs(f)
    s = "%s%d.%02d" % (sign, f // 100, f % 100)
    if style == "trim":
        s = s.rstrip("0").rstrip(".") if "." in s else s
    return s


def round_half_up(num, den):
    """round(num/den) half away from zero, integers only."""
    q, r = divmod(abs(num), den)
    if 2 * r >= den:
        q += 1
    return q if num >= 0 else -q


# ---- time ----
def day_epoch(d):
    """epoch of local (+08:00) midnight of case day d."""
    return CASE_START + d * 86400


def ymd(d):
    t = calendar.timegm((2019, 10, 1, 0, 0, 0)) + d * 86400
    y, m, dd = __import__("time").gmtime(t)[:3]
    return "%04d-%02d-%02d" % (y, m, dd)


_YMD = {}


def date_str(d):
    s = _YMD.get(d)
    if s is None:
        s = _YMD[d] = ymd(d)
    return s


def weekday(d):
    return (d + 1) % 7  # 2019-10-01 was a Tuesday; 0 = Monday


def _ny_offset(epoch):
    import time as _t
    y = _t.gmtime(epoch)[0]
    # second Sunday of March, 07:00 UTC; first Sunday of November, 06:00 UTC
    mar = calendar.timegm((y, 3, 1, 7, 0, 0))
    wd = _t.gmtime(mar)[6]
    start = mar + ((6 - wd) % 7 + 7) * 86400
    nov = calendar.timegm((y, 11, 1, 6, 0, 0))
    wd = _t.gmtime(nov)[6]
    end = nov + ((6 - wd) % 7) * 86400
    return -4 * 3600 if start <= epoch < end else -5 * 3600


def ts_text(epoch, style="local", frac=None):
    """style: local (naive +08:00 wall time), cst (+08:00), utc (Z), ny (America/New_York offset).
    frac: None, or (digits, value) e.g. (3, 123) -> .123"""
    import time as _t
    if style in ("local", "cst"):
        off = CST
    elif style == "utc":
        off = 0
    else:
        off = _ny_offset(epoch)
    g = _t.gmtime(epoch + off)
    s = "%04d-%02d-%02dT%02d:%02d:%02d" % g[:6]
    if frac is not None:
        s += ".%0*d" % frac
    if style == "cst":
        s += "+08:00"
    elif style == "utc":
        s += "Z"
    elif style == "ny":
        s += "-04:00" if off == -4 * 3600 else "-05:00"
    return s


def _months():
    import time as _t
    mo, starts, last = [], [], None
    base = calendar.timegm((2019, 10, 1, 0, 0, 0))
    for d in range(N_DAYS + 62):
        y, m = _t.gmtime(base + d * 86400)[:2]
        if (y, m) != last:
            starts.append(d)
            last = (y, m)
        mo.append(len(starts) - 1)
    return mo, starts


MONTH_OF_DAY, MONTH_START = _months()
