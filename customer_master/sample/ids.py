"""Identifier generators with correct check characters.

The pipeline validates these checksums, so the sample must produce valid ones
(and only deliberately corrupt a few, see variants.py).
"""
from __future__ import annotations

import datetime as dt
import random

from .vocab import MOBILE_PREFIXES

# GB 32100-2015 unified social credit code (统一社会信用代码)
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# GB 11714 organisation code, embedded as characters 9-17 of the USCC
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

# GB 11643 / ISO 7064 MOD 11-2 resident ID number (居民身份证号码)
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_CHARSET.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS))
    check = 31 - total % 31
    return USCC_CHARSET[0 if check == 31 else check]


def is_valid_uscc(code: str) -> bool:
    code = code.strip().upper()
    if len(code) != 18 or any(ch not in USCC_CHARSET for ch in code):
        return False
    return uscc_check_char(code[:17]) == code[17]


def _org_check_char(body8: str) -> str:
    # Letters count as A=10 ... Z=35 in GB 11714.
    total = sum(int(ch, 36) * w for ch, w in zip(body8, ORG_WEIGHTS))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def make_uscc(rng: random.Random, admin_code: str) -> str:
    """9 (registered by market regulator) + 1 (enterprise) + admin code + org code + check."""
    if rng.random() < 0.6:
        # Newer registrations carry an org code beginning with MA.
        letters = "0123456789ABCDEFGHJKLMNPQRTUWY"
        body = "MA" + "".join(rng.choice(letters) for _ in range(6))
    else:
        body = "".join(rng.choice("0123456789") for _ in range(8))
    org = body + _org_check_char(body)
    first17 = "91" + admin_code + org
    return first17 + uscc_check_char(first17)


def id_check_char(first17: str) -> str:
    total = sum(int(ch) * w for ch, w in zip(first17, ID_WEIGHTS))
    return ID_CHECK[total % 11]


def is_valid_id_number(code: str) -> bool:
    code = code.strip().upper()
    if len(code) != 18 or not code[:17].isdigit():
        return False
    return id_check_char(code[:17]) == code[17]


def make_id_number(rng: random.Random, region: str, birth: dt.date, gender: str) -> str:
    # The 17th digit (last of the 3-digit sequence) is odd for men, even for women.
    last = rng.choice("13579") if gender == "M" else rng.choice("02468")
    first17 = f"{region}{birth:%Y%m%d}{rng.randrange(0, 100):02d}{last}"
    return first17 + id_check_char(first17)


def make_mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(0, 10**8):08d}"


def make_local_number(rng: random.Random, length: int) -> str:
    # Local landline numbers never start with 0, 1 or 9; 800... is a service range.
    while True:
        number = str(rng.randint(2, 8)) + "".join(rng.choice("0123456789") for _ in range(length - 1))
        if not number.startswith("800"):
            return number
