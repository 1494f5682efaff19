from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import throttles
from accounts.forms import ConfirmPasswordForm, PreferencesForm, SignInForm, SignUpForm
from accounts.middleware import REMEMBERED
from accounts.models import User
from accounts.services import (
    HOUR,
    email_verify,
    participant_sign_up,
    sign_out_everywhere,
    verification_resend,
)
from accounts.verification import user_from_link
from api.tokens import token_revoke_for, tokens_in_use
from push.receivers import KEEP_ENDPOINT
from push.selectors import push_devices
from push.services import push_subscription_remove_endpoint

MODEL_BACKEND = "accounts.backends.ModelBackend"


@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    """``next`` (a page of this site, such as a booking link's slot) is where the person lands
    once their address is confirmed, when they confirm it in this browser."""
    after = local_next(request)
    if request.user.is_authenticated:
        return redirect(after or "scheduling:schedule")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        participant_sign_up(
            email=form.cleaned_data["email"],
            display_name=form.cleaned_data["display_name"],
            password=form.cleaned_data["password1"],
            time_zone=form.cleaned_data["time_zone"],
        )
        if after:
            request.session[AFTER_VERIFY] = after
        return redirect("accounts:sign_up_sent")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "next": after or ""}
    return render(request, "accounts/sign_up.html", context, status=status)


AFTER_VERIFY = "after_verify"


def local_next(request: HttpRequest) -> str | None:
    """``next`` when it is a path on this site (never another host, a scheme or ``//``)."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    local = wanted.startswith("/") and not wanted.startswith(("//", "/\\"))
    if local and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return None


@require_GET
def sign_up_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/sign_up_sent.html")


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The emailed link: the password (or, for an invitation, a new one) confirms the address."""
    account = user_from_link(uidb64, token)
    if account is None:
        return render(request, "accounts/verify.html", {"form": None}, status=400)
    choose_password = not account.has_usable_password()
    data = request.POST if request.method == "POST" else None
    form: Form = SetPasswordForm(account, data) if choose_password else ConfirmPasswordForm(data)
    if request.method == "POST" and form.is_valid() and _proves_owner(request, account, form):
        if isinstance(form, SetPasswordForm):
            form.save()
        email_verify(user=account)
        after = request.session.pop(AFTER_VERIFY, None)
        login(request, account, backend=MODEL_BACKEND)
        messages.success(request, "Your email address is confirmed. Welcome to Peerakeet.")
        return redirect(after or "scheduling:schedule")
    context = {"form": form, "account": account, "choose_password": choose_password}
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/verify.html", context, status=status)


def _proves_owner(request: HttpRequest, account: User, form: Form) -> bool:
    if isinstance(form, SetPasswordForm):
        return True
    # Through authenticate(), so django-axes counts a wrong password like a failed sign-in.
    user = authenticate(request, username=account.email, password=form.cleaned_data["password"])
    if user is None or user.pk != account.pk:
        form.add_error("password", "That is not this account's password.")
        return False
    return True


@login_required
@require_POST
def verify_resend(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    verification_resend(user=request.user)
    messages.success(
        request, f"We sent a new link to {request.user.email}. It works for three days."
    )
    return redirect("scheduling:schedule")


class PasswordResetView(auth_views.PasswordResetView):
    """Reset mail is limited per address and per client address; over the limit the answer is
    the same "check your email" page (the limit tells nothing about the address)."""

    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        by_ip = throttles.allow(
            "reset-ip",
            throttles.request_ip(self.request),
            limit=settings.PASSWORD_RESET_PER_IP_PER_HOUR,
            window=HOUR,
        )
        by_address = by_ip and throttles.allow(
            "reset-address",
            form.cleaned_data["email"],
            limit=settings.PASSWORD_RESET_PER_ADDRESS_PER_HOUR,
            window=HOUR,
        )
        if not by_address:
            return redirect(self.get_success_url())
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """A reset proves the address as well as an emailed verification link does."""

    template_name = "accounts/password_reset_confirm.html"

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        response = super().form_valid(form)
        email_verify(user=form.user)
        return response


# Signed out, this browser keeps nothing of the person's pages: the installed app's service
# worker and pwa.js empty its caches on the sign-in page, and this header clears the HTTP cache
# (https://w3c.github.io/webappsec-clear-site-data/).
CLEAR_CACHE = '"cache"'


# pwa.js adds this browser's push endpoint to the sign-out, sign-out-everywhere and password
# forms (and unsubscribes the browser before signing out): the server ends that device's
# notifications with the session, or keeps them for the browser that stays signed in.
PUSH_ENDPOINT = "push_endpoint"


class SignOutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if isinstance(request.user, User):
            push_subscription_remove_endpoint(
                user=request.user, endpoint=request.POST.get(PUSH_ENDPOINT, "")
            )
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = CLEAR_CACHE
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    """A new password signs out every other browser and app, and ends every other device's
    notifications (push.receivers); this browser stays signed in and keeps its own."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:preferences")

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        setattr(form.user, KEEP_ENDPOINT, self.request.POST.get(PUSH_ENDPOINT, ""))
        return super().form_valid(form)


class SignInView(auth_views.LoginView):
    """Email and password; "Remember this device" keeps the session past the idle timeout."""

    template_name = "accounts/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form: SignInForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_valid(form)
        if form.cleaned_data.get("remember"):
            self.request.session[REMEMBERED] = True
            self.request.session.set_expiry(settings.SESSION_REMEMBER_DAYS * 24 * 3600)
        else:
            self.request.session.set_expiry(0)  # and ends when the browser closes
        return response


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    form = PreferencesForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your preferences are saved.")
        return redirect("accounts:preferences")
    status = 400 if request.method == "POST" else 200
    user = _user(request)
    context = {
        "form": form,
        "nav": "preferences",
        "devices": tokens_in_use(user),
        "push_devices": push_devices(user),
        "push_public_key": settings.WEBPUSH_VAPID_PUBLIC_KEY,
    }
    with timezone.override(user.time_zone):
        return render(request, "accounts/preferences.html", context, status=status)


@login_required
@require_POST
def device_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    if not token_revoke_for(user=_user(request), token_id=token_id):
        raise Http404("No such device")
    messages.success(request, "That device is signed out.")
    return redirect("accounts:preferences")


@login_required
@require_POST
def sign_out_everywhere_view(request: HttpRequest) -> HttpResponse:
    sign_out_everywhere(user=_user(request))
    logout(request)
    messages.success(request, "You are signed out everywhere: every browser and every app.")
    response = redirect("accounts:login")
    response["Clear-Site-Data"] = CLEAR_CACHE
    return response
