"""OCDS exchange: export cases as OCDS 1.1 release packages, import any publisher's OCDS.

- :mod:`.mapping`: the registry vocabulary <-> an OCDS release (both ways).
- :mod:`.merge`: the OCDS merge rules, and the split of a publisher's release
  into what the registry models and what it keeps aside (``Case.ocds_extra``).
- :mod:`.exporter`: ``export --format ocds`` (streamed release packages).
- :mod:`.importer`: ``import FILE`` for OCDS (streamed, idempotent).
- :mod:`.validate`: offline JSON Schema checks against the shipped schemas.
- :mod:`.detect`: format and encoding sniffing.

Fields OCDS has no place for travel in one namespaced extension object, ``"baltmet"``.
"""

from __future__ import annotations

EXTENSION = "baltmet"
