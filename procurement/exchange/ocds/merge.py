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

import itertools
import json
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any

# Release-level keys never compared: identity of the release, and our own extension.
NOT_SPLIT = frozenset({"ocid", "id", "date", "tag"})

Path = list[Any]  # dict keys (str) and, for arrays merged by id, {"id": ID}


class _Missing:
    pass


MISSING = _Missing()


def is_id_list(value: Any) -> bool:
    if not isinstance(value, list) or not value:
        return False
    for x in value:  # noqa: SIM110 (a loop: no generator frame for the common short lists)
        if not isinstance(x, dict) or x.get("id") is None:
            return False
    return True


def copied(value: Any) -> Any:
    """A copy of a JSON value: new objects and arrays, the same (immutable) scalars."""
    # (the scalars of a container are taken as they are, without a call each; loops, as in
    # :func:`exact_copy`)
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        for k, v in value.items():
            out[k] = v if type(v) in _PLAIN else copied(v)
        return out
    if isinstance(value, list):
        items: list[Any] = []
        for v in value:
            items.append(v if type(v) in _PLAIN else copied(v))
        return items
    return value


def strip_nulls(value: Any) -> Any:
    """A copy of a JSON value without its null fields (new objects and arrays)."""
    if isinstance(value, dict):
        return {k: strip_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [strip_nulls(v) for v in value]
    return value


# --- compiling releases (the OCDS merge rules, as ocdsmerge applies them) ---------------------

OMIT, WHOLE = "omitWhenMerged", "wholeListMerge"
RuleKey = tuple[str, ...]


def _types(prop: Mapping[str, Any]) -> list[str]:
    kind = prop.get("type")
    return [kind] if isinstance(kind, str) else list(kind or [])


def _rules_of(
    properties: Mapping[str, Any], defs: Mapping[str, Any], path: RuleKey, out: dict[RuleKey, str]
) -> None:
    for key, value in properties.items():
        value = _deref(value, defs)
        here, types = (*path, key), _types(value)
        if value.get("omitWhenMerged") or value.get("mergeStrategy") == "ocdsOmit":
            out[here] = OMIT
        elif "array" in types and (
            value.get("wholeListMerge") or value.get("mergeStrategy") == "ocdsVersion"
        ):
            out[here] = WHOLE
        elif "object" in types and "properties" in value:
            _rules_of(value["properties"], defs, here, out)
        elif "array" in types and "items" in value:
            items = _deref(value["items"], defs)
            item_types = _types(items)
            if any(t != "object" for t in item_types):
                out[here] = WHOLE
            elif "object" in item_types and "properties" in items:
                if "id" not in items["properties"]:
                    out[here] = WHOLE
                else:
                    _rules_of(items["properties"], defs, here, out)


def _deref(node: Mapping[str, Any], defs: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/definitions/"):
        target = defs[ref.rsplit("/", 1)[1]]
        return {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


@lru_cache(maxsize=1)
def merge_rules() -> dict[RuleKey, str]:
    """The merge rules of the shipped release schema (OCDS 1.1 with the PPP profile, a
    superset of the core schema): field path -> ``omitWhenMerged`` or ``wholeListMerge``."""
    text = (
        resources.files("procurement.exchange.ocds")
        .joinpath("schemas", "ppp-profile", "release-schema.json")
        .read_text("utf-8")
    )
    schema = json.loads(text)
    out: dict[RuleKey, str] = {}
    _rules_of(schema["properties"], schema.get("definitions", {}), (), out)
    return out


class _Item(str):
    """A flattened path's step into an array of objects: the item's ``id`` (as text), or
    a unique key for an item without one (such items are never merged, only added)."""

    original: Any
    has_id: bool


_unique = itertools.count()


def _item_key(item: Mapping[str, Any]) -> _Item:
    if "id" in item:
        key = _Item(item["id"])
        key.original, key.has_id = item["id"], item["id"] is not None
    else:
        key = _Item(f"\x00{next(_unique)}")
        key.original, key.has_id = None, False
    return key


def _hashable(ident: Any) -> Any:
    """An item's id as a key: an id that is an array or an object (not valid OCDS, but met)
    is known by its JSON text; items with equal ids merge."""
    if isinstance(ident, list | dict):
        return ("\x00json", json.dumps(ident, sort_keys=True, default=str))
    return ident


Flat = dict[tuple[str, ...], Any]


def _flatten(
    node: Any, rules: Mapping[RuleKey, str], out: Flat, path: tuple[str, ...], rule_path: RuleKey
) -> None:
    in_list = isinstance(node, list)
    pairs: Iterable[tuple[str, Any]] = (
        ((_item_key(item), item) for item in node) if in_list else node.items()
    )
    for key, value in pairs:
        here_rule = rule_path if in_list else (*rule_path, key)
        rule = rules.get(here_rule)
        if rule == OMIT:
            continue
        if (
            rule == WHOLE
            or not isinstance(value, dict | list)
            or (isinstance(value, list) and any(not isinstance(x, dict) for x in value))
        ):
            out[(*path, key)] = value
        elif value:  # empty objects and arrays change nothing
            _flatten(value, rules, out, (*path, key), here_rule)


def _unflatten(flat: Flat) -> dict[str, Any]:
    result: dict[str, Any] = {}
    items: dict[tuple[Any, ...], dict[str, Any]] = {}
    for key, value in flat.items():
        node: Any = result
        for end, part in enumerate(key, 1):
            if isinstance(part, _Item):
                # identified by the raw id (1 and "1" are two items), as ocdsmerge does
                where = (*key[: end - 1], _hashable(part.original) if part.has_id else part)
                if where not in items:
                    if not isinstance(node, list):
                        break  # an earlier release had an object or a value here: ignored
                    # (an id that is an array or an object is copied: items merge into it)
                    new: dict[str, Any] = {"id": copied(part.original)} if part.has_id else {}
                    items[where] = new
                    node.append(new)
                node = items[where]
            elif not isinstance(node, dict):
                break  # an earlier release had a value here, this one an object: ignored
            elif part in node:
                node = node[part]
            elif end < len(key):
                node[part] = [] if isinstance(key[end], _Item) else {}
                node = node[part]
            elif value is not None:
                node[part] = copied(value)
    return result


RuleTree = dict[str, tuple[str | None, "RuleTree"]]
_NO_RULES: RuleTree = {}


@lru_cache(maxsize=1)
def rule_tree() -> RuleTree:
    """:func:`merge_rules` as a tree: key -> (its rule or None, the rules below it)."""
    root: RuleTree = {}
    for path, rule in merge_rules().items():
        node = root
        for depth, key in enumerate(path, 1):
            entry = node.get(key)
            if entry is None:
                entry = node[key] = (None, {})
            if depth == len(path):
                node[key] = (rule, entry[1])
            node = node[key][1]
    return root


def _single(node: Mapping[str, Any], tree: RuleTree) -> tuple[dict[str, Any], bool]:
    """One release's object as :func:`_flatten` then :func:`_unflatten` leave it (the merge
    rules applied to a single release), in one walk; and whether flattening it gives any
    field (a null does, and leaves an empty object behind). ``tree``: the rules below it."""
    out: dict[str, Any] = {}
    produced = False
    for key, value in node.items():
        rule, below = tree.get(key) or (None, _NO_RULES)
        if rule is not None:
            if rule == OMIT:
                continue
            if rule == WHOLE:
                produced = True
                if value is not None:
                    out[key] = value
                continue
        if isinstance(value, dict):
            sub, some = _single(value, below)
            if some:
                out[key], produced = sub, True
        elif not isinstance(value, list) or any(not isinstance(x, dict) for x in value):
            produced = True
            if value is not None:
                out[key] = value
        elif value:
            items: list[dict[str, Any]] = []
            seen: set[str] = set()
            for item in value:
                if "id" in item:
                    ident = str(item["id"])
                    if ident in seen:
                        raise _SameIds  # items to merge within the release: the general way
                    seen.add(ident)
                sub, some = _single(item, below)
                if "id" in item and item["id"] is not None:
                    sub = {"id": item["id"], **sub}
                if some:
                    items.append(sub)
            if items:
                out[key], produced = items, True
    return out, produced


class _SameIds(Exception):
    pass


def _unchanged(node: Mapping[str, Any], tree: RuleTree) -> bool:
    """Whether :func:`_single` would give ``node`` as it is (equal, keys in the same order):
    no null, no empty object or array, no key the merge rules leave out, and in each array
    of objects no empty object, no two ids alike and each ``id`` first. Such a release
    (most of them) is compiled without a copy: a walk that builds nothing."""
    for key, value in node.items():
        entry = tree.get(key)
        below = _NO_RULES
        if entry is not None:
            rule, below = entry
            if rule == WHOLE:
                if value is None:
                    return False
                continue
            if rule == OMIT:
                return False
        kind = value.__class__
        if kind is dict:
            if not value or not _unchanged(value, below):
                return False
        elif kind is list:
            if not value:
                return False
            if any(not isinstance(x, dict) for x in value):
                continue  # kept whole
            seen: set[str] = set()
            for item in value:
                if item.__class__ is not dict or not item:
                    return False
                if "id" in item:
                    ident = str(item["id"])
                    if ident in seen or next(iter(item)) != "id":
                        return False
                    seen.add(ident)
                if not _unchanged(item, below):
                    return False
        elif value is None or isinstance(value, dict | list):
            return False  # a null, or a subclass (copied as a plain object)
    return True


_OWN = ("tag", "id", "date")  # the compiled release's own (the merge rules leave them out)


def compile_releases(releases: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The compiled release of one ocid's releases, given oldest first: the OCDS 1.1 merge
    rules as ``ocdsmerge`` (and ``ocdskit compile``) apply them. Objects merge field by field;
    ``null`` removes a field; empty objects and arrays change nothing; arrays of objects merge
    by ``id`` (an object without ``id`` is added); other arrays and ``wholeListMerge`` ones are
    replaced whole; ``id``, ``date`` and ``tag`` are the compiled release's own
    (``OCID-DATE``, the newest date, ``["compiled"]``). Never raises on inconsistent data: a
    later release's value that does not fit an earlier one's shape is ignored. It may share
    objects with a release given (left as they are: the caller copies before changing)."""
    given = releases if isinstance(releases, list) else list(releases)
    if len(given) == 1:  # most contracting processes: one walk instead of flattening
        only = given[0]
        head = {
            "tag": ["compiled"],
            "id": f"{only.get('ocid')}-{only.get('date')}",
            "date": only.get("date"),
            "ocid": only.get("ocid"),
        }
        rest = {k: v for k, v in only.items() if k not in _OWN}
        if _unchanged(rest, rule_tree()):  # shares its objects with the release
            return {k: v for k, v in {**head, **rest}.items() if v is not None}
        try:
            body, _ = _single(rest, rule_tree())
        except _SameIds:
            pass
        else:
            return {k: v for k, v in {**head, **body}.items() if v is not None}
    rules = merge_rules()
    flat: Flat = {("tag",): ["compiled"]}
    for release in given:
        body = {k: v for k, v in release.items() if k != "tag"}
        ocid, date = release.get("ocid"), release.get("date")
        one: Flat = {}
        _flatten(body, rules, one, (), ())
        flat[("id",)] = f"{ocid}-{date}"
        flat[("date",)] = date
        flat[("ocid",)] = ocid
        flat.update(one)
    return _unflatten(flat)


def versioned_release(releases: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The versioned release of one ocid's releases, given oldest first, as ``ocdsmerge``
    makes it: every field's values in turn, each with the id, date and tag of the release
    that gave it (a value repeated by a later release is not a new version)."""
    rules = merge_rules()
    flat: Flat = {}
    for release in releases:
        body = {k: v for k, v in release.items() if k != "tag"}
        one: Flat = {}
        _flatten(body, rules, one, (), ())
        one.pop(("ocid",), None)
        flat[("ocid",)] = release.get("ocid")
        for key, value in one.items():
            history = flat.get(key)
            if history is not None and (
                not isinstance(history, list) or value == history[-1]["value"]
            ):
                continue
            flat.setdefault(key, []).append(
                {
                    "releaseID": release.get("id"),
                    "releaseDate": release.get("date"),
                    "releaseTag": release.get("tag"),
                    "value": value,
                }
            )
    return _unflatten(flat)


def merge_releases(releases: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Compile releases (oldest first) into one compiled release (:func:`compile_releases`)."""
    return compile_releases(releases)


# Scalars of one type compare with == exactly as :func:`same_json` compares them.
_PLAIN = frozenset({str, int, bool, float, type(None)})
# Values :func:`_diff` only compares (never containers): the JSON scalars and Decimal.
_LEAF = _PLAIN | {Decimal}
# An int of fewer digits than this converts to text whatever ``sys.set_int_max_str_digits``
# allows (at least 640 digits): :func:`same_json` may compare it with == instead.
_SHORT_INT = 10**600


def same_json(a: Any, b: Any) -> bool:
    """Equality of JSON values, numbers compared by value (1 == 1.0 == Decimal('1.00'))."""
    kind, other = type(a), type(b)
    if kind is other and kind in _PLAIN:
        return bool(a == b)
    if kind is list and other is list:  # (as the general way below, without a generator)
        if len(a) != len(b):
            return False
        for x, y in zip(a, b, strict=True):
            if type(x) is type(y) and type(x) in _PLAIN:
                if x != y:
                    return False
            elif not same_json(x, y):
                return False
        return True
    if (kind is Decimal or (kind is int and -_SHORT_INT < a < _SHORT_INT)) and (
        other is Decimal or (other is int and -_SHORT_INT < b < _SHORT_INT)
    ):  # exact numbers (amounts): == compares them as the Decimals of their texts below do
        return bool(a == b)
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float | Decimal) and isinstance(b, int | float | Decimal):
        return Decimal(str(a)) == Decimal(str(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


Overrides = list[tuple[Path, Any]]
# The steps to a value while :func:`leftover_and_overrides` walks: (the steps to its parent,
# its key or {"id": ID}), None at the top; a list (:func:`_steps`) only for an override.
Chain = tuple[Any, Any] | None


def leftover_and_overrides(
    original: Mapping[str, Any], generated: Mapping[str, Any], *, skip: Iterable[str] = ()
) -> tuple[dict[str, Any], list[tuple[Path, Any]]]:
    """(leftover, overrides) of ``original`` against ``generated``; see the module docstring."""
    overrides: Overrides = []
    skipped = NOT_SPLIT | frozenset(skip)
    top = {k: v for k, v in original.items() if k not in skipped}
    leftover = _diff(top, generated, None, overrides)
    return (leftover if isinstance(leftover, dict) else {}), overrides


def _steps(chain: Chain) -> Path:
    """The path (a new list) of a :data:`Chain`."""
    path: Path = []
    while chain is not None:
        chain, step = chain
        path.append(step)
    path.reverse()
    return path


# The walk of :func:`leftover_and_overrides` is an import's largest cost: the fields of the
# usual types are told apart in the loop of :func:`_diff_object` (as :func:`_diff` would
# tell them) rather than by a call of :func:`_diff` each.


def _diff(orig: Any, gen: Any, chain: Chain, overrides: Overrides) -> Any:
    """What of ``orig`` ``gen`` lacks (MISSING if nothing); the values of ``orig`` that
    ``gen`` holds otherwise are added to ``overrides``."""
    if isinstance(orig, dict) and isinstance(gen, dict):
        return _diff_object(orig, gen, chain, overrides)
    if isinstance(orig, list) and is_id_list(orig) and (by_id := _by_id(gen)) is not None:
        return _diff_items(orig, by_id, chain, overrides)
    if not same_json(orig, gen):
        overrides.append((_steps(chain), orig))
    return MISSING


def _diff_object(
    orig: dict[str, Any], gen: dict[str, Any], chain: Chain, overrides: Overrides
) -> Any:
    """:func:`_diff` of two objects."""
    rest: dict[str, Any] = {}
    for key, value in orig.items():
        if key not in gen:
            rest[key] = value
            continue
        other = gen[key]
        kind = type(value)
        if kind is type(other) and kind in _PLAIN:  # two scalars (most fields)
            if value != other:
                overrides.append((_steps((chain, key)), value))
            continue
        if kind is dict and type(other) is dict:
            sub = _diff_object(value, other, (chain, key), overrides)
        elif kind is list and is_id_list(value) and (by_id := _by_id(other)) is not None:
            sub = _diff_items(value, by_id, (chain, key), overrides)
        elif kind is list or kind in _LEAF:  # not walked into: compared, as _diff does
            if not same_json(value, other):
                overrides.append((_steps((chain, key)), value))
            continue
        else:  # subclasses of dict or list, other types
            sub = _diff(value, other, (chain, key), overrides)
        if sub is not MISSING:
            rest[key] = sub
    return rest if rest else MISSING


def _by_id(value: Any) -> dict[str, dict[str, Any]] | None:
    """The items of ``value`` by id as text (the last of each) if it is an array of objects
    with ids (:func:`is_id_list`), else None: in one walk when the ids are texts (most)."""
    if not isinstance(value, list) or not value:
        return None
    found: dict[str, dict[str, Any]] = {}
    texts = True
    for x in value:
        if not isinstance(x, dict):
            return None
        ident = x.get("id")
        if ident is None:
            return None
        if type(ident) is str and type(x) is dict:
            found[ident] = x
        else:
            texts = False
    if not texts:  # str() of the ids once the array is known to be one of objects with ids
        found = {str(x["id"]): x for x in value}
    return found


def _diff_items(
    orig: list[dict[str, Any]], by_id: dict[str, dict[str, Any]], chain: Chain, overrides: Overrides
) -> Any:
    """:func:`_diff` of two arrays of objects with ids, given the generated one's items by
    id (:func:`_by_id`): items matched by id (as text)."""
    items: list[Any] = []
    for item in orig:
        ident = item["id"]
        k = ident if type(ident) is str else str(ident)
        if k in by_id:
            sub = _diff_object(item, by_id[k], (chain, {"id": k}), overrides)
            if sub is not MISSING:
                items.append({"id": ident, **sub})
        else:
            items.append(item)
    return items if items else MISSING


def overlay(
    generated: dict[str, Any], leftover: Mapping[str, Any], *, copy: bool = True
) -> dict[str, Any]:
    """Fill what ``generated`` lacks from ``leftover`` (arrays of objects merged by id); the
    values taken are copies unless not ``copy`` (a ``leftover`` made for it)."""
    _overlay(generated, leftover, bool(copy))
    return generated


def _overlay(generated: dict[str, Any], leftover: Mapping[str, Any], copy: bool) -> None:
    for key, value in leftover.items():
        if key not in generated:
            generated[key] = copied(value) if copy and type(value) not in _PLAIN else value
            continue
        current = generated[key]
        if isinstance(current, dict):
            if isinstance(value, dict):
                _overlay(current, value, copy)
        elif (
            isinstance(current, list)
            and is_id_list(value)
            and (by_id := _by_id(current)) is not None
        ):
            for item in value:
                ident = item["id"]
                k = ident if type(ident) is str else str(ident)
                if k in by_id:
                    _overlay(by_id[k], item, copy)
                else:
                    current.append(copied(item) if copy else item)


def apply_overrides(release: dict[str, Any], overrides: Iterable[tuple[Path, Any]]) -> None:
    """Put the publisher's original values back where the mapping did not reproduce them."""
    for path, value in overrides:
        node: Any = release
        for step in path[:-1]:
            if isinstance(step, dict):  # an item of an array, by its id (as text)
                found: Any = MISSING
                if isinstance(node, list):
                    for x in node:
                        if isinstance(x, dict) and str(x.get("id")) == step["id"]:
                            found = x
                            break
                node = found
            elif isinstance(node, dict) and step in node:
                node = node[step]
            else:
                node = MISSING
            if node is MISSING:
                break
        last = path[-1] if path else None
        if node is MISSING or not isinstance(node, dict) or not isinstance(last, str):
            continue
        node[last] = value if type(value) in _PLAIN else copied(value)


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


def _plain_number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def storable(value: Any) -> Any:
    """JSON-column form: Decimals as int or float, tuples as lists (a new copy, made by the
    C JSON encoder and decoder: much faster than walking the value in Python)."""
    if isinstance(value, Decimal):
        return _plain_number(value)
    if not isinstance(value, dict | list | tuple):
        return value
    return json.loads(
        json.dumps(value, default=_plain_number, ensure_ascii=False, check_circular=False)
    )


def exact_copy(value: Any) -> Any:
    """``exact_decimals(storable(value))`` in one walk: a copy whose numbers are as they come
    back from the JSON column (whole numbers as int, others as the Decimal of their float)."""
    kind = type(value)
    # loops, not comprehensions: most objects and arrays are small, and a comprehension
    # costs a call (before Python 3.12)
    if kind is dict:
        out: dict[Any, Any] = {}
        for k, v in value.items():
            out[k] = v if type(v) in _KEPT else exact_copy(v)
        return out
    if kind is list or kind is tuple:
        items: list[Any] = []
        for v in value:
            items.append(v if type(v) in _KEPT else exact_copy(v))
        return items
    if kind is Decimal:
        return int(value) if value == value.to_integral_value() else Decimal(repr(float(value)))
    if kind is float:
        return Decimal(repr(value))
    return value


_KEPT = frozenset({str, int, bool, type(None)})  # what exact_copy leaves as it is


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
