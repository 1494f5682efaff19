"""The booking pages' forms: find a peer, confirm a slot, and a peer's profile and hours."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from booking.hours import DAYS, format_day, from_stored, parse_day, week_of
from booking.models import MODALITIES, SESSION_LENGTHS, Availability, PeerProfile

MODALITY_CHOICES = list(MODALITIES.items())


class FindForm(forms.Form):
    language = forms.ChoiceField(label="Language", required=False)
    focus = forms.ChoiceField(label="Focus", required=False)
    modality = forms.ChoiceField(
        label="Session type", required=False, choices=[("", "Video or audio"), *MODALITY_CHOICES]
    )

    def __init__(self, *args: Any, languages: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "language", [("", "Any language")] + [(x, x) for x in languages])
        focus = [(x, x) for x in settings.BOOKING_FOCUS_AREAS]
        _choices(self, "focus", [("", "Any focus"), *focus])


class BookForm(forms.Form):
    modality = forms.ChoiceField(label="Video or audio", widget=forms.RadioSelect)

    def __init__(self, *args: Any, modalities: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "modality", [(m, MODALITIES[m]) for m in modalities])
        self.fields["modality"].initial = modalities[0]


class ProfileForm(forms.Form):
    slug = forms.SlugField(
        label="Your booking link",
        max_length=60,
        help_text="Letters, numbers and hyphens, e.g. pat-lee: your link is then /p/pat-lee/.",
    )
    introduction = forms.CharField(
        label="A short introduction",
        max_length=600,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown to participants. Up to 600 characters.",
    )
    languages = forms.CharField(
        label="Languages", max_length=200, help_text="Separated by commas: English, Spanish."
    )
    focus_areas = forms.MultipleChoiceField(
        label="Focus areas", required=False, widget=forms.CheckboxSelectMultiple
    )
    modalities = forms.MultipleChoiceField(
        label="Session types you offer",
        choices=MODALITY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )
    session_lengths = forms.TypedMultipleChoiceField(
        label="Session lengths you offer",
        choices=[(n, f"{n} minutes") for n in SESSION_LENGTHS],
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "focus_areas", [(x, x) for x in settings.BOOKING_FOCUS_AREAS])

    @classmethod
    def initial_for(cls, profile: PeerProfile | None, default_slug: str) -> dict[str, Any]:
        if profile is None:
            return {"slug": default_slug, "modalities": ["video", "audio"], "session_lengths": [50]}
        return {
            "slug": profile.slug,
            "introduction": profile.introduction,
            "languages": ", ".join(profile.languages),
            "focus_areas": profile.focus_areas,
            "modalities": profile.modalities,
            "session_lengths": profile.session_lengths,
        }

    def clean_languages(self) -> list[str]:
        return [x.strip() for x in self.cleaned_data["languages"].split(",") if x.strip()]


class HoursForm(forms.Form):
    dates_off = forms.CharField(
        label="Dates off",
        required=False,
        max_length=2000,
        help_text="Separated by commas, for example 2026-12-24, 2026-12-31.",
    )
    notice_hours = forms.IntegerField(
        label="Minimum notice (hours)", min_value=0, max_value=336, initial=12
    )
    horizon_days = forms.IntegerField(
        label="Bookings open this many days ahead", min_value=1, max_value=365, initial=30
    )
    buffer_minutes = forms.IntegerField(
        label="Break between sessions (minutes)", min_value=0, max_value=120, initial=10
    )
    daily_max = forms.IntegerField(
        label="Most sessions in a day", min_value=1, max_value=12, initial=4
    )
    auto_confirm = forms.BooleanField(
        label="Confirm requests automatically",
        required=False,
        help_text="Booked times become confirmed sessions at once, with their Zoom meeting.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for index, day in enumerate(DAYS):
            self.fields[f"day_{index}"] = forms.CharField(
                label=day,
                required=False,
                max_length=200,
                help_text="For example 09:00-12:00, 13:00-17:00. Empty: not available.",
            )
        # The days first, in week order.
        order = [f"day_{i}" for i in range(7)]
        self.order_fields(order)

    @classmethod
    def initial_for(cls, availability: Availability | None) -> dict[str, Any]:
        if availability is None:
            weekdays = "09:00-12:00, 13:00-17:00"
            return {f"day_{i}": weekdays if i < 5 else "" for i in range(7)}
        week = week_of(from_stored(availability.weekly_hours))
        return {
            **{f"day_{i}": format_day(week[i]) for i in range(7)},
            "dates_off": ", ".join(availability.dates_off),
            "notice_hours": availability.notice_minutes // 60,
            "horizon_days": availability.horizon_days,
            "buffer_minutes": availability.buffer_minutes,
            "daily_max": availability.daily_max,
            "auto_confirm": availability.auto_confirm,
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        week: dict[int, list[tuple[time, time]]] = {}
        for i in range(7):
            try:
                week[i] = parse_day(cleaned.get(f"day_{i}", ""))
            except ValidationError as error:
                self.add_error(f"day_{i}", error)
        cleaned["week"] = week
        return cleaned

    def clean_dates_off(self) -> list[date]:
        found = []
        for part in filter(None, (p.strip() for p in self.cleaned_data["dates_off"].split(","))):
            try:
                found.append(date.fromisoformat(part))
            except ValueError:
                raise ValidationError(f"{part!r} is not a date like 2026-12-24.") from None
        return found


def _choices(form: forms.Form, name: str, choices: list[tuple[str, str]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices
