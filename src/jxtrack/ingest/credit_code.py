"""统一社会信用代码 (unified social credit code) check, GB 32100-2015.

18 characters from ``0-9`` and ``A-Z`` without I, O, S, V, Z.  The 18th is a check character:
with each of the first 17 characters' value c_i (its position in the alphabet below) and the
weights w_i = 3^(i-1) mod 31 (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28),
the check value is 31 − (Σ c_i·w_i mod 31), with 31 written as 0.  Pure; no I/O.
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}


def check_char(first17: str) -> str:
    """The check character for the first 17 characters (which must be in the alphabet)."""
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalise(code: str) -> str:
    """Upper case, without spaces (full-width characters become half-width)."""
    import unicodedata

    return "".join(unicodedata.normalize("NFKC", code).split()).upper()


def problem_with(code: str) -> str | None:
    """None when ``code`` is a valid 统一社会信用代码, else a Chinese reason (what is wrong)."""
    c = normalise(code)
    if len(c) != LENGTH:
        return f"应为18位，实为{len(c)}位"
    bad = sorted({ch for ch in c if ch not in _VALUE})
    if bad:
        return f"含不允许的字符 {'、'.join(bad)}（只能用数字和除 I、O、S、V、Z 以外的大写字母）"
    expected = check_char(c[:17])
    if c[17] != expected:
        return f"校验位不对：按前17位计算应为 {expected}，实为 {c[17]}（请核对是否抄错）"
    return None


def is_valid(code: str) -> bool:
    """True for a valid 统一社会信用代码 (GB 32100-2015)."""
    return problem_with(code) is None
