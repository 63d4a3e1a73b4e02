"""A case file's bytes to text: the encoding pinned in case.yaml, else UTF-8 or GB18030 detected
strictly, and a decode that merely succeeds but reads as nonsense is a problem, not a guess.

Detection, in order: a byte-order mark (UTF-8, UTF-16); NUL bytes (UTF-16 without a mark is
recognised and must be pinned; other NUL bytes mean the file is not text we can read);
UTF-8; GB18030 (a superset of GBK and GB2312). Two decodes are refused as implausible:

* UTF-8 text with no CJK at all whose non-ASCII characters come in runs (``³ƽ``) while the
  same bytes read as GB18030 give common Chinese (``鲁平``): GBK that happens to be valid UTF-8;
* GB18030 text where half the bytes >= 0x80 stand alone between ASCII bytes: accented letters
  of Latin-1 or Windows-1252 (``Müller``), where GBK's Chinese comes in runs of such bytes;
  or where a third of the non-ASCII characters are rare or private-use (outside GB2312): Big5
  or Shift-JIS read as GBK.

Either is reported at its first suspicious cell with the hint to pin the encoding
(``encodings: {persons.csv: gbk}`` in case.yaml); a pinned encoding is used as given.

>>> problems = []
>>> decode_file("客户编号".encode("gbk"), "clients.csv", None, problems)
('客户编号', 'gb18030')
>>> decode_file("鲁平".encode("gbk"), "persons.csv", None, problems)
>>> print(problems[0])
persons.csv:1:1: implausible as UTF-8: reads as ³ƽ, but as GBK 鲁平; pin the file's encoding in case.yaml, e.g. encodings: {persons.csv: gbk}
"""

from __future__ import annotations

import codecs
import mmap
import re
from collections import Counter

import numpy as np
import pyarrow as pa

from .problems import Problem, position_in_text

UTF8_BOM = codecs.BOM_UTF8
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# Chinese text's own blocks: CJK radicals .. unified ideographs, compatibility ideographs,
# full-width forms. Genuine UTF-8 from a Chinese system has some of these.
CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")
NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
# The first bytes of CJK's characters in UTF-8 (in valid UTF-8 these bytes start a character).
CJK_UTF8 = re.compile(rb"\xe2[\xba-\xbf]|[\xe3-\xe9]|\xef[\xa4-\xab\xbc-\xbe]|\xef\xbf[\x80-\xaf]")
UTF16_SAMPLE = 4096
LONE_SHARE = 1 / 2
COMMON_SHARE = 0.9  # GBK read as UTF-8 is implausible when the GBK reading is this common Chinese
# A few rare characters are real names (喆, 堃); a third of them, and at least this many, are not.
RARE_SHARE, RARE_AT_LEAST = 1 / 3, 4


def decode_file(data: bytes, file: str, pinned: str | None, problems: list[Problem]) -> tuple[str, str] | None:
    """``(text, encoding)`` of a file's bytes, or None with a problem added."""
    if pinned is not None:
        return _decode_pinned(data, file, pinned, problems)
    if data.startswith(UTF8_BOM):
        return _decode_strictly(data[len(UTF8_BOM):], file, "utf-8-sig", problems)
    if data.startswith(UTF16_BOMS):
        return _decode_strictly(data, file, "utf-16", problems)
    nul = data.find(b"\x00")
    if nul >= 0:
        problems.append(Problem(file, *_byte_position(data, nul, "utf-8"), _nul_message(data, file)))
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as utf8_error:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as gb_error:
            # The decode that got further is the file's likely encoding: its error is the place.
            error, encoding = max((utf8_error, "utf-8"), (gb_error, "gb18030"), key=lambda pair: pair[0].start)
            problems.append(Problem(file, *_byte_position(data, error.start, encoding),
                                    f"not valid UTF-8 or GB18030 text (a damaged byte, or another encoding: "
                                    f"{_pin_hint(file, 'big5')})"))
            return None
        return _plausible_gb18030(text, data, file, problems)
    return _plausible_utf8(text, data, file, problems)


def plain_utf8(data: bytes | mmap.mmap) -> bool:
    """Whether :func:`decode_file` would read the bytes as UTF-8 without a problem, told without
    decoding them: no byte-order mark, no NUL, valid UTF-8 (Arrow's check), and ASCII or with
    some CJK (the plausibility rule). A large file then needs no Python string of its text.

    >>> plain_utf8("客户编号".encode()), plain_utf8(b"id\\n1\\n"), plain_utf8("鲁平".encode("gbk"))
    (True, True, False)
    """
    if not len(data) or data[:3] == UTF8_BOM or data[:2] in UTF16_BOMS or data.find(b"\x00") >= 0:
        return False
    if np.frombuffer(data, dtype=np.uint8).max() < 0x80:
        return True  # ASCII
    try:
        pa.Array.from_buffers(pa.large_string(), 1, [None, pa.py_buffer(np.array([0, len(data)], dtype=np.int64)),
                                                     pa.py_buffer(data)]).validate(full=True)
    except pa.ArrowInvalid:
        return False
    return CJK_UTF8.search(data) is not None


def _decode_pinned(data: bytes, file: str, pinned: str, problems: list[Problem]) -> tuple[str, str] | None:
    decoded = _decode_strictly(data, file, pinned, problems, pinned=True)
    if decoded is None:
        return None
    text, encoding = decoded
    if "\x00" in text:
        problems.append(Problem(file, *position_in_text(text, text.index("\x00")),
                                f"NUL character read with the pinned encoding {pinned}: is it the file's encoding?"))
        return None
    # A byte-order mark is not part of the header, whichever Unicode encoding was pinned.
    return text.removeprefix("\ufeff"), encoding


def _decode_strictly(data: bytes, file: str, encoding: str, problems: list[Problem], *,
                     pinned: bool = False) -> tuple[str, str] | None:
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError as error:
        why = "the encoding pinned in case.yaml" if pinned else "its byte-order mark says so"
        problems.append(Problem(file, *_byte_position(data, error.start, encoding),
                                f"not valid {encoding} text ({why}): {error.reason}"))
        return None


def _nul_message(data: bytes, file: str) -> str:
    """UTF-16 puts a NUL beside every ASCII character, all on the same side."""
    sample = data[:UTF16_SAMPLE]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if max(even, odd) >= len(sample) // 4 and min(even, odd) * 10 <= max(even, odd):
        guess = "utf-16-le" if odd > even else "utf-16-be"
        return (f"looks like UTF-16 without a byte-order mark (NUL bytes between the characters); "
                f"pin it in case.yaml: encodings: {{{file}: {guess}}}")
    return f"NUL byte: not UTF-8 or GB18030 text (a binary file, or another encoding: {_pin_hint(file)})"


def _plausible_utf8(text: str, data: bytes, file: str, problems: list[Problem]) -> tuple[str, str] | None:
    if text.isascii() or CJK.search(text):
        return text, "utf-8"
    runs = [m for m in NON_ASCII_RUN.finditer(text) if len(m.group()) > 1]
    if not runs:  # single accented letters in Latin words: José, Müller
        return text, "utf-8"
    try:
        as_gb = data.decode("gb18030")
    except UnicodeDecodeError:
        return text, "utf-8"
    counts = Counter("".join(NON_ASCII_RUN.findall(as_gb)))
    if sum(n for c, n in counts.items() if _is_common_chinese(c)) < COMMON_SHARE * sum(counts.values()):
        return text, "utf-8"
    first = runs[0]
    # The run's own bytes: in GBK that is valid UTF-8 every byte pair lies inside such a run.
    start = len(text[:first.start()].encode("utf-8"))
    as_chinese = data[start:start + len(first.group().encode("utf-8"))].decode("gb18030", errors="replace")
    problems.append(Problem(file, *position_in_text(text, first.start()),
                            f"implausible as UTF-8: reads as {first.group()}, but as GBK {as_chinese}; "
                            f"{_pin_hint(file)}"))
    return None


def _plausible_gb18030(text: str, data: bytes, file: str, problems: list[Problem]) -> tuple[str, str] | None:
    # Every Chinese character in GBK is two bytes, at least the first one high (>= 0x80), and
    # Chinese comes in words, so high bytes come in runs; single-byte encodings (Latin-1,
    # Windows-1252) put a lone high byte for an accented letter between ASCII letters (Müller).
    high = np.frombuffer(data, dtype=np.uint8) >= 0x80
    neighbour = np.zeros_like(high)
    neighbour[1:] |= high[:-1]
    neighbour[:-1] |= high[1:]
    lone = high & ~neighbour
    if lone.sum() >= LONE_SHARE * high.sum():
        offset = int(np.flatnonzero(lone)[0])
        sample = data[offset:offset + 2].decode("gb18030", errors="replace")
        problems.append(Problem(file, *_byte_position(data, offset, "gb18030"),
                                f"implausible as GB18030 (GBK): {sample!r} and the like stand alone between "
                                f"ASCII letters, as accented letters of Latin-1 or Windows-1252 read as GBK do; "
                                f"{_pin_hint(file, 'cp1252')}"))
        return None
    # Other double-byte encodings (Big5, Shift-JIS) read as GBK give mostly rare characters.
    counts = Counter("".join(NON_ASCII_RUN.findall(text)))
    rare = {c for c in counts if not _is_common_chinese(c)}
    rare_count = sum(counts[c] for c in rare)
    if rare_count < RARE_AT_LEAST or rare_count < RARE_SHARE * sum(counts.values()):
        return text, "gb18030"
    offset = min(text.index(c) for c in rare)
    problems.append(Problem(file, *position_in_text(text, offset),
                            f"implausible as GB18030 (GBK): {rare_count} of its {sum(counts.values())} non-ASCII "
                            f"characters are rare or private-use ({text[offset:offset + 8]!r} …), as another "
                            f"encoding read as GBK gives; {_pin_hint(file, 'big5')} (gbk if this text is right)"))
    return None


def _is_common_chinese(character: str) -> bool:
    try:
        character.encode("gb2312")  # the 6,763 common hanzi and Chinese punctuation
    except UnicodeEncodeError:
        return False
    return True


def _pin_hint(file: str, example: str = "gbk") -> str:
    return f"pin the file's encoding in case.yaml, e.g. encodings: {{{file}: {example}}}"


def _byte_position(data: bytes, offset: int, encoding: str) -> tuple[int, int]:
    """Line and cell of the byte at ``offset``, counted in the text decoded up to it."""
    before = data[:offset].decode(encoding, errors="replace")
    return position_in_text(before, len(before))
