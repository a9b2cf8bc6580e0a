"""The OCDS merge rules, and how a publisher's release is split around the registry's mapping.

Merging (OCDS 1.1 "Merging" specification, for every field): releases of one ``ocid`` are
applied oldest first; an object merges key by key; a ``null`` removes the field; an array of
objects that all carry an ``id`` merges item by item on that id (identifier merge); any other
array, and the schema's ``wholeListMerge`` arrays, are replaced whole.

Splitting: after an import the case holds what the registry models.
:func:`leftover_and_overrides` compares the publisher's compiled release with the release the
registry would write for the case and returns what is left over (objects and fields the
registry does not model: filled back in on export by :func:`overlay`) and the values the
registry's mapping does not reproduce exactly (re-applied by :func:`apply_overrides` while
the case is unchanged since the import).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

WHOLE_LIST = frozenset({"additionalIdentifiers", "additionalClassifications", "locations"})
# Release-level keys never compared: identity of the release, and our own extension.
NOT_SPLIT = frozenset({"ocid", "id", "date", "tag"})

Path = list[Any]  # dict keys (str) and, for arrays merged by id, {"id": ID}


class _Missing:
    pass


MISSING = _Missing()


def is_id_list(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(x, dict) and x.get("id") is not None for x in value)
    )


def _key(item: Mapping[str, Any]) -> str:
    return str(item["id"])


def copied(value: Any) -> Any:
    """A copy of a JSON value: new objects and arrays, the same (immutable) scalars."""
    if isinstance(value, dict):
        return {k: copied(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copied(v) for v in value]
    return value


def strip_nulls(value: Any) -> Any:
    """A copy of a JSON value without its null fields (new objects and arrays)."""
    if isinstance(value, dict):
        return {k: strip_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [strip_nulls(v) for v in value]
    return value


def merge_into(base: dict[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """Apply release ``new`` on top of ``base`` (modified in place and returned)."""
    for key, value in new.items():
        if value is None:
            base.pop(key, None)
        elif isinstance(value, dict):
            current = base.get(key)
            base[key] = merge_into(current if isinstance(current, dict) else {}, value)
        elif is_id_list(value) and key not in WHOLE_LIST:
            current = base.get(key)
            items: dict[str, dict[str, Any]] = (
                {_key(x): x for x in current}
                if isinstance(current, list) and is_id_list(current)
                else {}
            )
            for item in value:
                k = _key(item)
                items[k] = merge_into(items.get(k, {}), item)
            base[key] = list(items.values())
        else:
            base[key] = strip_nulls(value)
    return base


def merge_releases(releases: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Compile releases (oldest first) into one compiled release body."""
    compiled: dict[str, Any] = {}
    for release in releases:
        merge_into(compiled, release)
    return compiled


def same_json(a: Any, b: Any) -> bool:
    """Equality of JSON values, numbers compared by value (1 == 1.0 == Decimal('1.00'))."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float | Decimal) and isinstance(b, int | float | Decimal):
        return Decimal(str(a)) == Decimal(str(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def leftover_and_overrides(
    original: Mapping[str, Any], generated: Mapping[str, Any], *, skip: Iterable[str] = ()
) -> tuple[dict[str, Any], list[tuple[Path, Any]]]:
    """(leftover, overrides) of ``original`` against ``generated``; see the module docstring."""
    overrides: list[tuple[Path, Any]] = []
    skipped = NOT_SPLIT | frozenset(skip)
    top = {k: v for k, v in original.items() if k not in skipped}
    leftover = _diff(top, generated, [], overrides)
    return (leftover if isinstance(leftover, dict) else {}), overrides


def _diff(orig: Any, gen: Any, path: Path, overrides: list[tuple[Path, Any]]) -> Any:
    if isinstance(orig, dict) and isinstance(gen, dict):
        rest: dict[str, Any] = {}
        for key, value in orig.items():
            if key not in gen:
                rest[key] = value
            else:
                sub = _diff(value, gen[key], [*path, key], overrides)
                if sub is not MISSING:
                    rest[key] = sub
        return rest if rest else MISSING
    if is_id_list(orig) and is_id_list(gen):
        by_id = {_key(x): x for x in gen}
        items: list[Any] = []
        for item in orig:
            k = _key(item)
            if k in by_id:
                sub = _diff(item, by_id[k], [*path, {"id": k}], overrides)
                if sub is not MISSING:
                    items.append({"id": item["id"], **sub})
            else:
                items.append(item)
        return items if items else MISSING
    if not same_json(orig, gen):
        overrides.append((path, orig))
    return MISSING


def overlay(generated: dict[str, Any], leftover: Mapping[str, Any]) -> dict[str, Any]:
    """Fill what ``generated`` lacks from ``leftover`` (arrays of objects merged by id)."""
    for key, value in leftover.items():
        if key not in generated:
            generated[key] = copied(value)
            continue
        current = generated[key]
        if isinstance(current, dict) and isinstance(value, dict):
            overlay(current, value)
        elif is_id_list(current) and is_id_list(value):
            by_id = {_key(x): x for x in current}
            for item in value:
                k = _key(item)
                if k in by_id:
                    overlay(by_id[k], item)
                else:
                    current.append(copied(item))
    return generated


def _step(node: Any, step: Any) -> Any:
    if isinstance(step, dict):
        if not isinstance(node, list):
            return MISSING
        return next(
            (x for x in node if isinstance(x, dict) and str(x.get("id")) == step["id"]), MISSING
        )
    if isinstance(node, dict) and step in node:
        return node[step]
    return MISSING


def apply_overrides(release: dict[str, Any], overrides: Iterable[tuple[Path, Any]]) -> None:
    """Put the publisher's original values back where the mapping did not reproduce them."""
    for path, value in overrides:
        node: Any = release
        for step in path[:-1]:
            node = _step(node, step)
            if node is MISSING:
                break
        last = path[-1] if path else None
        if node is MISSING or not isinstance(node, dict) or not isinstance(last, str):
            continue
        node[last] = copied(value)


def remove_path(release: dict[str, Any], path: Iterable[Any]) -> Any:
    """Remove the value at a jsonschema error path (keys and list indexes); return it."""
    steps = list(path)
    if not steps:
        return MISSING
    node: Any = release
    for step in steps[:-1]:
        in_dict = isinstance(node, dict) and step in node
        in_list = isinstance(node, list) and isinstance(step, int) and step < len(node)
        if not (in_dict or in_list):
            return MISSING
        node = node[step]
    last = steps[-1]
    if isinstance(node, dict) and last in node:
        return node.pop(last)
    if isinstance(node, list) and isinstance(last, int) and last < len(node):
        return node.pop(last)
    return MISSING


def storable(value: Any) -> Any:
    """JSON-column form: Decimals as int or float."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [storable(v) for v in value]
    return value


def exact_decimals(value: Any) -> Any:
    """Back from the JSON column: floats as Decimals (their shortest exact text)."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: exact_decimals(v) for k, v in value.items()}
    if isinstance(value, list):
        return [exact_decimals(v) for v in value]
    return value


# --- JSON text with exact decimals ------------------------------------------------------------

_TOKEN = "@@ocds-decimal@@"
_DECIMAL = re.compile(f'"{_TOKEN}([-+0-9.eE]+){_TOKEN}"')


def _mark(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{_TOKEN}{value}{_TOKEN}"
    if isinstance(value, dict):
        return {k: _mark(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mark(v) for v in value]
    return value


def dumps(value: Any, *, indent: int | None = None) -> str:
    """JSON text of ``value``; Decimals are written as exact JSON numbers."""
    text = json.dumps(_mark(value), indent=indent, ensure_ascii=False)
    return _DECIMAL.sub(r"\1", text)


def loads(text: str) -> Any:
    return json.loads(text, parse_float=Decimal)
