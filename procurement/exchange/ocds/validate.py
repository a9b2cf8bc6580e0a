"""Offline JSON Schema checks against the OCDS schemas shipped in ``procurement/ocds/schemas``.

Every ``$ref`` (``https://standard.open-contracting.org/...``) resolves to a shipped file
through a :class:`referencing.Registry`; nothing is fetched from the network. The release
schemas are patched with the registry's own ``baltmet`` extension (shipped in ``extension/``,
declared in every exported package by :func:`extension_url`). Formats are checked as the Data
Review Tool checks them: ``date-time`` (RFC 3339, with a time-zone offset) and ``uri``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft4Validator, FormatChecker
from jsonschema.exceptions import ValidationError as SchemaError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from procurement.core.errors import BadInput

ENV_EXTENSION_URL = "PROCUREMENT_OCDS_EXTENSION_URL"
DEFAULT_EXTENSION_URL = (
    "https://registry.example.invalid/ocds/extensions/baltmet/v1.0/extension.json"
)
PATCHED = ("1.1/release-schema.json", "ppp-profile/release-schema.json")

_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s\"<>\\^`{|}]*$")
_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def date_time_ok(value: object) -> bool:
    """An RFC 3339 date-time (a date, a time and a time-zone offset) that exists."""
    if not isinstance(value, str):
        return True
    if not _DATE_TIME.match(value):
        return False
    try:
        dt.datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def uri_ok(value: object) -> bool:
    """An absolute URI (RFC 3986): a scheme, no spaces, percent signs escaping two hex digits."""
    if not isinstance(value, str):
        return True
    return bool(_URI.match(value)) and not _PERCENT.search(value)


FORMATS = FormatChecker(formats=())
FORMATS.checks("date-time")(date_time_ok)
FORMATS.checks("uri")(uri_ok)
_FORMAT_CHECKS: dict[str, Callable[[object], bool]] = {"date-time": date_time_ok, "uri": uri_ok}


def extension_url() -> str:
    """The URL exports give for the ``baltmet`` extension (``PROCUREMENT_OCDS_EXTENSION_URL``
    if the registry publishes the extension's files elsewhere)."""
    return os.environ.get(ENV_EXTENSION_URL) or DEFAULT_EXTENSION_URL


def shipped_extension(url: str) -> str | None:
    """The folder of the shipped files of an extension URL (offline), None if not shipped."""
    return "extension" if url in (DEFAULT_EXTENSION_URL, extension_url()) else None


def extension_file(name: str) -> dict[str, Any]:
    """A shipped file of the ``baltmet`` extension: ``extension.json``, ``release-schema.json``."""
    text = (
        resources.files("procurement.exchange.ocds").joinpath("extension", name).read_text("utf-8")
    )
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def merge_patch(target: Any, patch: Any) -> Any:
    """JSON Merge Patch (RFC 7386), as OCDS applies extensions' schema patches."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


SCHEMA_FILES = (
    "1.1/release-package-schema.json",
    "1.1/release-schema.json",
    "1.1/record-package-schema.json",
    "1.1/versioned-release-validation-schema.json",
    "ppp-profile/release-package-schema.json",
    "ppp-profile/release-schema.json",
)


@cache
def schema(name: str) -> dict[str, Any]:
    """A shipped schema by its path under ``schemas/``, e.g. ``1.1/release-schema.json``."""
    text = resources.files("procurement.exchange.ocds").joinpath("schemas", name).read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    if name in PATCHED:  # the release schemas with the baltmet extension
        patched: dict[str, Any] = merge_patch(loaded, extension_file("release-schema.json"))
        return patched
    return loaded


@cache
def registry() -> Registry[Any]:
    pairs = []
    for name in SCHEMA_FILES:
        contents = schema(name)
        pairs.append((contents["id"], Resource.from_contents(contents, DRAFT4)))
    return Registry().with_resources(pairs)


@cache
def validator(name: str) -> Draft4Validator:
    return Draft4Validator(schema(name), registry=registry(), format_checker=FORMATS)


def release_schemas(*, ppp: bool) -> list[str]:
    names = ["1.1/release-schema.json"]
    if ppp:
        names.append("ppp-profile/release-schema.json")
    return names


def release_validators(*, ppp: bool) -> list[Draft4Validator]:
    return [validator(n) for n in release_schemas(ppp=ppp)]


def dotted(path: Iterable[Any]) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out or "(release)"


def release_errors(release: Mapping[str, Any], *, ppp: bool) -> Iterator[SchemaError]:
    """Schema errors of one release: OCDS 1.1, and the OCDS for PPPs profile when ``ppp``."""
    seen: set[tuple[str, str]] = set()
    for check in release_validators(ppp=ppp):
        for error in check.iter_errors(release):
            key = (dotted(error.absolute_path), error.message)
            if key not in seen:
                seen.add(key)
                yield error


# --- checking only some values of a release ----------------------------------------------------
#
# A release the registry writes for clean values is valid (the tests validate every export).
# When a publisher's fields are laid over it, only the values they put in can make it invalid:
# each is checked against the part of the schema that applies to it. The release schemas use
# no combinators (allOf, anyOf, oneOf, not) and no additionalProperties, so a value's validity
# depends only on the schemas of its path (properties, patternProperties, items); arrays with
# uniqueItems are checked whole.

Step = str | Mapping[str, Any]  # an object's key, or {"id": ID}: the item of an array with that id


def _resolve(name: str, node: Mapping[str, Any]) -> Mapping[str, Any]:
    root = schema(name)
    while "$ref" in node:
        ref = str(node["$ref"])
        if not ref.startswith("#/"):
            return node  # not in this file: validated as it is (the registry resolves it)
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part]
        node = target
    return node


@cache
def _sub_validator(name: str, pointer: str) -> Draft4Validator:
    """A validator for the sub-schema at ``pointer`` (a path of object keys) of ``name``."""
    node: Any = schema(name)
    for part in json.loads(pointer):
        node = node[part]
    uri = f"urn:procurement:ocds:{name}:{pointer}"
    wrapper = {**node, "id": uri, "definitions": schema(name)["definitions"]}
    resource = Resource.from_contents(wrapper, DRAFT4)
    return Draft4Validator(
        wrapper,
        registry=registry().with_resource(uri, resource).crawl(),
        format_checker=FORMATS,
    )


def _pointer_of(name: str, node: Mapping[str, Any]) -> str:
    return _pointers(name)[id(node)]


@cache
def _pointers(name: str) -> dict[int, str]:
    """Every sub-schema of ``name`` by its identity: its path as JSON text."""
    found: dict[int, str] = {}

    def walk(node: Any, path: list[str]) -> None:
        if isinstance(node, dict):
            found.setdefault(id(node), json.dumps(path))
            for key, value in node.items():
                if isinstance(value, dict | list):
                    walk(value, [*path, key])
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, [*path, str(i)])

    walk(schema(name), [])
    return found


def _distinct_ids(items: list[Any]) -> bool:
    """Items that are objects with distinct text ids: no two can be equal (uniqueItems)."""
    ids = [item.get("id") if isinstance(item, dict) else None for item in items]
    return all(isinstance(i, str) for i in ids) and len(set(ids)) == len(ids)


def _checks(
    name: str,
    node: Mapping[str, Any],
    value: Any,
    path: list[Step],
    out: dict[tuple[str, int], Any],
) -> None:
    """Collect the (sub-schema, value) pairs that decide whether the value at ``path`` is
    valid where it stands."""
    node = _resolve(name, node)
    if not path:
        out[(_pointer_of(name, node), id(value))] = value
        return
    step, rest = path[0], path[1:]
    if isinstance(step, Mapping):
        items = node.get("items")
        if (
            not isinstance(value, list)
            or not isinstance(items, dict)
            or (node.get("uniqueItems") and not _distinct_ids(value))
        ):
            _checks(name, node, value, [], out)
            return
        for item in value:
            if isinstance(item, dict) and str(item.get("id")) == str(step.get("id")):
                _checks(name, items, item, rest, out)
        return
    if not isinstance(value, dict) or step not in value:
        return  # not there: nothing was put in
    properties = node.get("properties") or {}
    if step in properties:
        _checks(name, properties[step], value[step], rest, out)
    for pattern, sub in (node.get("patternProperties") or {}).items():
        if re.search(pattern, step):
            _checks(name, sub, value[step], rest, out)


# Keywords the validator does not check (formats other than date-time and uri included).
_ANNOTATIONS = frozenset(
    {
        "title", "description", "codelist", "openCodelist", "default", "deprecated",
        "wholeListMerge", "omitWhenMerged", "versionId", "$schema", "id",
    }
)  # fmt: skip
_PLAIN_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "null": (type(None),),
    "array": (list,),
    "object": (dict,),
    "boolean": (bool,),
}
Check = Callable[[Any], bool | None]  # valid, not valid, or None: ask jsonschema


def _plain(node: Any) -> Check | None:
    """A quick check of a sub-schema made only of ``type`` (strings, nulls, arrays, objects,
    booleans, whole numbers), ``enum`` of strings, ``items``, ``properties`` and
    ``required``: what most OCDS fields are. None for anything else (jsonschema decides).
    The check answers None for a value it cannot judge exactly (e.g. a decimal number)."""
    if not isinstance(node, dict) or not set(node) - _ANNOTATIONS <= {
        "type", "enum", "items", "properties", "required", "format",
    }:  # fmt: skip
        return None
    checks: list[Check] = []
    fmt = _FORMAT_CHECKS.get(str(node.get("format")))
    if fmt is not None:
        checks.append(fmt)
    if "type" in node:
        names = node["type"] if isinstance(node["type"], list) else [node["type"]]
        if not all(n in _PLAIN_TYPES or n == "integer" for n in names):
            return None
        exact = tuple(t for n in names if n in _PLAIN_TYPES for t in _PLAIN_TYPES[n])
        integer = "integer" in names

        def of_type(value: Any) -> bool | None:
            kind = type(value)
            if kind in exact:
                return True
            if kind is int:
                return integer
            return False if kind in (str, type(None), list, dict, bool) else None

        checks.append(of_type)
    if "enum" in node:
        allowed = node["enum"]
        if not all(e is None or isinstance(e, str) for e in allowed):
            return None
        members = frozenset(allowed)
        checks.append(lambda value: (value is None or type(value) is str) and value in members)
    if "items" in node:
        item = _plain(node["items"])
        if item is None:
            return None

        def items(value: Any) -> bool | None:
            return _all(item(x) for x in value) if type(value) is list else True

        checks.append(items)
    if "properties" in node:
        found = {k: _plain(sub) for k, sub in node["properties"].items()}
        subs = {k: check for k, check in found.items() if check is not None}
        if len(subs) != len(found):
            return None

        def properties(value: Any) -> bool | None:
            if type(value) is not dict:
                return True
            return _all(subs[k](x) for k, x in value.items() if k in subs)

        checks.append(properties)
    if "required" in node:
        required = list(node["required"])
        checks.append(lambda value: type(value) is not dict or all(k in value for k in required))
    return lambda value: _all(check(value) for check in checks)


def _all(results: Iterable[bool | None]) -> bool | None:
    """False if any is False, else None if any is None, else True."""
    unknown = False
    for result in results:
        if result is False:
            return False
        if result is None:
            unknown = True
    return None if unknown else True


@cache
def _quick(name: str, pointer: str) -> Check | None:
    node: Any = schema(name)
    for part in json.loads(pointer):
        node = node[part]
    return _plain(node)


def value_valid(name: str, pointer: str, value: Any) -> bool:
    """Whether ``value`` is valid against the sub-schema at ``pointer`` of ``name``."""
    quick = _quick(name, pointer)
    verdict = quick(value) if quick is not None else None
    if verdict is None:
        return bool(_sub_validator(name, pointer).is_valid(value))
    return bool(verdict)


def values_valid(release: Mapping[str, Any], paths: Iterable[list[Step]], *, ppp: bool) -> bool:
    """Whether the values at ``paths`` of ``release`` are valid where they stand (the rest of
    the release is taken as valid)."""
    wanted = list(paths)
    for name in release_schemas(ppp=ppp):
        checks: dict[tuple[str, int], Any] = {}
        root = schema(name)
        for path in wanted:
            _checks(name, root, release, path, checks)
        for (pointer, _), value in checks.items():
            if not value_valid(name, pointer, value):
                return False
    return True


def check_release(release: Mapping[str, Any], *, ppp: bool, case: str) -> None:
    """Raise BadInput naming the case and the path of the first schema error."""
    errors = sorted(release_errors(release, ppp=ppp), key=lambda e: list(map(str, e.path)))
    if errors:
        first = errors[0]
        profile = "OCDS 1.1 / OCDS for PPPs" if ppp else "OCDS 1.1"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise BadInput(
            f"case {case}: the OCDS release is not valid {profile} at "
            f"{dotted(first.absolute_path)}: {first.message[:200]}{more}; nothing was written"
        )


def check_package_header(header: Mapping[str, Any], first_release: Mapping[str, Any]) -> None:
    """Check the package metadata (with one release standing in for all of them)."""
    package = {**header, "releases": [first_release]}
    errors = [
        e
        for e in validator("1.1/release-package-schema.json").iter_errors(package)
        if not (e.absolute_path and e.absolute_path[0] == "releases")
    ]
    if errors:
        first = errors[0]
        raise BadInput(
            f"the OCDS package metadata is not valid at {dotted(first.absolute_path)}: "
            f"{first.message[:200]}; check the PROCUREMENT_OCDS_* settings"
        )
