"""OCDS 1.0 → 1.1: a publisher's 1.0 releases upgraded before they are kept and mapped.

The rules are those of ``ocdskit upgrade 1.0:1.1`` (``ocdskit.upgrade.upgrade_10_11``), written
here so that ocdskit stays a development dependency (the tests compare the two):

- **organisations**: ``buyer``, ``tender.procuringEntity``, ``tender.tenderers`` and
  ``awards.suppliers`` were whole organisation objects in 1.0. Each becomes a reference
  (``{"id", "name"}``) to an entry of ``parties`` holding the organisation, with its roles
  (``buyer``, ``procuringEntity``, ``tenderer``, ``supplier``). An organisation without an
  ``id`` is given the one ocdskit derives: the MD5 of its name, identifier (scheme, id, legal
  name, URI), address and contact point, so the same organisation in several roles (or
  releases) is one party with several roles;
- **amendments**: ``amendment`` under ``tender``, ``awards`` and ``contracts`` moves into the
  ``amendments`` array;
- **transactions**: ``amount`` is renamed ``value``; ``providerOrganization`` and
  ``receiverOrganization`` (identifiers) become ``payer`` and ``payee`` references.

Two differences from ocdskit, both where ocdskit loses data or stops:

- ocdskit gives ``payer``/``payee`` references whose organisation it never adds to ``parties``
  (its docstring says it does): the identifier of the 1.0 transaction's organisation is lost.
  Here the organisation is added to ``parties`` (roles ``payer``/``payee``), unless
  ``payment_parties=False``, which gives exactly ocdskit's result;
- messy input ocdskit fails on (an organisation that is not an object, a transaction without
  ``amount``, an array that is not one...) is left as it is, reported to ``warn(field,
  message)``; nothing is made up.

Nothing else changes; deprecated 1.0 fields 1.1 still allows (``Amendment.changes``,
``Budget.source``, ``Milestone.documents``) are kept, as ocdskit keeps them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from hashlib import md5
from typing import Any

Warn = Callable[[str, str], None]

# The fields of a 1.0 organisation its derived id is made of, in ocdskit's order (see
# https://standard.open-contracting.org/1.0/en/schema/reference/#identifier).
_IDENTIFYING: tuple[tuple[str | None, tuple[str, ...]], ...] = (
    (None, ("name",)),
    ("identifier", ("scheme", "id", "legalName", "uri")),
    ("address", ("streetAddress", "locality", "region", "postalCode", "countryName")),
    ("contactPoint", ("name", "email", "telephone", "faxNumber", "url")),
)
_RELEASE_TOP = ("ocid", "id", "date", "tag", "initiationType", "parties")
_NOT_UPGRADED = "left as it is (not upgraded to OCDS 1.1)"


def is_1_0_package(package: Mapping[str, Any]) -> bool:
    """Whether a release or record package is OCDS 1.0: no ``version`` field (1.0 had none;
    1.1 requires one), or ``"1.0"``."""
    return "version" not in package or package["version"] == "1.0"


def minor_version(data: Mapping[str, Any]) -> str:
    """The OCDS minor version of a package, record or release, as ocdskit tells it: a
    package's ``version`` (1.0 without one); a release or record is 1.1 if it (or one of its
    releases) has ``parties``."""
    if _is_package(data):
        if is_1_0_package(data):
            return "1.0"
        version = data["version"]
        return version if isinstance(version, str) else "unknown"
    if _is_record(data):
        releases = data["releases"]
        if isinstance(releases, list) and any(
            isinstance(r, dict) and "parties" in r for r in releases
        ):
            return "1.1"
        return "1.0"
    return "1.1" if "parties" in data else "1.0"


def _is_record_package(data: Mapping[str, Any]) -> bool:
    return "records" in data


def _is_release_package(data: Mapping[str, Any]) -> bool:
    return "releases" in data and "ocid" not in data


def _is_package(data: Mapping[str, Any]) -> bool:
    return _is_record_package(data) or _is_release_package(data)


def _is_record(data: Mapping[str, Any]) -> bool:
    return "releases" in data and "ocid" in data


def upgrade_10_11(
    data: dict[str, Any],
    *,
    reorder: bool = True,
    payment_parties: bool = True,
    warn: Warn | None = None,
) -> dict[str, Any]:
    """Upgrade a release package, record package, record or release from 1.0 to 1.1, in
    place (and return it), if it is 1.0 (:func:`minor_version`); else return it unchanged.

    ``reorder``: identifying fields (``uri``, ``version``; ``ocid``, ``id``... ``parties``;
    a party's ``id`` and ``roles``) come first, as ocdskit puts them."""
    if minor_version(data) != "1.0":
        return data
    if _is_package(data):
        data["version"] = "1.1"
        _move_to_top(data, ("uri", "version"), reorder=reorder)
    options: dict[str, Any] = {
        "reorder": reorder,
        "payment_parties": payment_parties,
        "warn": warn,
    }
    if _is_record_package(data):
        for _, record in _indexed(data["records"]):
            upgrade_record(record, **options)
    elif _is_release_package(data):
        for _, release in _indexed(data["releases"]):
            upgrade_release(release, **options)
    elif _is_record(data):
        upgrade_record(data, **options)
    else:
        upgrade_release(data, **options)
    return data


def upgrade_record(
    record: dict[str, Any],
    *,
    reorder: bool = True,
    payment_parties: bool = True,
    warn: Warn | None = None,
) -> None:
    """Upgrade a 1.0 record's releases and compiled release, in place."""
    options: dict[str, Any] = {
        "reorder": reorder,
        "payment_parties": payment_parties,
        "warn": warn,
    }
    if "releases" in record:
        for _, release in _indexed(record["releases"]):
            upgrade_release(release, **options)
    if isinstance(record.get("compiledRelease"), dict):
        upgrade_release(record["compiledRelease"], **options)


def upgrade_release(
    release: dict[str, Any],
    *,
    reorder: bool = True,
    payment_parties: bool = True,
    warn: Warn | None = None,
) -> None:
    """Upgrade one 1.0 release (or compiled release), in place: organisations, amendments,
    transactions."""
    say: Warn = warn or (lambda field, message: None)
    _upgrade_parties(release, reorder, say)
    _upgrade_amendments(release)
    _upgrade_transactions(release, reorder, payment_parties, say)


# --- organisations ---------------------------------------------------------------------


def _upgrade_parties(release: dict[str, Any], reorder: bool, warn: Warn) -> None:
    parties = _parties(release, warn)
    if parties is None:
        return
    if _in(release, "buyer"):
        release["buyer"] = _reference(parties, release["buyer"], "buyer", "buyer", reorder, warn)
    tender = release.get("tender")
    if isinstance(tender, dict):
        if _in(tender, "procuringEntity"):
            tender["procuringEntity"] = _reference(
                parties,
                tender["procuringEntity"],
                "procuringEntity",
                "tender.procuringEntity",
                reorder,
                warn,
            )
        _references(parties, tender, "tenderers", "tenderer", "tender", reorder, warn)
    awards = release.get("awards")
    if isinstance(awards, list):
        for i, award in enumerate(awards):
            if isinstance(award, dict):
                _references(parties, award, "suppliers", "supplier", f"awards[{i}]", reorder, warn)
    _fill_parties(release, parties, reorder)


def _references(
    parties: dict[Any, dict[str, Any]],
    parent: dict[str, Any],
    field: str,
    role: str,
    path: str,
    reorder: bool,
    warn: Warn,
) -> None:
    """Each organisation of ``parent[field]`` (tenderers, suppliers) made a reference."""
    if not _in(parent, field):
        return
    organisations = parent[field]
    if not isinstance(organisations, list):
        warn(f"{path}.{field}", f"not an array; {_NOT_UPGRADED}")
        return
    for i, organisation in enumerate(organisations):
        organisations[i] = _reference(
            parties, organisation, role, f"{path}.{field}[{i}]", reorder, warn
        )


def _fill_parties(
    release: dict[str, Any], parties: dict[Any, dict[str, Any]], reorder: bool
) -> None:
    """Append to ``parties`` the organisations it does not hold yet."""
    if not parties:
        return
    if "parties" not in release:
        release["parties"] = []
        _move_to_top(release, _RELEASE_TOP, reorder=reorder)
    elif release["parties"] is None:
        release["parties"] = []
    listed = release["parties"]
    for party in parties.values():
        if party not in listed:
            listed.append(party)


def _parties(release: Mapping[str, Any], warn: Warn) -> dict[Any, dict[str, Any]] | None:
    """The release's parties by id (an id derived for a party without one); None if its
    ``parties`` is something other than an array (organisations are then left where they
    are: there is no array to move them into)."""
    found: dict[Any, dict[str, Any]] = {}
    listed = release.get("parties")
    if listed is None:
        return found
    if not isinstance(listed, list):
        warn("parties", "not an array: the organisations are left where they are (not upgraded)")
        return None
    for party in listed:
        if isinstance(party, dict):
            found[_key(party["id"] if "id" in party else _derived_id(party))] = party
    return found


def _reference(
    parties: dict[Any, dict[str, Any]],
    organisation: Any,
    role: str,
    path: str,
    reorder: bool,
    warn: Warn,
) -> Any:
    """The reference to ``organisation`` (added to ``parties`` with ``role`` if new);
    something that is not an organisation object is returned as it is."""
    if not isinstance(organisation, dict):
        if organisation is not None:
            warn(path, f"not an organisation object; {_NOT_UPGRADED}")
        return organisation
    party = _copied(organisation)
    if "id" not in party:
        party["id"] = _derived_id(party)
        _move_to_top(party, ("id",), reorder=reorder)
    key = _key(party["id"])
    if key not in parties:
        parties[key] = party
    else:
        survivor = {k: v for k, v in parties[key].items() if k != "roles"}
        if any(k not in survivor or party[k] != survivor[k] for k in party):
            roles = parties[key].get("roles")
            warn(
                path,
                f"the organisation '{str(party['id'])[:80]}' differs from the one already in "
                f"parties (roles {json.dumps(roles, default=str)[:80]}); "
                "parties keeps the first (as ocdskit does)",
            )
    kept = parties[key]
    if "roles" not in kept:
        kept["roles"] = []
        _move_to_top(kept, ("id", "roles"), reorder=reorder)
    kept["roles"] = _as_list(kept["roles"])
    if role not in kept["roles"]:
        kept["roles"].append(role)
    reference: dict[str, Any] = {"id": party["id"]}
    if "name" in party:
        reference["name"] = party["name"]
    return reference


def _derived_id(party: Mapping[str, Any]) -> str:
    """ocdskit's id for an organisation without one: the MD5 of its identifying fields."""
    parts: list[bytes] = []
    for parent, fields in _IDENTIFYING:
        if parent is None:
            parts.extend(_bytes(party, f) for f in fields)
        elif parent in party:
            within = party[parent]
            parts.extend(_bytes(within if isinstance(within, dict) else {}, f) for f in fields)
    return md5(b"-".join(parts), usedforsecurity=False).hexdigest()


def _bytes(obj: Mapping[str, Any], field: str) -> bytes:
    return str(obj.get(field) or "").encode("utf-8")


def _key(party_id: Any) -> Any:
    """A dictionary key for a party id (an id that is an array or object: its JSON text)."""
    try:
        hash(party_id)
    except TypeError:
        return ("json", json.dumps(party_id, sort_keys=True, default=str))
    return party_id


def _as_list(roles: Any) -> list[Any]:
    """A party's roles as a list (ocdskit's ``_cast_as_list``: a string in a list, others
    sorted)."""
    if isinstance(roles, str):
        return [roles]
    if roles is None:
        return []
    if isinstance(roles, list | dict):
        try:
            return sorted(roles)
        except TypeError:  # values that do not compare (ocdskit stops here)
            return list(roles)
    return [roles]


# --- amendments ------------------------------------------------------------------------


def _upgrade_amendments(release: dict[str, Any]) -> None:
    if _in(release, "tender") and isinstance(release["tender"], dict):
        _upgrade_amendment(release["tender"])
    for field in ("awards", "contracts"):
        if _in(release, field):
            for _, block in _indexed(release[field]):
                _upgrade_amendment(block)


def _upgrade_amendment(block: dict[str, Any]) -> None:
    if "amendment" in block:
        amendments = block.setdefault("amendments", [])
        if amendments is None:
            block["amendments"] = amendments = []
        if not isinstance(amendments, list):
            return  # an amendments value that is not an array: both left as they are
        if block["amendment"] not in amendments:
            amendments.append(block["amendment"])
        del block["amendment"]


# --- transactions ----------------------------------------------------------------------


def _upgrade_transactions(
    release: dict[str, Any], reorder: bool, payment_parties: bool, warn: Warn
) -> None:
    parties = _parties(release, _quiet)
    if not _in(release, "contracts"):
        return
    for c, contract in _indexed(release["contracts"]):
        implementation = contract.get("implementation")
        if not isinstance(implementation, dict) or not _in(implementation, "transactions"):
            continue
        for t, transaction in _indexed(implementation["transactions"]):
            path = f"contracts[{c}].implementation.transactions[{t}]"
            if "value" not in transaction and "amount" in transaction:
                transaction["value"] = transaction["amount"]
                del transaction["amount"]
            for old, new in (("providerOrganization", "payer"), ("receiverOrganization", "payee")):
                if old not in transaction or new in transaction:
                    continue
                identifier = transaction[old]
                if parties is None:  # reported: parties is not an array
                    continue
                if not isinstance(identifier, dict):
                    if identifier is not None:
                        warn(f"{path}.{old}", f"not an identifier object; {_NOT_UPGRADED}")
                    continue
                organisation = {"identifier": identifier}
                if "legalName" in identifier:
                    organisation["name"] = identifier["legalName"]
                transaction[new] = _reference(
                    parties, organisation, new, f"{path}.{old}", reorder, warn
                )
                del transaction[old]
    if payment_parties and parties is not None:
        _fill_parties(release, parties, reorder)


# --- helpers ---------------------------------------------------------------------------


def _copied(value: Any) -> Any:
    """A copy of JSON data (objects and arrays copied all the way down; much faster than
    :func:`copy.deepcopy`, which the upgrade would spend most of its time in)."""
    if isinstance(value, dict):
        return {k: _copied(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copied(v) for v in value]
    return value


def _quiet(field: str, message: str) -> None:
    """A ``warn`` that says nothing (a problem already reported once)."""


def _in(obj: Mapping[str, Any], field: str) -> bool:
    return field in obj and obj[field] is not None


def _indexed(value: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    """The objects of an array with their positions (nothing if it is not an array)."""
    if isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, dict):
                yield i, item


def _move_to_top(data: dict[str, Any], fields: tuple[str, ...], *, reorder: bool) -> None:
    """Put ``fields`` (those present, in that order) first, the others after in their order."""
    if not reorder:
        return
    head = [f for f in fields if f in data]
    order = head + [k for k in data if k not in head]
    for key in order:
        data[key] = data.pop(key)
