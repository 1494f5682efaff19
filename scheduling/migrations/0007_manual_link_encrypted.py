"""Manual links are encrypted at rest, like Zoom join URLs (issue 16).

Adds the sealed column and the has-link flag, seals every existing link (bound to its session's
reference), then drops the plain column. Reversible: going back decrypts each link into the
plain column again.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations, models

from zoom.vault import keyring  # the keys in use when this runs: they are settings, not code


def manual_link_data(reference: Any) -> str:
    """Frozen here as it was when this migration was written (scheduling.models has the live one:
    a later change there must not change what this migration sealed)."""
    return f"support-session:{reference}:manual_link"


def seal_links(apps: Any, schema_editor: Any) -> None:
    SupportSession = apps.get_model("scheduling", "SupportSession")
    ring = keyring()
    for session in SupportSession.objects.exclude(manual_link="").iterator():
        session.manual_link_encrypted = ring.encrypt(
            session.manual_link, associated_data=manual_link_data(session.reference)
        )
        session.has_manual_link = True
        session.save(update_fields=["manual_link_encrypted", "has_manual_link"])


def open_links(apps: Any, schema_editor: Any) -> None:
    SupportSession = apps.get_model("scheduling", "SupportSession")
    ring = keyring()
    for session in SupportSession.objects.filter(has_manual_link=True).iterator():
        session.manual_link = ring.decrypt(
            session.manual_link_encrypted, associated_data=manual_link_data(session.reference)
        )
        session.save(update_fields=["manual_link"])


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0006_zoom_edges")]

    operations = [
        migrations.AddField(
            model_name="supportsession",
            name="manual_link_encrypted",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.AddField(
            model_name="supportsession",
            name="has_manual_link",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.RunPython(seal_links, open_links),
        migrations.RemoveField(model_name="supportsession", name="manual_link"),
    ]
