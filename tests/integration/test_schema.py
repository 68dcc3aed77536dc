"""The migrations build exactly the models' schema on both databases, and values round-trip:
timezone-aware UTC timestamps and exact decimal costs (invariant 6)."""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select, type_coerce

from stage8.db.column_types import Money
from stage8.db.engine import create_db_engine, current_revision, migrate
from stage8.db.models import Base, Image, Project, Scene


def test_migrations_match_models(desk):
    with desk.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []
    assert set(inspect(desk.engine).get_table_names()) >= set(Base.metadata.tables)


def test_migrate_is_idempotent_and_reports_head(desk):
    migrate(desk.engine)
    migrate(desk.engine)
    assert current_revision(desk.engine) == "0005"


def test_empty_sqlite_file_is_created_and_migrated(tmp_path):
    engine = create_db_engine(f"sqlite:///{tmp_path}/sub/dir/new.db")
    migrate(engine)
    assert "scene_asset_generation_attempts" in inspect(engine).get_table_names()
    engine.dispose()


def test_timestamps_come_back_aware_utc(desk):
    berlin = timezone(timedelta(hours=1))
    moment = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=berlin)
    with desk.tx() as s:
        p = Project(name="tz", created_at=moment)
        s.add(p)
        s.flush()
        s.add(Scene(project_id=p.id, scene_number=1, title="t", deleted_at=moment))
    with desk.tx() as s:
        got = s.scalar(select(Project.created_at))
        scene = s.scalar(select(Scene))
    assert got.tzinfo is not None and got.utcoffset() == timedelta(0)
    assert got == moment
    assert got.hour == 11  # 12:30 in UTC+1 is 11:30 UTC
    assert scene.deleted_at == moment


def test_naive_timestamps_are_refused(desk):
    with pytest.raises(Exception, match="naive"), desk.tx() as s:
        s.add(Project(name="naive", created_at=datetime(2026, 1, 1)))
        s.flush()


def test_costs_are_exact_decimals_and_sums_stay_exact(desk):
    from stage8.db.models import ProjectAsset, SceneAssetInstance  # noqa: F401
    from tests.builders import make_instance_with_images

    ids = make_instance_with_images(
        desk, costs=[Decimal("0.1"), Decimal("0.2"), Decimal("0.0387015")]
    )
    with desk.tx() as s:
        from stage8.db.models import Attempt

        costs = list(s.scalars(select(Attempt.cost_usd).order_by(Attempt.id)))
        total = s.scalar(select(type_coerce(func.sum(Attempt.cost_usd), Money())))
    assert costs == [Decimal("0.1"), Decimal("0.2"), Decimal("0.0387015")]
    assert all(isinstance(c, Decimal) for c in costs)
    assert total == Decimal("0.3387015")  # a float sum would give 0.33870150000000004
    assert ids


def test_float_costs_are_refused(desk):
    from stage8.db.column_types import Money

    with pytest.raises(ValueError, match="Decimal"):
        Money().process_bind_param(0.1, desk.engine.dialect)


def test_image_rows_need_unique_keys(desk):
    from sqlalchemy.exc import IntegrityError

    with desk.tx() as s:
        p = Project(name="p", created_at=datetime.now(UTC))
        s.add(p)
        s.flush()
        pid = p.id
    row = dict(
        project_id=pid,
        storage_key="k",
        sha256="0" * 64,
        mime_type="image/png",
        width=1,
        height=1,
        byte_size=1,
    )
    with desk.tx() as s:
        s.add(Image(**row))
    with pytest.raises(IntegrityError), desk.tx() as s:
        s.add(Image(**row))
