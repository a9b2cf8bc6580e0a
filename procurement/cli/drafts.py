"""Drafts of guided ``case add``: the answers typed so far, kept when the officer leaves
without storing (Ctrl-C, end of input, a failure) and offered again by the next ``case add``.

One draft per database URL and user, a JSON file readable by its owner only (mode 0600) in
``drafts/`` of the user data folder: the folder of the default database (platformdirs
``user_data_dir("procurement")``), or ``$PROCUREMENT_DATA_DIR`` when set (tests use it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENV_DATA_DIR = "PROCUREMENT_DATA_DIR"
VERSION = 1


def data_dir() -> Path:
    """The user data folder: ``$PROCUREMENT_DATA_DIR``, else the default database's folder."""
    forced = os.environ.get(ENV_DATA_DIR, "").strip()
    if forced:
        return Path(forced).expanduser()
    from procurement.storage.engine import default_database_path

    return default_database_path().parent


def draft_path(url: str, user: str) -> Path:
    """Where the draft of ``user`` on the database ``url`` is kept."""
    key = hashlib.sha256(f"{url}\n{user}".encode()).hexdigest()[:16]
    return data_dir() / "drafts" / f"case-add-{key}.json"


def _is_answer(value: Any) -> bool:
    return value not in (None, "", [], {}) and not (isinstance(value, str) and not value.strip())


@dataclass(frozen=True)
class Draft:
    path: Path
    saved_at: dt.datetime
    answers: dict[str, Any]

    @property
    def when(self) -> str:
        """When it was kept, in local time (``2025-06-01 14:03``)."""
        return self.saved_at.astimezone().strftime("%Y-%m-%d %H:%M")


def load(url: str, user: str) -> Draft | None:
    """The kept draft, or None when there is none (or it cannot be read as a draft)."""
    path = draft_path(url, user)
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
        answers = content["answers"]
        saved_at = dt.datetime.fromisoformat(content["saved_at"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(answers, dict):
        return None
    return Draft(path, saved_at, {k: v for k, v in answers.items() if _is_answer(v)})


def save(url: str, user: str, answers: Mapping[str, Any]) -> Path:
    """Keep ``answers`` (the raw values typed so far) as the draft; its path."""
    from procurement.cases.values import jsonable
    from procurement.core.clock import now
    from procurement.core.files import atomic_path
    from procurement.storage.engine import mask

    path = draft_path(url, user)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    content = {
        "version": VERSION,
        "saved_at": now().isoformat(),
        "database": mask(url),
        "user": user,
        "answers": {k: jsonable(v) for k, v in answers.items() if _is_answer(v)},
    }
    text = json.dumps(content, ensure_ascii=False, indent=2) + "\n"
    with atomic_path(path, private=True) as temporary:  # owner-only, whole or not at all
        temporary.write_text(text, encoding="utf-8")
    return path


def discard(url: str, user: str) -> None:
    """Delete the draft (nothing happens when there is none)."""
    draft_path(url, user).unlink(missing_ok=True)


def count(answers: Mapping[str, Any]) -> int:
    """How many answers a draft holds (empty ones do not count)."""
    return sum(1 for v in answers.values() if _is_answer(v))
