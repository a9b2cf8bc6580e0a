"""A case as a commented YAML document (for ``$EDITOR``) and case files for ``--from``.

The document lists every vocabulary field, each with a one-line comment taken from the
vocabulary (help text, codelist values, whether it is required). Reading it back never
guesses types: every value stays text (``no`` stays ``no``, Norway's country code, and a
date stays text) and the one validation layer parses it, exactly as for terminal input.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from procurement.cases.fields import ASSIGNED, FIELD_BY_NAME, FIELDS, field_comment
from procurement.cases.values import jsonable
from procurement.core.errors import BadInput
from procurement.core.limits import CASE_FILE_BYTES, MAX_DEPTH, TOO_DEEP, limit_depth, read_limited

ERROR_MARK = "#! "
KPI_KEYS = ("name", "achieved", "unit", "baseline", "target", "lower_is_better")


class _Refused(yaml.YAMLError):
    """YAML the case files never need and that could take the machine's memory."""

    def __init__(self, problem: str, mark: Any) -> None:
        super().__init__(problem)
        self.problem = problem
        self.problem_mark = mark


class _TextLoader(yaml.SafeLoader):
    """SafeLoader that resolves no implicit type but null: every scalar stays text.

    Anchors and aliases (``&a``, ``*a``) are refused: a few hundred bytes of aliases to
    aliases expand to gigabytes. So is nesting deeper than MAX_DEPTH levels."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _Refused(
                "anchors and aliases (&name, *name) are not accepted; write each value out",
                event.start_mark,
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(TOO_DEEP, event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_TextLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag == "tag:yaml.org,2002:null"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _TextDumper(yaml.SafeDumper):
    """SafeDumper to match :class:`_TextLoader`: only null needs quoting; text blocks literal."""


_TextDumper.yaml_implicit_resolvers = _TextLoader.yaml_implicit_resolvers


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


def _represent_none(dumper: yaml.SafeDumper, data: None) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:null", "")


_TextDumper.add_representer(str, _represent_str)
_TextDumper.add_representer(type(None), _represent_none)


def document_value(name: str, value: Any) -> Any:
    """A clean vocabulary value as plain YAML data (text, lists and mappings of text)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if name == "kpis":
        return [{k: _text(kpi.get(k)) for k in KPI_KEYS} for kpi in value]
    if name == "documents":
        return [{"url": d["url"], "title": d.get("title")} for d in value]
    if name == "risks":
        return {str(k): str(v) for k, v in value.items()}
    if name == "innovation_approaches":
        return [str(v) for v in value]
    return _text(value)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    result = jsonable(value)
    return result if isinstance(result, str) else str(result)


def dump_field(name: str, value: Any) -> str:
    data = {name: document_value(name, value)}
    text: str = yaml.dump(
        data, Dumper=_TextDumper, allow_unicode=True, sort_keys=False, width=1_000_000
    )
    return text.replace(": \n", ":\n")


def case_document(values: Mapping[str, Any], *, reference: str | None = None) -> str:
    """Every vocabulary field of a case as commented YAML, ready for an editor."""
    what = f"case {reference}" if reference else "a new case"
    lines = [
        f"# Editing {what}. Change the values after the colons, then save and close the editor.",
        "# Leave a value empty to clear it. Lines starting with # are comments.",
        "# Lists take one '- item' per line. To leave without changing anything, close",
        "# the editor without saving (or empty the file).",
        "",
    ]
    group = ""
    for field in FIELDS:
        if field.group != group:
            group = field.group
            title = {"case": "Case", "ppp": "PPP details", "outcome": "Outcome"}[group]
            lines.append(f"# ===== {title} =====")
        lines.append(f"# {field_comment(field)}")
        lines.append(dump_field(field.name, values.get(field.name)).rstrip("\n"))
    return "\n".join(lines) + "\n"


def with_errors(text: str, errors: list[str]) -> str:
    """``text`` with ``errors`` as comments at the top (earlier error comments replaced)."""
    kept = [line for line in text.splitlines() if not line.startswith(ERROR_MARK)]
    header = [
        f"{ERROR_MARK}The case was NOT saved. Fix these problems, then save and close again:",
        *(f"{ERROR_MARK}  - {e}" for e in errors),
        f"{ERROR_MARK}(These lines are ignored. Close without saving to give up.)",
    ]
    return "\n".join(header + kept) + "\n"


def is_empty(text: str) -> bool:
    """True when ``text`` holds nothing but comments and blank lines."""
    return not any(line.strip() and not line.lstrip().startswith("#") for line in text.splitlines())


def parse_document(text: str, *, source: str = "the document") -> dict[str, Any]:
    """Read a YAML mapping of vocabulary keys; every scalar stays text for the validation layer."""
    try:
        data = yaml.load(text, Loader=_TextLoader)  # a SafeLoader subclass
    except _Refused as exc:
        where = f" at line {exc.problem_mark.line + 1}" if exc.problem_mark is not None else ""
        raise BadInput(f"{source}{where}: {exc.problem}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise BadInput(
            f"{source} is not valid YAML{where}: {problem}; "
            "write one 'field: value' per line (quote values that contain ': ')"
        ) from None
    return as_case_mapping(data, source=source)


def as_case_mapping(data: Any, *, source: str) -> dict[str, Any]:
    """Check the top level is one case and bring list forms into what the parsers take."""
    if data is None:
        return {}
    if isinstance(data, list) and len(data) == 1:
        data = data[0]
    if not isinstance(data, Mapping):
        raise BadInput(
            f"{source} should hold one case as field: value pairs "
            "(for many cases use `procurement import`)"
        )
    result: dict[str, Any] = {}
    for key, value in data.items():
        name = str(key).strip().replace("-", "_")
        result[name] = normalise(name, value)
    return result


def normalise(name: str, value: Any) -> Any:
    """Lists of ``CATEGORY=ALLOC`` or ``URL TITLE`` strings as the text the parsers split."""
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        field = FIELD_BY_NAME.get(name)
        if field is not None and field.kind == "risks":
            return ";".join(value)
        if field is not None and field.kind == "documents":
            return "\n".join(value)
        if field is not None and field.kind == "codes":
            return ";".join(value)
    return value


STDIN = "-"


def read_case_file(path: Path) -> dict[str, Any]:
    """One case from a YAML or JSON file (UTF-8), as vocabulary keys to raw values; ``-``
    reads it from standard input (JSON when it starts with ``{``, else YAML).

    Only a regular file of at most CASE_FILE_BYTES is read (a FIFO would hang, /dev/zero
    never end), nested at most MAX_DEPTH levels; standard input is read up to the same
    size."""
    if str(path) == STDIN:
        raw = sys.stdin.buffer.read(CASE_FILE_BYTES + 1)
        source = "standard input"
        if len(raw) > CASE_FILE_BYTES:
            raise BadInput(
                f"{source} holds more than {CASE_FILE_BYTES // 1024 // 1024} MB; "
                "a case file may be at most that"
            )
    else:
        raw = read_limited(path, CASE_FILE_BYTES, "a case file")
        source = str(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadInput(f"{source} is not UTF-8 text; save it as UTF-8 and try again") from None
    text = text.removeprefix("\ufeff")
    if not text.strip() and str(path) == STDIN:
        raise BadInput("standard input is empty; give the case's fields as YAML or JSON")
    if str(path) == STDIN:
        is_json = text.lstrip().startswith("{")
    else:
        is_json = path.suffix.lower() == ".json"
    if is_json:
        too_deep = BadInput(f"{source} is JSON {TOO_DEEP}; a case file is field: value pairs")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise BadInput(
                f"{source} is not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
            ) from None
        except RecursionError:
            raise too_deep from None
        if limit_depth(data):
            raise too_deep
        return as_case_mapping(data, source=source)
    return parse_document(text, source=source)


def changed_keys(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """Keys of ``after`` whose value differs from ``before`` (keys left out count as unchanged)."""
    return {k: v for k, v in after.items() if k not in before or before[k] != v}


SET_PATTERN = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_-]*)\s*=(.*)$", re.DOTALL)


def _unknown_field(name: str) -> str:
    """'X' is not a field, with the field whose name or label is closest."""
    import difflib

    labels = {f.label.lower(): f.name for f in FIELDS}
    wanted = name.strip().lower()
    guess = labels.get(wanted) or next(
        iter(difflib.get_close_matches(wanted.replace(" ", "_"), list(FIELD_BY_NAME), n=1)), None
    )
    hint = f"; did you mean {guess}?" if guess else ""
    return (
        f"'{name}' is not a field{hint} (field names: `procurement case add --help`, "
        "e.g. --set estimated_value=5)"
    )


def parse_assignments(items: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """``FIELD=VALUE`` strings (``--set``) as a raw mapping; a field given twice is an error."""
    result: dict[str, Any] = {}
    for item in items:
        match = SET_PATTERN.match(item)
        if match is None:
            name = item.partition("=")[0].strip()
            if "=" in item and name:
                raise BadInput(f"--set: {_unknown_field(name)}")
            raise BadInput(f"--set '{item}' should be FIELD=VALUE, e.g. --set status=awarded")
        name = match.group(1).replace("-", "_").lower()
        if name not in FIELD_BY_NAME and name not in ASSIGNED:
            raise BadInput(f"--set: {_unknown_field(name)}")
        if name in result:
            raise BadInput(f"--set {name} is given twice; give each field once")
        result[name] = match.group(2)
    return result
