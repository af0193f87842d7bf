"""Migrations that fill new columns from what an install already holds: they run on databases with a year of data,
not only on the empty ones the rest of the suite starts from."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from stoa.analytics.models import MeasuredPost
from tests.analytics.dataset import small_dataset

BEFORE_THE_FILLS = ("analytics", "0002_kpi_targets_and_period_indexes")


def migrate(*targets: tuple[str, str]) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(list(targets) or executor.loader.graph.leaf_nodes())


@pytest.mark.postgres  # also run on PostgreSQL by `make test-postgres`
@pytest.mark.django_db(transaction=True)
def test_an_install_with_measured_posts_gets_their_latest_snapshot_and_kind_on_upgrade(workspace):
    small_dataset(workspace)
    expected = figures()
    assert sorted(kind for _latest, kind in expected.values()) == ["elsewhere", "photo", "poll", "text"]
    assert all(latest for latest, _kind in expected.values())
    try:
        migrate(BEFORE_THE_FILLS)  # as it was before 0003 and 0004: neither column exists
        with connection.cursor() as cursor:
            columns = {c.name for c in connection.introspection.get_table_description(cursor,
                                                                                       MeasuredPost._meta.db_table)}
        assert not {"latest_snapshot_id", "kind"} & columns
    finally:
        migrate()
    assert figures() == expected


def figures() -> dict[int, tuple[int | None, str]]:
    return {pk: (latest, kind) for pk, latest, kind in
            MeasuredPost.objects.values_list("pk", "latest_snapshot_id", "kind")}
