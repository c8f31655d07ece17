"""Unit words that tell what a number measures: money, distance, or something counted (normalised text)."""

from __future__ import annotations

import re

# ¥ also covers the full-width ￥ (NFKC).
CURRENCY_PREFIX = r"(?:¥|rmb|cny|人民币)"
CURRENCY_SUFFIX = r"(?:块钱|元钱|元|块|圆|yuan|rmb|cny|kuai|bucks)(?![a-z])"
KILOMETRES = r"(?:公里|千米|km|kms|kilomet(?:er|re)s?)(?![a-z])"
MILES = r"(?:英里|miles?|mi)(?![a-z])"

# After a number: a time, count, rank, share or model year, so neither money nor distance.
COUNTED = re.compile(
    r"\s*(?:款|年|月|号|日|点|时|小时|分|秒|天|周|星期|礼拜|个|次|遍|趟|岁|辆|台|件|人|位|家|楼|层|倍|折|成|度|升|几|%"
    r"|(?:days?|weeks?|months?|years?|yrs?|hours?|hrs?|minutes?|mins?|seconds?|secs?|times?|pm|am|o'clock"
    r"|percent|parts?|people|persons?|cars?|st|nd|rd|th|x)(?![a-z]))"
)
DISTANCE = re.compile(rf"\s*(?:{KILOMETRES}|{MILES})")
CURRENCY_AFTER = re.compile(rf"\s*{CURRENCY_SUFFIX}")
