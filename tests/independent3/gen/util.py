"""Shared helpers: random draws, ids, names, time and money formatting."""
import datetime as dt
import random

BASE = dt.datetime(2019, 1, 1)
START_DAY = 120            # 2019-05-01: first licence can be sold after this
END_DAY = 1276             # 2022-06-30: the case's cut-off (Cloud Action)

PROVINCES = [  # name, 2-digit code, weight of gangs, weight of people
    ("上海", "31", 3, 3), ("浙江", "33", 4, 6), ("江苏", "32", 2, 6), ("广东", "44", 4, 9),
    ("福建", "35", 3, 4), ("山东", "37", 1, 7), ("河南", "41", 1, 7), ("湖北", "42", 1, 4),
    ("湖南", "43", 1, 4), ("四川", "51", 2, 6), ("辽宁", "21", 1, 3), ("河北", "13", 0, 5),
    ("安徽", "34", 1, 4), ("江西", "36", 1, 3), ("广西", "45", 0, 3), ("重庆", "50", 1, 2),
    ("陕西", "61", 0, 3), ("黑龙江", "23", 0, 2), ("云南", "53", 0, 2), ("海南", "46", 1, 1),
    ("北京", "11", 1, 2), ("天津", "12", 0, 1), ("吉林", "22", 0, 1), ("贵州", "52", 0, 2),
]
CITY = {"上海": "上海", "浙江": "温州", "江苏": "苏州", "广东": "深圳", "福建": "厦门", "山东": "济南",
        "河南": "郑州", "湖北": "武汉", "湖南": "长沙", "四川": "成都", "辽宁": "大连", "河北": "石家庄",
        "安徽": "合肥", "江西": "南昌", "广西": "南宁", "重庆": "重庆", "陕西": "西安", "黑龙江": "哈尔滨",
        "云南": "昆明", "海南": "海口", "北京": "北京", "天津": "天津", "吉林": "长春", "贵州": "贵阳"}
PCODE = {p[0]: p[1] for p in PROVINCES}

# Deliberately top-heavy: many unrelated people share 张伟, 王芳, 李娜 ...
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
SUR_W = [10, 9.5, 9, 7, 6, 4, 3, 3, 3, 3] + [1.5] * (len(SURNAMES) - 10)
COMMON_GIVEN = ["伟", "芳", "娜", "敏", "静", "秀英", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
                "明", "超", "秀兰", "霞", "平", "刚", "桂英", "建华", "建国", "晓东", "海燕", "志强"]
GIVEN_CH = "子文浩宇轩欣怡梓涵佳琪雨泽俊杰思远晨曦婉婷嘉懿博涛佩瑶瑾瑜睿哲锦程若汐沐阳乐天一鸣昊然"


class R:
    """A seeded random source; every draw in the generator goes through one of these."""

    def __init__(self, seed):
        self.r = random.Random(seed)

    def __getattr__(self, name):
        return getattr(self.r, name)

    def pick(self, seq, weights=None):
        if weights is None:
            return seq[self.r.randrange(len(seq))]
        return self.r.choices(seq, weights=weights, k=1)[0]

    def chance(self, p):
        return self.r.random() < p

    def logn(self, mu, sigma, lo=None, hi=None):
        v = self.r.lognormvariate(mu, sigma)
        if lo is not None:
            v = max(lo, v)
        if hi is not None:
            v = min(hi, v)
        return v

    def name(self):
        s = self.pick(SURNAMES, SUR_W)
        if self.chance(0.55):
            return s + self.pick(COMMON_GIVEN)
        n = 1 if self.chance(0.4) else 2
        return s + "".join(self.pick(GIVEN_CH) for _ in range(n))

    def province(self, gang=False):
        idx = 2 if gang else 3
        return self.pick([p[0] for p in PROVINCES], [max(p[idx], 0.01 if gang else 0) for p in PROVINCES])


def _id_check(d17):
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    s = sum(int(c) * x for c, x in zip(d17, w))
    return "10X98765432"[s % 11]


class Ids:
    """Unique id factories; the styles are this world's own (see NOTES.md)."""

    def __init__(self, r):
        self.r = r
        self.used = set()
        self.seq = {}

    def _uniq(self, make):
        while True:
            v = make()
            if v not in self.used:
                self.used.add(v)
                return v

    def next(self, key):
        self.seq[key] = self.seq.get(key, 0) + 1
        return self.seq[key]

    def person(self, province, birth_year=None):
        """A resident id number (18 chars, valid check digit) used as the person_id."""
        r = self.r

        def make():
            y = birth_year or r.randint(1958, 2000)
            d17 = "%s%02d%02d%04d%02d%02d%03d" % (PCODE[province], r.randint(1, 9), r.randint(1, 30), y,
                                                  r.randint(1, 12), r.randint(1, 28), r.randint(1, 999))
            return d17 + _id_check(d17)
        return self._uniq(make)

    def company(self, province):
        r = self.r
        return self._uniq(lambda: "91%s%02d00MA%s" % (PCODE[province], r.randint(1, 9), "".join(
            r.pick("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))))

    def phone(self):
        r = self.r
        return self._uniq(lambda: r.pick(["138", "139", "135", "186", "187", "158", "159", "177", "199", "150"])
                          + "%08d" % r.randint(0, 99999999))

    def card(self, bin_):
        """Bank card number with a valid Luhn digit."""
        r = self.r

        def make():
            body = bin_ + "".join(str(r.randint(0, 9)) for _ in range(18 - len(bin_)))
            tot = 0
            for i, c in enumerate(reversed(body)):
                d = int(c)
                if i % 2 == 0:
                    d *= 2
                    d -= 9 if d > 9 else 0
                tot += d
            return body + str((10 - tot % 10) % 10)
        return self._uniq(make)

    def hexkey(self, groups=4):
        r = self.r
        return self._uniq(lambda: "-".join("%04X" % r.randint(0, 0xFFFF) for _ in range(groups)))

    def seqid(self, key, fmt):
        return fmt % self.next(key)


def mask_id(pid, r):
    if len(pid) != 18 or pid.startswith("91"):
        return pid
    x = r.random()
    if x < 0.45:
        return pid[:6] + "********" + pid[14:]
    if x < 0.9:
        return pid
    return ""


def fen(v):
    """Integer fen to yuan text."""
    s = "-" if v < 0 else ""
    v = abs(int(v))
    return "%s%d.%02d" % (s, v // 100, v % 100)


def ts(sec, style="T", ms=None):
    """Seconds since BASE (local Shanghai time) to text in a source's style."""
    t = BASE + dt.timedelta(seconds=int(sec))
    if style == "utc":
        t = t - dt.timedelta(hours=8)
        s = t.strftime("%Y-%m-%dT%H:%M:%S")
        return s + (".%03d" % ms if ms is not None else "") + "+00:00"
    s = t.strftime("%Y-%m-%dT%H:%M:%S") + (".%03d" % ms if ms is not None else "")
    return s + "+08:00" if style == "off" else s


def day(d):
    return (BASE + dt.timedelta(days=int(d))).strftime("%Y-%m-%d")


def weekday(d):
    return (BASE + dt.timedelta(days=int(d))).weekday()
