"""Keep PostgreSQL's statistics of the task queue current through bursts (issue 9).

Every worker asks "which ready task is next?" several times a second. With statistics taken
while the queue was nearly empty, PostgreSQL answers that by sorting every ready row instead of
walking the queue's ordered index: after a burst of 2,400 tasks each pick cost 4-5 ms instead of
0.1 ms (docs/benchmarks.md, benchmark 3). By default autovacuum re-analyzes a table only after
10% of it changed; the queue table grows with every task ever run, so a burst would soon be a
rounding error. Here it re-analyzes after 200 changed rows, at autovacuum's next round (a minute
at most). Other databases (SQLite in the demo) have no such setting; nothing changes there.
"""

from django.db import migrations

TABLE = "django_tasks_database_dbtaskresult"
SETTINGS = {
    "autovacuum_analyze_scale_factor": "0",
    "autovacuum_analyze_threshold": "200",
    "autovacuum_vacuum_scale_factor": "0.02",
}


def tune(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        pairs = ", ".join(f"{name} = {value}" for name, value in SETTINGS.items())
        schema_editor.execute(f"ALTER TABLE {TABLE} SET ({pairs})")


def untune(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} RESET ({', '.join(SETTINGS)})")


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0003_peer_status_index"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(tune, untune, elidable=False)]
