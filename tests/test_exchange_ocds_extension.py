"""The ``baltmet`` extension: written properly, shipped, declared in every export, exports
valid against the patched schema with formats checked as the Data Review Tool does; the
extensions of imported packages kept and declared again."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4
from sqlalchemy.orm import Session

import procurement.exchange.ocds as ocds_package
from procurement.core.errors import BadInput
from procurement.exchange.ocds.validate import DEFAULT_EXTENSION_URL, check_release
from tests.helpers import OCDS_SCHEMAS, add_varied_cases, assert_ok, closing

EXTENSION_DIR = Path(ocds_package.__file__).parent / "extension"
DATA = Path(__file__).parent / "data"
BID_EXTENSION = (
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/master/"
    "extension.json"
)

# Formats as the Data Review Tool checks them (RFC 3339 date-time with an offset; a URI with
# a scheme and no spaces), written here independently of the product's checker.
CHECKER = FormatChecker(formats=())


@CHECKER.checks("date-time")
def _date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    pattern = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)"
    if not re.fullmatch(pattern, value):
        return False
    try:
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


@CHECKER.checks("uri")
def _uri(value: object) -> bool:
    return not isinstance(value, str) or bool(re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*:\S+", value))


def merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return patch
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def patched_package_validator(extensions: list[str]) -> Draft4Validator:
    """The official release package schema with the release schema patched by the
    extensions the package declares, each resolved offline to the files the program ships."""
    shipped = {DEFAULT_EXTENSION_URL: EXTENSION_DIR}
    release = json.loads((OCDS_SCHEMAS / "1.1" / "release-schema.json").read_text("utf-8"))
    for url in extensions:
        if url in shipped:
            meta = json.loads((shipped[url] / "extension.json").read_text("utf-8"))
            for name in meta["schemas"]:
                patch = json.loads((shipped[url] / name).read_text("utf-8"))
                release = merge_patch(release, patch)
    package = json.loads((OCDS_SCHEMAS / "1.1" / "release-package-schema.json").read_text("utf-8"))
    registry: Registry[Any] = Registry().with_resources(
        [(release["id"], Resource.from_contents(release, DRAFT4))]
    )
    return Draft4Validator(package, registry=registry, format_checker=CHECKER)


def assert_valid_with_extension(package: dict[str, Any]) -> None:
    assert package["extensions"][0] == DEFAULT_EXTENSION_URL
    errors = list(patched_package_validator(package["extensions"]).iter_errors(package))
    assert not errors, [(list(e.absolute_path), e.message) for e in errors[:5]]


def leaf_paths(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    if isinstance(value, dict):
        for key, sub in value.items():
            yield (*path, key)
            yield from leaf_paths(sub, (*path, key))
    elif isinstance(value, list):
        for item in value:
            yield from leaf_paths(item, path)


def described(schema: dict[str, Any], path: tuple[str, ...], defs: dict[str, Any]) -> bool:
    node: Any = schema
    for key in path:
        if "$ref" in node:
            node = defs[node["$ref"].rsplit("/", 1)[1]]
        if "items" in node:
            node = node["items"]
        props = node.get("properties") or {}
        if key not in props:
            return False
        node = props[key]
    return bool(node.get("description")) or "$ref" in node


def test_the_extension_is_written_as_ocds_extensions_are() -> None:
    meta = json.loads((EXTENSION_DIR / "extension.json").read_text("utf-8"))
    assert meta["name"]["en"] and meta["description"]["en"]
    assert meta["documentation"]["en"].startswith("https://")
    assert meta["compatibility"] == ["1.1"]
    assert meta["schemas"] == ["release-schema.json"]
    patch = json.loads((EXTENSION_DIR / "release-schema.json").read_text("utf-8"))
    baltmet = patch["properties"]["baltmet"]
    assert baltmet["type"] == "object" and baltmet["description"]
    scale = patch["definitions"]["Organization"]["properties"]["details"]["properties"]["scale"]
    assert scale["description"]


def test_exports_declare_the_extension_and_validate_with_formats(
    session: Session, run: Callable[..., Result], tmp_path: Path
) -> None:
    add_varied_cases(session)
    run = closing(session, run)
    for extra in ([], ["--releases"]):
        out = tmp_path / f"export{len(extra)}.json"
        assert_ok(run("export", "--format", "ocds", "--validate", *extra, "-o", str(out)))
        package = json.loads(out.read_text("utf-8"))
        assert package["extensions"] == [DEFAULT_EXTENSION_URL]
        assert_valid_with_extension(package)
        # every baltmet field an export carries is described by the extension's patch
        patch = json.loads((EXTENSION_DIR / "release-schema.json").read_text("utf-8"))
        defs = json.loads((OCDS_SCHEMAS / "1.1" / "release-schema.json").read_text("utf-8"))
        seen = {p for r in package["releases"] for p in leaf_paths(r["baltmet"])}
        assert {"ppp", "outcome", "origin", "innovationApproaches"} <= {p[0] for p in seen}
        missing = [
            p for p in seen if not described(patch["properties"]["baltmet"], p, defs["definitions"])
        ]
        assert not missing, missing


def test_imported_extensions_are_declared_again_and_formats_caught_on_import(
    session: Session, run: Callable[..., Result], tmp_path: Path
) -> None:
    run = closing(session, run)
    package = json.loads((DATA / "ocds-merge" / "tender.json").read_text("utf-8"))
    release = package["releases"][0]
    release["tender"]["documents"].append(
        {"id": "d2", "title": "Specs", "url": "see the portal", "datePublished": "yesterday"}
    )
    release["tender"]["tenderPeriod"]["endDate"] = "2025-03-14T12:00:00"  # no offset
    path = tmp_path / "bad-formats.json"
    path.write_text(json.dumps(package), "utf-8")
    result = assert_ok(run("import", str(path), "--city", "CPH"))
    where = (
        "warning: bad-formats.json, releases[0], ocid ocds-b5fd17-0a1b2c3d, "
        "release ocds-b5fd17-0a1b2c3d-tender-1"
    )
    for expected in (
        f"{where}, tender.documents[1].url: not valid OCDS ('see the portal' is not a 'uri'); "
        "kept aside in baltmet.rejected",
        f"{where}, tender.documents[1].datePublished: not valid OCDS ('yesterday' is not a "
        "'date-time'); kept aside in baltmet.rejected",
        f"{where}, tender.tenderPeriod.endDate: not valid OCDS ('2025-03-14T12:00:00' is not a "
        "'date-time'); kept aside in baltmet.rejected",
    ):
        assert expected in result.output.splitlines(), expected
    out = tmp_path / "export.json"
    assert_ok(run("export", "--format", "ocds", "--validate", "-o", str(out)))
    exported = json.loads(out.read_text("utf-8"))
    assert exported["extensions"] == [DEFAULT_EXTENSION_URL, BID_EXTENSION]
    assert_valid_with_extension(exported)
    (r,) = exported["releases"]
    assert "endDate" not in r["tender"]["tenderPeriod"]
    assert {"path": "tender.documents[1].url", "value": "see the portal"} in r["baltmet"][
        "rejected"
    ]


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        (("date",), "yesterday", "'yesterday' is not a 'date-time'"),
        (("date",), "2025-01-31T10:00:00", "is not a 'date-time'"),
        (("tender", "tenderPeriod", "startDate"), "2025-02-30T00:00:00Z", "not a 'date-time'"),
        (("tender", "documents"), [{"id": "1", "url": "see the portal"}], "is not a 'uri'"),
        (("baltmet", "sector"), "space", "'space' is not one of"),
    ],
)
def test_validate_checks_formats_and_the_extension(
    path: tuple[str, ...], value: Any, problem: str
) -> None:
    release: dict[str, Any] = {
        "ocid": "ocds-abc123-1",
        "id": "1",
        "date": "2025-01-31T10:00:00Z",
        "tag": ["tender"],
        "initiationType": "tender",
        "tender": {"id": "t"},
        "baltmet": {"reference": "HEL-2025-001", "city": "HEL", "sector": "transport"},
    }
    check_release(release, ppp=False, case="HEL-2025-001")  # valid as it is
    node = release
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value
    with pytest.raises(BadInput, match=re.escape(problem)):
        check_release(release, ppp=False, case="HEL-2025-001")


def test_the_extension_s_codes_are_the_registry_s() -> None:
    from procurement.core import codelists as cl

    patch = json.loads((EXTENSION_DIR / "release-schema.json").read_text("utf-8"))
    baltmet = patch["properties"]["baltmet"]["properties"]
    ppp, outcome = baltmet["ppp"]["properties"], baltmet["outcome"]["properties"]
    for enum, codelist in (
        (baltmet["sector"]["enum"], cl.Sector),
        (baltmet["innovationApproaches"]["items"]["enum"], cl.InnovationApproach),
        (ppp["model"]["enum"], cl.PppModel),
        (ppp["paymentMechanism"]["enum"], cl.PaymentMechanism),
        (ppp["status"]["enum"], cl.PppStatus),
        (outcome["innovationAchieved"]["enum"], cl.InnovationAchieved),
    ):
        assert [e for e in enum if e is not None] == [c.value for c in codelist]
