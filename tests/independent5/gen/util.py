"""Shared helpers: calendar, money text, ids, names, provinces, banks."""
import datetime

BASE = datetime.date(2020, 6, 1)          # a Monday; day index 0
NDAYS = 850                               # case runs to 2022-09-28
DAYS = [(BASE + datetime.timedelta(i)).isoformat() for i in range(NDAYS + 120)]
DAYC = [d.replace('-', '') for d in DAYS]
CASE_END = NDAYS * 86400


def weekday(day):
    return day % 7                        # 0 = Monday


def ts(sec, suffix=''):
    d, s = divmod(int(sec), 86400)
    return f"{DAYS[d]}T{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}{suffix}"


def ts_ms(ms, shift_h, suffix):
    """Broker time: ms since base in Shanghai time, rendered in another zone."""
    ms = ms + (shift_h - 8) * 3600000
    sec, r = divmod(ms, 1000)
    return ts(sec) + f".{r:03d}" + suffix


def money(fen):
    sign = '-' if fen < 0 else ''
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def month_of(day):
    d = BASE + datetime.timedelta(day)
    return d.year * 12 + d.month - 1


def month_start_day(m):
    y, mo = divmod(m, 12)
    return (datetime.date(y, mo + 1, 1) - BASE).days


# province name, short code used in ids, cities, NAT prefix
PROVINCES = [
    ('上海', 'SH', ['上海'], '117.135'), ('浙江', 'ZJ', ['杭州', '温州', '金华', '宁波'], '112.17'),
    ('江苏', 'JS', ['南京', '苏州', '无锡'], '114.222'), ('广东', 'GD', ['深圳', '广州', '东莞', '汕头'], '183.238'),
    ('福建', 'FJ', ['福州', '泉州', '厦门', '莆田'], '110.84'), ('湖南', 'HN', ['长沙', '株洲', '岳阳'], '175.9'),
    ('四川', 'SC', ['成都', '绵阳', '南充'], '171.212'), ('河南', 'HA', ['郑州', '洛阳', '周口'], '171.8'),
    ('山东', 'SD', ['济南', '青岛', '临沂'], '123.132'), ('湖北', 'HB', ['武汉', '宜昌'], '27.17'),
    ('安徽', 'AH', ['合肥', '阜阳', '六安'], '36.57'), ('江西', 'JX', ['南昌', '赣州', '上饶'], '182.98'),
    ('广西', 'GX', ['南宁', '桂林', '玉林'], '116.252'), ('辽宁', 'LN', ['沈阳', '大连'], '175.171'),
    ('重庆', 'CQ', ['重庆'], '222.178'), ('河北', 'HE', ['石家庄', '邯郸'], '106.117'),
    ('云南', 'YN', ['昆明', '曲靖'], '116.55'), ('陕西', 'SN', ['西安', '宝鸡'], '117.32'),
    ('海南', 'HI', ['海口', '三亚'], '124.225'), ('黑龙江', 'HL', ['哈尔滨', '大庆'], '1.58'),
]
PROV_NAMES = [p[0] for p in PROVINCES]
PROV = {p[0]: p for p in PROVINCES}
AREA = {p[0]: 110000 + 10000 * i for i, p in enumerate(PROVINCES)}

# bank key, name, BIN, card length, statements obtained by the police?
BANKS = [
    ('ICBC', '中国工商银行', '622202', 19, True), ('CCB', '中国建设银行', '621700', 19, True),
    ('ABC', '中国农业银行', '622848', 19, True), ('BOC', '中国银行', '621661', 19, True),
    ('PAB', '平安银行', '622298', 16, True), ('CMB', '招商银行', '621483', 16, False),
    ('PSBC', '中国邮政储蓄银行', '621799', 19, False), ('RCB', '农村商业银行', '623059', 19, False),
]
BANK = {b[0]: b for b in BANKS}

SURNAMES = list('王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤康易乔赖文包')
GIVEN = list('伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红飞鹏辉林斌波宇浩凯俊帆晨欣怡婷雪琳佳颖子轩梓涵一诺浩然宇航欣妍思远嘉豪俊杰文博天佑雨桐')


class Rng:
    """Thin wrapper: random.Random plus helpers; never iterates sets."""

    def __init__(self, r):
        self.r = r

    def name(self, surname=None):
        s = surname or self.r.choice(SURNAMES)
        n = 1 if self.r.random() < 0.35 else 2
        return s + ''.join(self.r.choice(GIVEN) for _ in range(n))

    def phone(self):
        return self.r.choice(['13', '15', '18', '17', '19']) + f"{self.r.randrange(10**9):09d}"

    def wchoice(self, items, weights):
        return self.r.choices(items, weights)[0]


class Ids:
    """Unique id factories with this world's habits."""

    def __init__(self, r):
        self.r = r
        self.used = set()
        self.n = {}

    def seq(self, key, start=1):
        v = self.n.get(key, start)
        self.n[key] = v + 1
        return v

    def uniq(self, make):
        while True:
            v = make()
            if v not in self.used:
                self.used.add(v)
                return v

    def person(self):
        # police-system style: 'ry' + 7 digits + check letter
        def mk():
            x = self.r.randrange(10**7)
            return f"ry{x:07d}{'abcdefghjkmnpqrstuvwxyz'[x % 23]}"
        return self.uniq(mk)

    def card(self, bank):
        _, _, bin_, ln, _ = BANK[bank]
        return self.uniq(lambda: bin_ + ''.join(str(self.r.randrange(10)) for _ in range(ln - len(bin_))))

    def corp(self, bank):
        return self.uniq(lambda: f"{bank[:2]}{self.r.randrange(10**12):012d}-{self.r.randrange(1000):03d}")

    def id_number(self, prov, birth_year):
        a = AREA[prov] + self.r.randrange(1, 99) * 100 + self.r.randrange(1, 30)
        core = f"{a}{birth_year}{self.r.randrange(1, 13):02d}{self.r.randrange(1, 29):02d}{self.r.randrange(1000):03d}"
        w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        c = '10X98765432'[sum(int(core[i]) * w[i] for i in range(17)) % 11]
        return core + c

    def ip(self, prefix):
        return self.uniq(lambda: f"{prefix}.{self.r.randrange(1, 255)}.{self.r.randrange(2, 254)}")

    def device(self, kind='phone'):
        if kind == 'pc':
            return self.uniq(lambda: 'PC-' + ''.join(self.r.choice('0123456789ABCDEF') for _ in range(8)))
        return self.uniq(lambda: '86' + ''.join(str(self.r.randrange(10)) for _ in range(13)))
