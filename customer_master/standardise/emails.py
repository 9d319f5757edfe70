"""Emails lower-cased and checked; free-mail domains flagged, because a shared
qq.com or gmail.com domain is no evidence that two companies are one.

`standardise_email(text)` is the rule for one e-mail; `standardise_emails(column)`
applies it once per distinct value."""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

from customer_master.standardise.values import map_distinct_fields

EMAIL_PATTERN = r"^[a-z0-9._%+\-']+@[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,}$"
FREE_MAIL_DOMAINS = frozenset({
    "qq.com", "foxmail.com", "163.com", "126.com", "yeah.net", "sina.com", "sina.cn", "sohu.com",
    "aliyun.com", "139.com", "189.cn", "gmail.com", "hotmail.com", "outlook.com", "live.com",
    "yahoo.com", "icloud.com", "me.com", "msn.com", "protonmail.com",
})
_EMAIL = re.compile(EMAIL_PATTERN)
_MAILTO = re.compile(r"^mailto:")


def standardise_email(text: str | None) -> tuple[str | None, str | None, bool]:
    """(email, domain, free_mail) of one cell: NFKC, trimmed, lower-case, without
    mailto:; email and domain None when missing or not an e-mail address."""
    if text is None:
        return None, None, False
    email = _MAILTO.sub("", unicodedata.normalize("NFKC", text if isinstance(text, str) else str(text))
                        .strip().lower())
    if not _EMAIL.match(email):
        return None, None, False
    domain = email.split("@")[-1]
    return email, domain, domain in FREE_MAIL_DOMAINS


def standardise_emails(values: pd.Series) -> pd.DataFrame:
    """Columns email (lower-case, None when invalid), domain, free_mail, valid
    (an address, or no value at all)."""
    out = map_distinct_fields(values, standardise_email, ["email", "domain", "free_mail"])
    out["free_mail"] = out["free_mail"].astype(bool)
    out["valid"] = out["email"].notna().to_numpy() | values.isna().to_numpy()
    return out
