"""OCDS exchange: export cases as OCDS 1.1 release packages, import any publisher's OCDS.

- :mod:`.codelists`: the registry's codes <-> OCDS codes (and publishers' words for them).
- :mod:`.to_ocds`: a case's values -> an OCDS release.
- :mod:`.from_ocds`: an OCDS release (any publisher's) -> the registry's values.
- :mod:`.merge`: the OCDS merge rules, and the split of a publisher's release
  into what the registry models and what it keeps aside (``Case.ocds_extra``).
- :mod:`.exporter`: ``export --format ocds`` (streamed release packages).
- :mod:`.importer`: ``import FILE`` for OCDS (streamed, idempotent), built on
  :mod:`.reader` (streaming parse), :mod:`.spill` (releases parked by ocid in a temporary
  SQLite file) and :mod:`.compile` (an ocid's releases merged into one).
- :mod:`.validate`: offline JSON Schema checks against the shipped schemas.
- :mod:`.detect`: format and encoding sniffing.

Fields OCDS has no place for travel in one namespaced extension object, ``"baltmet"``.
"""

from __future__ import annotations

EXTENSION = "baltmet"
