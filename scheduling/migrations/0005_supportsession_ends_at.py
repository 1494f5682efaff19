"""Store each session's end (starts_at + duration) instead of computing it per database."""

from datetime import timedelta

from django.db import migrations, models


def fill_ends_at(apps, schema_editor):
    SupportSession = apps.get_model("scheduling", "SupportSession")
    batch = []
    for session in SupportSession.objects.only("pk", "starts_at", "duration_minutes").iterator():
        session.ends_at = session.starts_at + timedelta(minutes=session.duration_minutes)
        batch.append(session)
        if len(batch) >= 1000:
            SupportSession.objects.bulk_update(batch, ["ends_at"])
            batch = []
    SupportSession.objects.bulk_update(batch, ["ends_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0004_task_queue_autovacuum"),
    ]

    operations = [
        migrations.AddField(
            model_name="supportsession",
            name="ends_at",
            field=models.DateTimeField(editable=False, null=True),
        ),
        migrations.RunPython(fill_ends_at, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="supportsession",
            name="ends_at",
            field=models.DateTimeField(editable=False),
        ),
    ]
