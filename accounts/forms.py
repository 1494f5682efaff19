from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm

from accounts.models import User, validate_display_name
from accounts.services import NOTIFICATION_PREFERENCES

COMMON_ZONES = sorted(zoneinfo.available_timezones())


class SignUpForm(forms.Form):
    display_name = forms.CharField(
        label="Your name",
        max_length=80,
        help_text="Shown to the peers you meet.",
        validators=[validate_display_name],
    )
    email = forms.EmailField(label="Email address")
    time_zone = forms.ChoiceField(
        label="Time zone",
        choices=[(zone, zone.replace("_", " ")) for zone in COMMON_ZONES],
        initial="America/New_York",
        help_text="Session times are shown in this time zone.",
    )
    password1 = forms.CharField(
        label="Password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Password again",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_email(self) -> str:
        # Whether the address has an account is never said here (accounts.services).
        return str(self.cleaned_data["email"]).lower()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords do not match.")
        elif first:
            candidate = User(
                email=cleaned.get("email", ""), display_name=cleaned.get("display_name", "")
            )
            try:
                password_validation.validate_password(first, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class PreferencesForm(forms.ModelForm):
    """Profile basics and which emails, reminders and pushes this person gets."""

    class Meta:
        model = User
        # The switches are the service's list (the API changes the same ones); the page lays
        # them out by name (push/templates/push/preferences_reminders.html for reminders).
        fields = ["display_name", "time_zone", *NOTIFICATION_PREFERENCES]
        labels = {"display_name": "Your name", "time_zone": "Time zone"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"] = forms.ChoiceField(
            label="Time zone", choices=[(z, z.replace("_", " ")) for z in COMMON_ZONES]
        )
        if not self.instance.is_certified_peer:
            del self.fields["email_zoom_problems"]


class ConfirmPasswordForm(forms.Form):
    """The verification link asks for the account's password, so a link clicked by the address's
    owner never confirms an account someone else made (and knows the password of)."""

    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class SignInForm(AuthenticationForm):
    remember = forms.BooleanField(
        label="Remember this device",
        required=False,
        help_text="Leave unticked on a shared computer: you are signed out after a while away.",
    )
