"""The one writer of cases.

Every way a case comes in (guided entry, flags, ``--from``, the editor, spreadsheets, OCDS and
every future importer) creates, changes and removes cases here, so each is validated once
(:mod:`procurement.cases.validate`), compared once (:func:`procurement.cases.values.diff`) and
recorded once (:mod:`.audit`, one clock: :func:`procurement.core.clock.now`).

- :mod:`.create`: new cases, one or a batch (SQLAlchemy Core, set-based inserts); a case
  validated and waiting to be written is a :class:`.prepared.Prepared` (no database).
- :mod:`.update`: changes to a stored case, its PPP details and outcome; removal and restore.
- :mod:`.audit`: the audit events.
- :mod:`.references`: ``CITY-YEAR-NNN`` references and OCDS ids, handed out by the database
  (which ones a new case may take: :mod:`.identity`, no database).
"""
