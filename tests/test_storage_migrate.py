"""Migrations: upgrade, no drift, downgrade and upgrade again with data."""

from __future__ import annotations

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from procurement.cases.store import update as store
from procurement.storage import migrate
from procurement.storage.models import Case, City
from tests.helpers import case_data


def test_head_has_member_cities_and_no_drift(engine: Engine) -> None:
    assert migrate.current_revision(engine) == migrate.head_revision()
    migrate.check(engine)
    with Session(engine) as s:
        codes = set(s.scalars(select(City.code)))
    assert codes == {"BER", "CPH", "HEL", "MMA", "OSL", "RIX", "STO", "LED", "TLL", "VNO", "WAW"}


def test_downgrade_to_base_and_upgrade_with_cases(engine: Engine) -> None:
    with Session(engine) as s:
        store.add_case(session=s, data=case_data(), user="a")
        s.commit()
    migrate.downgrade(engine, "base")
    with engine.connect() as conn:
        tables = conn.execute(
            text("SELECT name FROM sqlite_master WHERE type='table' AND name='cases'")
            if engine.dialect.name == "sqlite"
            else text("SELECT tablename FROM pg_tables WHERE tablename='cases'")
        ).all()
    assert tables == []
    migrate.upgrade(engine)
    migrate.check(engine)
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0
        assert s.scalar(select(func.count()).select_from(City)) == 11
        store.add_case(session=s, data=case_data(), user="a")
        s.commit()


def test_downgrade_one_step_keeps_cities_in_use(engine: Engine) -> None:
    with Session(engine) as s:
        store.add_case(session=s, data=case_data(), user="a")
        s.commit()
    migrate.downgrade(engine, "0001")
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 1
        assert list(s.scalars(select(City.code))) == ["HEL"]
    migrate.upgrade(engine)
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(City)) == 11


def test_check_detects_drift(engine: Engine) -> None:
    import pytest

    from procurement.core.errors import DatabaseError

    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE cities ADD COLUMN nickname VARCHAR(20)"))
    with pytest.raises(DatabaseError, match="schema drift"):
        migrate.check(engine)


def test_check_refuses_old_revision(engine: Engine) -> None:
    import pytest

    from procurement.core.errors import DatabaseError

    migrate.downgrade(engine, "0001")
    with pytest.raises(DatabaseError, match="run `procurement db upgrade`"):
        migrate.check(engine)
