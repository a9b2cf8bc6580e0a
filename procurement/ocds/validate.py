"""Offline JSON Schema checks against the OCDS schemas shipped in ``procurement/ocds/schemas``.

Every ``$ref`` (``https://standard.open-contracting.org/...``) resolves to a shipped file
through a :class:`referencing.Registry`; nothing is fetched from the network.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft4Validator
from jsonschema.exceptions import ValidationError as SchemaError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from procurement.errors import BadInput

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
    text = resources.files("procurement.ocds").joinpath("schemas", name).read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
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
    return Draft4Validator(schema(name), registry=registry())


def release_validators(*, ppp: bool) -> list[Draft4Validator]:
    names = ["1.1/release-schema.json"]
    if ppp:
        names.append("ppp-profile/release-schema.json")
    return [validator(n) for n in names]


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
