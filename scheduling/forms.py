"""Dashboard forms. They parse and present; the rules live in scheduling.services."""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone

from accounts.models import User
from accounts.selectors import certified_peers
from accounts.services import participant_for_booking
from scheduling.models import SupportSession
from scheduling.wording import zone_label
from zoom.selectors import zoom_meeting_limit

DURATIONS = [
    (30, "30 minutes"),
    (45, "45 minutes"),
    (50, "50 minutes"),
    (60, "1 hour"),
    (90, "1 hour 30 minutes"),
]


def in_your_zone(viewer: User) -> str:
    """The help under a date and time field: whose zone it is in, as people say it."""
    return f"In your time zone, {zone_label(viewer.time_zone)}."


class _When(forms.Form):
    starts_at = forms.DateTimeField(
        label="Date and time",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    duration_minutes = forms.TypedChoiceField(
        label="Length", choices=DURATIONS, coerce=int, initial=50
    )
    modality = forms.ChoiceField(
        label="Session type",
        choices=SupportSession.Modality.choices,
        widget=forms.RadioSelect,
        initial=SupportSession.Modality.VIDEO,
    )

    def __init__(self, *args: Any, viewer: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.viewer = viewer
        self.fields["starts_at"].help_text = in_your_zone(viewer)

    def clean_starts_at(self) -> datetime:
        value: datetime = self.cleaned_data["starts_at"]
        # The browser sends a wall-clock time: read it in the viewer's own time zone.
        naive = timezone.make_naive(value) if timezone.is_aware(value) else value
        return timezone.make_aware(naive, zoneinfo.ZoneInfo(self.viewer.time_zone))


class SessionCreateForm(_When):
    participant_email = forms.EmailField(
        label="Participant's email",
        help_text="Without a confirmed Peerakeet account, they are invited to make one.",
    )
    manual_link = forms.CharField(
        label="Meeting link (optional)",
        required=False,
        max_length=500,
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
        help_text="Leave blank and Peerakeet creates the Zoom meeting automatically.",
    )
    private_note = forms.CharField(
        label="Private note (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Only you see this. It is never sent to Zoom or to the participant.",
    )
    field_order = [
        "participant_email",
        "starts_at",
        "duration_minutes",
        "modality",
        "manual_link",
        "private_note",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = zoom_meeting_limit(self.viewer)
        if limit is not None:
            self.fields["duration_minutes"].help_text = (
                f"Your Zoom account is a free (Basic) account: Zoom ends its meetings at {limit} "
                f"minutes. Choose {limit} minutes or less, or add your own meeting link below."
            )

    def clean_participant_email(self) -> User:
        # Known or not, the booking answers the same; an unknown address is invited.
        return participant_for_booking(email=self.cleaned_data["participant_email"])


class SessionRequestForm(_When):
    peer = forms.ModelChoiceField(
        label="Certified peer", queryset=User.objects.none(), empty_label=None
    )
    field_order = ["peer", "starts_at", "duration_minutes", "modality"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["peer"].queryset = certified_peers(excluding=self.viewer)  # type: ignore[attr-defined]
        # Participants see peers' names, never their email addresses.
        self.fields["peer"].label_from_instance = lambda user: user.display_name  # type: ignore[attr-defined]


class ManualLinkForm(forms.Form):
    manual_link = forms.CharField(
        label="Meeting link",
        required=False,
        max_length=500,
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
        help_text=(
            "A link you enter always wins over an automatic Zoom meeting. "
            "Clear it to go back to Zoom."
        ),
    )


class RescheduleForm(forms.Form):
    starts_at = forms.DateTimeField(
        label="New date and time",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    duration_minutes = forms.TypedChoiceField(label="Length", choices=DURATIONS, coerce=int)

    def __init__(self, *args: Any, viewer: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.viewer = viewer
        self.fields["starts_at"].help_text = in_your_zone(viewer)

    clean_starts_at = _When.clean_starts_at


class MoveAskForm(forms.Form):
    """The participant proposes a new time for a confirmed session (scheduling.moves)."""

    starts_at = forms.DateTimeField(
        label="New date and time",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    note = forms.CharField(
        label="A note for your peer (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="It goes in the email your peer gets about this.",
    )

    def __init__(self, *args: Any, viewer: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.viewer = viewer
        self.fields[
            "starts_at"
        ].help_text = f"{in_your_zone(viewer)} The session keeps its time until your peer accepts."

    clean_starts_at = _When.clean_starts_at
