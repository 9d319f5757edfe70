"""Emails lower-cased and checked; free-mail domains flagged, because a shared
qq.com or gmail.com domain is no evidence that two companies are one."""

from __future__ import annotations

import pandas as pd

from customer_master.standardise.values import on_distinct

EMAIL_PATTERN = r"^[a-z0-9._%+\-']+@[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,}$"
FREE_MAIL_DOMAINS = frozenset({
    "qq.com", "foxmail.com", "163.com", "126.com", "yeah.net", "sina.com", "sina.cn", "sohu.com",
    "aliyun.com", "139.com", "189.cn", "gmail.com", "hotmail.com", "outlook.com", "live.com",
    "yahoo.com", "icloud.com", "me.com", "msn.com", "protonmail.com",
})


def standardise_emails(values: pd.Series) -> pd.DataFrame:
    """Columns email (lower-case, None when invalid), domain, free_mail, valid."""
    return on_distinct(values, _standardise_emails)


def _standardise_emails(values: pd.Series) -> pd.DataFrame:
    s = values.astype("string").str.normalize("NFKC").str.strip().str.lower().str.replace(r"^mailto:", "", regex=True)
    valid = s.str.match(EMAIL_PATTERN).fillna(False).astype(bool)
    domain = s.str.split("@").str[-1].where(valid)
    return pd.DataFrame({
        "email": s.where(valid).astype(object).where(valid, None),
        "domain": domain.astype(object).where(valid, None),
        "free_mail": domain.isin(FREE_MAIL_DOMAINS).fillna(False).astype(bool),
        "valid": valid | s.isna(),
    }, index=values.index)
