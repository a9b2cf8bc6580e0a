"""eForms notices from TED (Tenders Electronic Daily) into the registry.

- :mod:`.sources`: files, folders, zip and tar archives read one notice at a time; the one
  safe XML parser (no DTD, no entities, no network).
- :mod:`.notice`: a notice's fields, at the XPaths of the eForms SDK's field catalogue.
- :mod:`.codes`: the tables mapping every eForms code the registry uses to its vocabulary.
- :mod:`.compile`: all notices of a procedure (BT-04) compiled into one case.
- :mod:`.records`: the notices kept in the release store (``source_records``).
- :mod:`.importer`: the import, written through :mod:`procurement.cases.store`.

The code lists in ``codelists/`` are the eForms SDK's (CC BY 4.0, "eForms SDK, Publications
Office of the European Union").
"""

from procurement.exchange.eforms.importer import import_notices

__all__ = ["import_notices"]
