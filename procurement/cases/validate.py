"""The one validation layer.

Every input path (flags, prompts, editor, CSV, XLSX, JSON, OCDS) hands a mapping of
vocabulary keys to raw values (strings from a terminal or a spreadsheet, or typed values
from JSON) to :func:`validate`. It returns clean Python values or raises one
:class:`ValidationError` listing every problem, each naming its field.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Collection, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from procurement.cases.cities import city_code
from procurement.cases.fields import FIELD_BY_NAME, FIELDS, PPP_FIELDS, Field
from procurement.core import clock
from procurement.core import codelists as cl
from procurement.core import cpv as cpv_vocabulary
from procurement.core.errors import FieldError, ValidationError

MAX_TEXT = 500
MAX_LONGTEXT = 20_000
MAX_MONEY = Decimal("1e15")
MAX_LIST = 100
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
KPI_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
URL = re.compile(r"^https?://[^\s]+$", re.IGNORECASE)

MONEY_FIELDS = tuple(f.name for f in FIELDS if f.kind == "money")
FIRST_DATE = dt.date(1990, 1, 1)
PAST_DATES = ("tender_published", "awarded_on", "completed_on")  # events: not after today
LEGACY_CHECK_KEYS = (
    "currency",
    *MONEY_FIELDS,
    "awarded_on",
    "tender_published",
    "contract_start",
    "completed_on",
)
PLANNED_YEARS_AHEAD = 50  # planned dates (contract start and end): at most this far ahead

# C0 and C1 control characters (and DEL), and the bidirectional overrides and isolates that
# make text display in another order than it is stored ("Trojan Source").
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
CONTROL_MULTILINE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
TRUE_WORDS = {"yes", "y", "true", "1", "x", "ja", "kyllä", "tak", "да"}
FALSE_WORDS = {"no", "n", "false", "0", "nein", "nej", "ei", "nie", "нет"}


class Invalid(ValueError):
    """A single value is wrong; the message says what is expected."""


def is_blank(value: Any) -> bool:
    """No value: None, or text of spaces only (a cell, a flag or a key left empty)."""
    if value.__class__ is str:  # the usual case, tested first
        return not value or value.isspace()
    return value is None or (isinstance(value, str) and not value.strip())  # a str subclass


def is_empty(value: Any) -> bool:
    """:func:`is_blank`, or an empty list or mapping."""
    return is_blank(value) or (isinstance(value, list | dict) and not value)


CONTROL_NAMES = {
    "\x00": "null",
    "\t": "tab",
    "\n": "line feed",
    "\r": "carriage return",
    "\x1b": "escape",
    "\x7f": "delete",
}
MULTILINE_FIELDS = ", ".join(f.name for f in FIELDS if f.kind == "longtext")


def refused_character(char: str, position: int) -> str:
    """Why a text is refused, naming the character as U+XXXX: 'contains U+001B (escape), ...'."""
    import unicodedata

    name = CONTROL_NAMES.get(char) or unicodedata.name(char, "").lower() or "control character"
    if char in "\t\n\r":
        why = f"allowed only in multi-line fields ({MULTILINE_FIELDS})"
    elif char >= "\u202a":
        why = "a bidirectional text control that makes text show in another order"
    else:
        why = "a terminal control character"
    return f"contains U+{ord(char):04X} ({name}), {why}, at position {position}; remove it"


def parse_text(value: Any, limit: int = MAX_TEXT, *, multiline: bool = False) -> str:
    """Text without control characters; ``multiline`` text may hold line breaks and tabs.

    Spaces, line breaks and tabs around the text are removed; control characters (C0, C1)
    and bidirectional overrides and isolates anywhere are refused.
    """
    if value.__class__ is str:  # the usual case: no type checks, no copy
        text = value
    elif not isinstance(value, str | int | float | Decimal) or isinstance(value, bool):
        raise Invalid("expected text")
    else:
        text = str(value)
    if not text.isprintable():  # printable text (the usual case) holds no control character
        text = text.replace("\r\n", "\n").strip(" \t\n\r\x0b\x0c")
        if multiline:
            text = text.replace("\r", "\n")
        found = (CONTROL_MULTILINE if multiline else CONTROL).search(text)
        if found:
            raise Invalid(refused_character(found.group(), found.start() + 1))
    text = text.strip()
    if len(text) > limit:
        raise Invalid(f"is {len(text)} characters long; at most {limit} are allowed")
    return text


def shown(text: str) -> str:
    """``text`` safe to print on a terminal: control characters as \\x1b, \\u202e."""
    return CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


_TODAY: dict[int, dt.date] = {}  # minute since the epoch -> the local date then


def today() -> dt.date:
    """Today on the officer's machine (from :func:`procurement.core.clock.now`)."""
    moment = clock.now()
    minute = int(moment.timestamp()) // 60
    day = _TODAY.get(minute)
    if day is None:  # converting to local time is slow: once a minute
        _TODAY.clear()
        day = _TODAY[minute] = moment.astimezone().date()
    return day


@functools.lru_cache(maxsize=4)
def latest_planned(now: dt.date) -> dt.date:
    """The latest planned date accepted on day ``now``: :data:`PLANNED_YEARS_AHEAD` ahead."""
    try:
        return now.replace(year=now.year + PLANNED_YEARS_AHEAD)
    except ValueError:  # 29 February
        return now.replace(year=now.year + PLANNED_YEARS_AHEAD, day=28)


def parse_case_date(value: Any, *, past: bool = False, now: dt.date | None = None) -> dt.date:
    """A date of a case: from 1990 on; an event (``past``) not after today (``now``), a
    planned date at most :data:`PLANNED_YEARS_AHEAD` years ahead."""
    day = parse_date(value)
    if day < FIRST_DATE:
        raise Invalid(f"{day} is before {FIRST_DATE}; the registry records cases from 1990 on")
    now = now or today()
    if past and day > now:
        raise Invalid(f"{day} is in the future (today is {now})")
    if day > (limit := latest_planned(now)):
        raise Invalid(
            f"{day} is more than {PLANNED_YEARS_AHEAD} years ahead (latest {limit}); check the year"
        )
    return day


def parse_date(value: Any) -> dt.date:
    if value.__class__ is str and len(value) == 10 and value[4] == "-":
        try:
            return dt.date.fromisoformat(value)  # YYYY-MM-DD, the usual case
        except ValueError:
            pass  # reported below
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text[:10] if len(text) > 10 and "T" in text else text)
    except ValueError:
        raise Invalid(
            f"'{shown(text)}' is not a date; write it as YYYY-MM-DD, e.g. 2025-03-31"
        ) from None


# Characters that group thousands and never mark decimals: spaces (also no-break, narrow
# no-break, thin and figure spaces), apostrophes (Swiss style) and underscores.
GROUPING = " \u00a0\u202f\u2009\u2007'\u2019_"
NUMBER_CHARS = re.compile(f"[0-9.,{GROUPING}]+")
# Digits with a decimal point followed by anything but three digits (the usual case).
PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.(?:[0-9]{1,2}|[0-9]{4,}))?")
SCIENTIFIC = re.compile(r"[0-9]+(\.[0-9]+)?[eE][+-]?[0-9]+")
HOW_TO_WRITE = "a dot before decimals, no thousands separator"


def _grouped(runs: list[str]) -> bool:
    """Digit runs split by a thousands separator: 1-3 digits, then groups of exactly three."""
    return 1 <= len(runs[0]) <= 3 and all(len(r) == 3 for r in runs[1:])


def read_number_text(text: str, *, dot_is_decimal: bool = False) -> Decimal:
    """A number written the way people write amounts, read without guessing.

    Accepted: ``1250000.50``, ``1 250 000,50`` (any kind of space), ``1.250.000,50``,
    ``1,250,000.50``, ``1'250'000.50``, ``1.25E+06``. The last of ``.`` and ``,`` marks the
    decimals when both appear, and the other must group digits by threes. A single ``.`` or
    ``,`` followed by exactly three digits (``1,250``) could be either, and is refused, unless
    ``dot_is_decimal`` (the registry's own form, used for KPI values) and it is a dot.
    """
    original = text.strip()
    if PLAIN_NUMBER.fullmatch(original):
        return Decimal(original)
    sign, body = "", original
    if body[:1] in ("-", "+", "\u2212"):
        sign, body = ("-" if body[0] != "+" else ""), body[1:].lstrip()
    if SCIENTIFIC.fullmatch(body):
        return Decimal(sign + body)
    if not body or not NUMBER_CHARS.fullmatch(body) or not any(c.isdigit() for c in body):
        raise Invalid(f"'{shown(original)}' is not a number")
    runs = re.split(r"[^0-9]", body)
    separators = re.findall(r"[^0-9]", body)
    if "" in runs[1:-1] or (runs[-1] == "" and separators):
        raise Invalid(f"'{original}' is not a number: separators must stand between digits")
    marks = [i for i, c in enumerate(separators) if c in ".,"]
    decimal_at: int | None = None  # index in ``separators`` of the decimal mark
    if marks:
        last = separators[marks[-1]]
        kinds = {separators[i] for i in marks}
        if len(kinds) == 2:  # both: the last one marks the decimals
            decimal_at = marks[-1]
        elif len(marks) == 1:
            before, after = "".join(runs[: marks[0] + 1]), runs[marks[0] + 1]
            group_ok = len(separators) == 1 and 1 <= len(before) <= 3 and before[0] != "0"
            if len(after) != 3 or not group_ok or (dot_is_decimal and last == "."):
                decimal_at = marks[0]  # 1, 2 or 4+ decimals, or it cannot group thousands
            else:
                grouped = Decimal(sign + before + after)
                dotted = Decimal(f"{sign}{before}.{after}").normalize()
                raise Invalid(
                    f"'{original}' is ambiguous: {grouped} or {dotted:f}? "
                    f"write {grouped} or {dotted:f} ({HOW_TO_WRITE})"
                )
    if decimal_at is not None and decimal_at != len(separators) - 1:
        raise Invalid(
            f"'{original}' is not a number: the decimal mark '{separators[decimal_at]}' must "
            f"be the last separator; write it as 1250000.50 ({HOW_TO_WRITE})"
        )
    groups = separators[:decimal_at] if decimal_at is not None else separators
    if groups:
        kinds = {"space" if c in GROUPING[:5] else c for c in groups}
        whole = runs[: len(groups) + 1]
        if len(kinds) > 1 or not _grouped(whole):
            raise Invalid(
                f"'{original}' is not a number: thousands separators must group the digits "
                "by threes, with the same separator throughout; write it as 1250000.50 "
                f"({HOW_TO_WRITE})"
            )
    if decimal_at is None:
        return Decimal(sign + "".join(runs))
    return Decimal(f"{sign}{''.join(runs[: decimal_at + 1]) or '0'}.{runs[-1]}")


def parse_decimal(value: Any, *, dot_is_decimal: bool = False) -> Decimal:
    if isinstance(value, bool):
        raise Invalid("expected a number")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    else:
        try:
            number = read_number_text(str(value), dot_is_decimal=dot_is_decimal)
        except InvalidOperation:
            raise Invalid(f"'{shown(str(value))}' is not a number") from None
    if not number.is_finite():
        raise Invalid(f"'{shown(str(value))}' is not a finite number")
    return number


CENT = Decimal("0.01")


def parse_money(value: Any) -> Decimal:
    # a Decimal within bounds (as JSON and OCDS give amounts) needs no other check
    if value.__class__ is Decimal and value.is_finite() and 0 <= value < MAX_MONEY:
        return value.quantize(CENT)
    number = parse_decimal(value)
    if number < 0:
        raise Invalid(f"{number} is negative; amounts must be 0 or more")
    if number >= MAX_MONEY:
        raise Invalid(f"{number} is implausibly large (limit {MAX_MONEY:,.0f})")
    return number.quantize(CENT)


# An int smaller than this in size is taken as it is; a larger one is read as a Decimal and
# refused as out of range (parse_integer never makes a huge int from a number).
EXACT_INTEGER = 10**16


def parse_integer(value: Any, low: int = 0, high: int = 1_000_000) -> int:
    if value.__class__ is int and -EXACT_INTEGER < value < EXACT_INTEGER:
        result: int = value  # a JSON number (a bool is not of class int), the usual case
    elif isinstance(value, bool):
        raise Invalid("expected a whole number")
    elif value.__class__ is str and value.isascii() and value.isdigit():
        result = int(value)  # plain digits
    else:
        number = parse_decimal(value)
        if number.is_finite() and number.adjusted() > 15:  # 1e999999: no million-digit int
            raise Invalid(f"{value} is out of range; expected {low} to {high}")
        if number != number.to_integral_value():
            raise Invalid(f"'{value}' is not a whole number")
        result = int(number)
    if not low <= result <= high:
        raise Invalid(f"{result} is out of range; expected {low} to {high}")
    return result


def parse_percent(value: Any, low: int = 0) -> Decimal:
    text = str(value).strip().rstrip("%") if isinstance(value, str) else value
    number = parse_decimal(text)
    if not Decimal(low) <= number <= 100:
        raise Invalid(f"{number} is out of range; expected a percentage from {low} to 100")
    return number.quantize(Decimal("0.01"))


def parse_boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise Invalid(f"'{value}' is not yes or no")


def parse_code(value: Any, codelist: type[cl.Codelist]) -> str:
    if not isinstance(value, str):
        raise Invalid(f"expected one of: {', '.join(codelist.values())}")
    if codelist.is_code(value):
        return value
    try:
        return str(codelist.parse(value).value)
    except ValueError as exc:
        raise Invalid(str(exc)) from None


def parse_codes(value: Any, codelist: type[cl.Codelist]) -> list[str]:
    items = re.split(r"[;,\n]", value) if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise Invalid("expected a list of codes")
    result: list[str] = []
    for item in items:
        if is_blank(item):
            continue
        code = parse_code(str(item).strip() if not isinstance(item, str) else item, codelist)
        if code not in result:
            result.append(code)
    return sorted(result)


@functools.cache
def _cpv_by_digits() -> dict[str, str]:
    """The eight digits of each CPV code -> the code (NNNNNNNN-N) with the lowest check digit
    of any holding them: what trying check digits 0 to 9 in turn would find first."""
    by_digits: dict[str, str] = {}
    for code in sorted(cpv_vocabulary.labels()):
        if re.fullmatch(r"\d{8}-[0-9]", code):
            by_digits.setdefault(code[:8], code)
    return by_digits


def parse_cpv(value: Any) -> str:
    text = str(value).strip()
    if text in cpv_vocabulary.labels():
        return text
    # eight digits without the check digit: one lookup instead of trying ten codes
    code = _cpv_by_digits().get(text)
    if code is not None:
        return code
    raise Invalid(
        f"'{text}' is not a code of the CPV 2008 vocabulary; "
        "use NNNNNNNN-N, e.g. 34144900-7 (search labels with `procurement cpv search WORDS`)"
    )


def parse_currency(value: Any) -> str:
    text = str(value).strip().upper()
    # any ISO 4217 currency in use is stored; only conversion to euro needs a rate
    if text not in cl.CURRENCIES and text not in cl.ISO_4217_CURRENT:
        raise Invalid(
            f"'{value}' is not an ISO 4217 currency code; use one such as "
            f"{', '.join(cl.CURRENCIES)}"
        )
    return text


def parse_country(value: Any) -> str:
    if value.__class__ is str and len(value) == 2 and value.isascii() and value.isalpha():
        code: str = value
        if code.isupper():  # two capital letters: a code already, the usual case
            return code
    text = str(value).strip().upper()
    if not COUNTRY.match(text):
        raise Invalid(f"'{value}' is not an ISO 3166 two-letter country code, e.g. FI")
    return text


def parse_email(value: Any) -> str:
    text = parse_text(value, 320)
    if not EMAIL.match(text):
        raise Invalid(f"'{text}' is not an e-mail address")
    return text


def parse_rating(value: Any) -> int:
    try:
        rating = parse_integer(value, 1, 5)
    except Invalid:
        raise Invalid(f"'{value}' is not a rating; give a whole number from 1 to 5") from None
    return rating


def parse_risks(value: Any) -> dict[str, str]:
    if isinstance(value, str):
        pairs: list[tuple[Any, Any]] = []
        for part in re.split(r"[;\n]", value):
            if not part.strip():
                continue
            if "=" not in part:
                raise Invalid(f"'{part.strip()}' should be CATEGORY=public|private|shared")
            key, _, alloc = part.partition("=")
            pairs.append((key, alloc))
    elif isinstance(value, Mapping):
        pairs = list(value.items())
    else:
        raise Invalid("expected CATEGORY=public|private|shared pairs")
    if len(pairs) > MAX_LIST:
        raise Invalid(f"more than {MAX_LIST} risk categories")
    result: dict[str, str] = {}
    for key, alloc in pairs:
        result[parse_code(str(key), cl.RiskCategory)] = parse_code(str(alloc), cl.RiskAllocation)
    return dict(sorted(result.items()))


def _kpi_number(value: Any, what: str) -> Decimal | None:
    if is_blank(value):
        return None
    try:
        return parse_decimal(value, dot_is_decimal=True)  # the registry writes KPIs so
    except Invalid as exc:
        raise Invalid(f"KPI {what} {exc}") from None


KPI_TEXT = "NAME=ACHIEVED[:UNIT[:BASELINE[:TARGET[:lower|higher]]]]"


def parse_kpi_text(text: str) -> dict[str, Any]:
    """``NAME=ACHIEVED[:UNIT[:BASELINE[:TARGET[:lower|higher]]]]`` as a KPI mapping (the
    last part: whether lower or higher values are better)."""
    if "=" not in text:
        raise Invalid(f"'{text.strip()}' should be {KPI_TEXT}")
    name, _, rest = text.partition("=")
    parts = rest.split(":")
    if len(parts) > 5:
        raise Invalid(f"'{text.strip()}' has too many ':' parts; write {KPI_TEXT}")
    parts += [""] * (5 - len(parts))
    return {
        "name": name,
        "achieved": parts[0],
        "unit": parts[1],
        "baseline": parts[2],
        "target": parts[3],
        "lower_is_better": parts[4],
    }


LOWER_WORDS = {"lower", "lower-is-better", "down", "decrease"}
HIGHER_WORDS = {"higher", "higher-is-better", "up", "increase"}


def _kpi_direction(value: Any, name: str) -> bool | None:
    """Whether lower values of a KPI are better: ``lower``/``higher`` (or true/false, yes/no
    for ``lower_is_better``); None when not given."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in LOWER_WORDS:
        return True
    if text in HIGHER_WORDS:
        return False
    try:
        return parse_boolean(text)
    except Invalid:
        raise Invalid(
            f"KPI '{name}': '{value}' is not a direction; write lower (lower values are "
            "better, e.g. emissions) or higher"
        ) from None


def parse_kpis(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, str):
        items: list[Any] = [parse_kpi_text(p) for p in re.split(r"[;\n]", value) if p.strip()]
    elif isinstance(value, list | tuple):
        items = [parse_kpi_text(v) if isinstance(v, str) else v for v in value]
    else:
        raise Invalid("expected a list of KPIs")
    if len(items) > MAX_LIST:
        raise Invalid(f"more than {MAX_LIST} KPIs")
    result: list[dict[str, Any]] = []
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, Mapping):
            raise Invalid("each KPI needs name, achieved, unit, baseline, target")
        unknown = set(item) - {"name", "unit", "baseline", "target", "achieved", "lower_is_better"}
        if unknown:
            raise Invalid(f"unknown KPI key(s): {', '.join(sorted(map(str, unknown)))}")
        name = str(item.get("name") or "").strip().lower().replace("_", "-").replace(" ", "-")
        if not KPI_NAME.match(name):
            raise Invalid(f"KPI name '{name}' should be kebab-case, e.g. co2-reduction")
        if name in seen:
            raise Invalid(f"KPI '{name}' is given twice")
        seen.add(name)
        unit = item.get("unit")
        baseline = _kpi_number(item.get("baseline"), "baseline")
        target = _kpi_number(item.get("target"), "target")
        lower = _kpi_direction(item.get("lower_is_better"), name)
        if (
            lower is not None
            and baseline is not None
            and target is not None
            and target != baseline
            and (target < baseline) != lower
        ):
            said, implied = ("lower", "above") if lower else ("higher", "below")
            raise Invalid(
                f"KPI '{name}': {said} is better, but its target {target} is {implied} "
                f"its baseline {baseline}; correct the direction or the numbers"
            )
        result.append(
            {
                "name": name,
                "unit": None if is_blank(unit) else parse_text(unit, 40),
                "baseline": baseline,
                "target": target,
                "achieved": _kpi_number(item.get("achieved"), "achieved value"),
                "lower_is_better": lower,
            }
        )
    return result


def parse_documents(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, str):
        items: list[Any] = []
        for line in re.split(r"\r\n|\r|\n", value):
            if line.strip():
                link, *caption = line.strip().split(None, 1)  # a space or a tab
                items.append({"url": link, "title": caption[0].strip() if caption else None})
    elif isinstance(value, list | tuple):
        items = [{"url": v, "title": None} if isinstance(v, str) else v for v in value]
    else:
        raise Invalid("expected a list of links")
    if len(items) > MAX_LIST:
        raise Invalid(f"more than {MAX_LIST} documents")
    result: list[dict[str, Any]] = []
    for item in items:
        if not isinstance(item, Mapping) or "url" not in item:
            raise Invalid("each document needs a url")
        number = len(result) + 1
        try:
            url = parse_text(item["url"], 2000)
        except Invalid as exc:
            raise Invalid(f"link of document {number} {exc}") from None
        try:
            title = None if is_blank(item.get("title")) else parse_text(item.get("title"))
        except Invalid as exc:
            raise Invalid(f"title of document {number} {exc}") from None
        if not URL.match(url):
            raise Invalid(
                f"link '{url[:60]}' is refused: only http:// and https:// links are allowed"
            )
        result.append({"url": url, "title": title})
    return result


def parse_city(value: Any) -> str:
    """A city code; a member city's English or local name is read as its code."""
    if value.__class__ is str and len(value) == 3 and value.isascii() and value.isalnum():
        code: str = value.upper()  # a code, which parse_text would keep as it is
        return code
    text = parse_text(value, 100)
    if len(text) == 3 and text.isascii() and text.isalnum():
        return text.upper()  # a code (no member city has a three-letter name)
    return city_code(text) or text.upper()


def _parser(field: Field) -> Callable[[Any], Any]:
    kind = field.kind
    if kind in ("code", "codes"):
        assert field.codelist is not None
        codelist = field.codelist
        if kind == "code":
            codes = frozenset(codelist.values())  # a code as given (the usual case) at once
            return lambda v: v if v.__class__ is str and v in codes else parse_code(v, codelist)
        return lambda v: parse_codes(v, codelist)
    if field.name == "vfm_percent":
        return lambda v: parse_percent(v, low=-100)
    if field.name == "contact_name":
        return lambda v: parse_text(v, 200)
    if kind == "date":
        past = DATE_FIELDS[field.name]
        return lambda v: parse_case_date(v, past=past)
    return {
        "text": parse_text,
        "organisation": lambda v: parse_text(v, 300),
        "longtext": lambda v: parse_text(v, MAX_LONGTEXT, multiline=True),
        "money": parse_money,
        "integer": parse_integer,
        "boolean": parse_boolean,
        "cpv": parse_cpv,
        "currency": parse_currency,
        "country": parse_country,
        "email": parse_email,
        "city": parse_city,
        "percent": parse_percent,
        "rating": parse_rating,
        "risks": parse_risks,
        "kpis": parse_kpis,
        "documents": parse_documents,
    }[kind]


# Date fields, and whether each is an event that cannot lie in the future. The publication
# date can, while a case is planned: validate() checks it against the status.
DATE_FIELDS: dict[str, bool] = {
    f.name: f.name in PAST_DATES and f.name != "tender_published"
    for f in FIELDS
    if f.kind == "date"
}
PARSERS: dict[str, Callable[[Any], Any]] = {f.name: _parser(f) for f in FIELDS}
# Each field's parsing, looked up once per value: the field, its parser, and for a date
# whether it cannot lie in the future (None for other fields).
_STEPS: dict[str, tuple[Field, Callable[[Any], Any], bool | None]] = {
    f.name: (f, PARSERS[f.name], DATE_FIELDS.get(f.name)) for f in FIELDS
}
# Classes whose values :func:`is_empty` never finds empty (the typed values JSON gives).
NEVER_EMPTY = frozenset({Decimal, int, float, bool, dt.date, dt.datetime})
EMPTY: dict[str, Any] = {
    f.name: ([] if f.kind in ("codes", "kpis", "documents") else {} if f.kind == "risks" else None)
    for f in FIELDS
}


def validate(
    raw: Mapping[str, Any],
    *,
    current: Mapping[str, Any] | None = None,
    cities: Collection[str] | None = None,
    require: Collection[str] = (),
    ignore: Collection[str] = (),
    row: int | None = None,
) -> dict[str, Any]:
    """Clean ``raw`` (vocabulary keys to raw values) and check it as a whole.

    ``current`` holds the case's present clean values when editing: cross-field rules
    are checked on the merged result. ``cities`` are the known city codes. ``require``
    lists fields that must have a value after merging. Keys in ``ignore`` (e.g. the
    assigned ``reference``) are dropped silently. Returns only the keys given in ``raw``.
    """
    errors: list[FieldError] = []
    clean, now = _parse_fields(raw, ignore, row, errors)
    check = _CrossCheck(clean, {**EMPTY, **(current or {}), **clean}, errors, row)
    _check_required(check, require)
    _check_city(check, cities)
    _check_dates(check, now)
    _check_currency(check)
    _check_related_fields(check)
    if errors:
        raise ValidationError([FieldError(shown(e.field), shown(e.message), e.row) for e in errors])
    return clean


def _parse_fields(
    raw: Mapping[str, Any], ignore: Collection[str], row: int | None, errors: list[FieldError]
) -> tuple[dict[str, Any], dt.date | None]:
    """Each given field parsed on its own: the clean values, and today if a date was read.

    Problems (unknown fields, wrong values) are appended to ``errors``.
    """
    clean: dict[str, Any] = {}
    now: dt.date | None = None  # today, looked up once (for the date fields)
    latest = FIRST_DATE  # the latest planned date accepted today, once ``now`` is known
    for key, value in raw.items():
        if key in ignore:
            continue
        step = _STEPS.get(key)
        if step is None:
            errors.append(
                FieldError(str(key)[:60], "unknown field; see `procurement case add --help`", row)
            )
            continue
        cls = value.__class__
        if cls is str:
            if not value or value.isspace():
                clean[key] = EMPTY[key]
                continue
        elif cls not in NEVER_EMPTY and is_empty(value):
            clean[key] = EMPTY[key]
            continue
        field, parse, past = step
        try:
            if past is not None:
                if now is None:
                    now = today()
                    latest = latest_planned(now)
                if cls is dt.date and FIRST_DATE <= value <= latest and not (past and value > now):
                    clean[key] = value  # a date within bounds (as JSON and OCDS give): as it is
                else:
                    clean[key] = parse_case_date(value, past=past, now=now)
            else:
                clean[key] = parse(value)
        except Invalid as exc:
            errors.append(FieldError(key, str(exc), row))
        except (TypeError, ValueError, ArithmeticError):
            errors.append(
                FieldError(key, f"'{shown(str(value)[:60])}' is not a valid {field.kind}", row)
            )
    return clean, now


class _CrossCheck:
    """The cross-field checks of one :func:`validate` call: the clean values given, the
    merged case they are checked on, and the problems found so far (at most one a field)."""

    __slots__ = ("bad", "clean", "errors", "merged", "row")

    def __init__(
        self,
        clean: dict[str, Any],
        merged: dict[str, Any],
        errors: list[FieldError],
        row: int | None,
    ) -> None:
        self.clean = clean
        self.merged = merged
        self.errors = errors
        self.row = row
        self.bad = {e.field for e in errors} if errors else set()  # fields with a problem already

    def rule(self, field: str, ok: bool, message: str) -> None:
        """Report ``message`` for ``field`` unless ``ok`` or the field is wrong already."""
        if not ok and field not in self.bad:
            self.errors.append(FieldError(field, message, self.row))
            self.bad.add(field)


def _check_required(check: _CrossCheck, require: Collection[str]) -> None:
    """Each field in ``require`` has a value after merging."""
    merged, bad = check.merged, check.bad
    for name in require:
        if name in bad:
            continue
        value = merged.get(name)
        # is_blank(value), with clean text (the usual case) tested without a call
        if (not value or value.isspace()) if value.__class__ is str else is_blank(value):
            check.errors.append(
                FieldError(name, f"is required ({FIELD_BY_NAME[name].help})", check.row)
            )
            bad.add(name)


def _check_city(check: _CrossCheck, cities: Collection[str] | None) -> None:
    """The city is one of the known ``cities`` (when they are given)."""
    city = check.merged.get("city")
    if cities is not None and city and "city" not in check.bad and city not in cities:
        check.rule(  # the message (listing the cities) is formatted only when it is needed
            "city",
            False,
            f"unknown city '{city}'; known: {', '.join(sorted(cities))}, or a member city's "
            "name (add one with `procurement city add`)",
        )


# Pairs of dates in the order they must come: (first, second, the message if second is before).
DATE_ORDER = (
    ("tender_published", "awarded_on", "award date {b} is before the tender publication {a}"),
    ("contract_start", "contract_end_planned", "planned end {b} is before the contract start {a}"),
    ("contract_start", "completed_on", "completion {b} is before the contract start {a}"),
    ("awarded_on", "completed_on", "completion {b} is before the award date {a}"),
    ("tender_published", "completed_on", "completion {b} is before the tender publication {a}"),
    (
        "tender_published",
        "contract_start",
        "contract start {b} is before the tender publication {a}",
    ),
)


def _check_dates(check: _CrossCheck, now: dt.date | None) -> None:
    """Only a planned case is published in the future, and the dates come in order."""
    merged, clean = check.merged, check.clean
    # A planned case may carry the planned publication date; any other has published.
    published = merged.get("tender_published")
    if (
        published is not None
        and published > (now := now or today())
        and merged.get("status") != cl.Status.PLANNED
        and ("tender_published" in clean or "status" in clean)
    ):
        check.rule(
            "tender_published",
            False,
            f"{published} is in the future (today is {now}); only a planned case may carry "
            "the planned publication date",
        )

    bad = check.bad
    for first, second, message in DATE_ORDER:  # a pair out of order: the later date is wrong
        a, b = merged.get(first), merged.get(second)
        if (
            a is not None
            and b is not None
            and first not in bad
            and (second in clean or first in clean)
            and b < a
        ):
            check.rule(second, False, message.format(a=a, b=b))


def _check_currency(check: _CrossCheck) -> None:
    """Amounts have a currency, and a currency replaced by the euro is not used after."""
    merged = check.merged
    if merged.get("currency") is None and "currency" not in check.bad:
        money = next((m for m in MONEY_FIELDS if merged.get(m) is not None), None)
        if money is not None:
            check.rule(
                "currency", False, f"is required because {money} is given; e.g. --currency EUR"
            )

    legacy = cl.REPLACED_BY_EURO.get(merged.get("currency") or "")
    if legacy and "currency" not in check.bad and any(k in check.clean for k in LEGACY_CHECK_KEYS):
        currency, (last_day, units) = merged["currency"], legacy
        case_day = next(
            (merged[d] for d in ("awarded_on", "tender_published", "contract_start") if merged[d]),
            None,
        )
        for name in (m for m in MONEY_FIELDS if merged.get(m) is not None):
            day = (merged["completed_on"] if name == "final_value" else None) or case_day
            if day is not None and day > dt.date.fromisoformat(last_day):
                check.rule(
                    "currency",
                    False,
                    f"{currency} was replaced by the euro after {last_day}, but {name} is "
                    f"dated {day}: give the amounts in EUR, converted at the irrevocable "
                    f"rate of {units} {currency} per euro",
                )
                break


PPP_DETAILS = tuple(f.name for f in PPP_FIELDS if f.name != "ppp_model")
NO_VALUE: tuple[None, list[Any], dict[str, Any]] = (None, [], {})  # compared with, never changed


def _check_related_fields(check: _CrossCheck) -> None:
    """SME tenders within the tenders received, a PPP model for PPP details, and a
    rationale for a best practice."""
    merged = check.merged
    tenders, sme = merged.get("tenders_received"), merged.get("sme_tenders")
    if tenders is not None and sme is not None:
        check.rule(
            "sme_tenders",
            sme <= tenders,
            f"{sme} SME tenders is more than the {tenders} tenders received",
        )

    if merged.get("ppp_model") is None and "ppp_model" not in check.bad:
        ppp = next((n for n in PPP_DETAILS if merged.get(n) not in NO_VALUE), None)
        if ppp is not None:
            check.rule(
                "ppp_model",
                False,
                f"is required because {ppp} is given (PPP details need a PPP model)",
            )

    if merged.get("best_practice") and "best_practice_rationale" not in check.bad:
        check.rule(
            "best_practice_rationale",
            not is_blank(merged.get("best_practice_rationale")),
            "is required when the case is flagged as best practice: say why",
        )
