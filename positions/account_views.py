"""The login and two-factor pages (``/accounts/…``); the rules are in ``positions.accounts``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login

from guidelines import permissions
from positions import accounts
from positions.forms import TwoFactorCodeForm


class LoginView(auth_views.LoginView):
    """Django's login; then the second factor, if the user has one or must have one."""

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        step = accounts.step_after_password(self.request)
        if step is None:
            return response
        return redirect(accounts.with_next(step, self.get_redirect_url()))


def _next_url(request: HttpRequest) -> str:
    """The ``next`` the user came with, if it is a page of this site."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The second step of logging in: a code from the user's authenticator."""
    next_url = _next_url(request)
    if request.user.is_verified():  # type: ignore[union-attr]
        return redirect(next_url or "dashboard")
    if accounts.confirmed_device(request.user) is None:
        if permissions.needs_two_factor(request.user):
            return redirect(accounts.with_next("two_factor_setup", next_url))
        return redirect(next_url or "dashboard")
    form = TwoFactorCodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                device = accounts.two_factor_check(
                    user=request.user,  # type: ignore[arg-type]
                    token=form.cleaned_data["code"],
                )
            except ValidationError as exc:
                form.add_error("code", exc)
            else:
                otp_login(request, device)
                return redirect(next_url or "dashboard")
        status = 400
    return render(
        request,
        "registration/two_factor_verify.html",
        {"form": form, "next": next_url},
        status=status,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Set up (or replace) the authenticator: its secret, QR code and a first code."""
    next_url = _next_url(request)
    has_device = accounts.confirmed_device(request.user) is not None
    if has_device and not request.user.is_verified():  # type: ignore[union-attr]
        # Replacing an authenticator takes the current one: the password is not enough.
        return redirect(accounts.with_next("two_factor_verify", next_url))
    key = request.session.get(accounts.PENDING_SECRET_SESSION_KEY)
    if not key:
        key = request.session[accounts.PENDING_SECRET_SESSION_KEY] = accounts.new_secret()
    form = TwoFactorCodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                device = accounts.two_factor_enable(
                    user=request.user,  # type: ignore[arg-type]
                    key=key,
                    token=form.cleaned_data["code"],
                )
            except ValidationError as exc:
                form.add_error("code", exc)
            else:
                del request.session[accounts.PENDING_SECRET_SESSION_KEY]
                otp_login(request, device)
                messages.success(
                    request,
                    _("Two-factor authentication is on: each login now asks for a code."),
                )
                return redirect(next_url or "two_factor")
        status = 400
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            "next": next_url,
            "replacing": has_device,
            "required": permissions.needs_two_factor(request.user),
            "secret": accounts.secret_for_display(key),
            "otpauth_uri": accounts.otpauth_uri(user=request.user, key=key),  # type: ignore[arg-type]
        },
        status=status,
    )


@never_cache
@login_required
@require_GET
def two_factor_qr(request: HttpRequest) -> HttpResponse:
    """The QR code of the secret being set up, as SVG (an ``<img>`` of the set-up page)."""
    key = request.session.get(accounts.PENDING_SECRET_SESSION_KEY)
    if not key:
        raise Http404(_("No authenticator is being set up."))
    uri = accounts.otpauth_uri(user=request.user, key=key)  # type: ignore[arg-type]
    response = HttpResponse(accounts.qr_svg(uri), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@login_required
@require_GET
def two_factor(request: HttpRequest) -> HttpResponse:
    """The account's two-factor page: on or off, set up, replace, turn off."""
    return render(
        request,
        "registration/two_factor.html",
        {
            "enabled": accounts.confirmed_device(request.user) is not None,
            "required": permissions.needs_two_factor(request.user),
            "backup_codes_left": accounts.backup_codes_left(request.user),
            "form": TwoFactorCodeForm(),
        },
    )


@never_cache
@login_required
@require_POST
def two_factor_backup_codes(request: HttpRequest) -> HttpResponse:
    """New backup codes, shown once (this page is their only copy); the old ones end."""
    try:
        codes = accounts.backup_codes_issue(user=request.user)  # type: ignore[arg-type]
    except ValidationError:
        return redirect("two_factor_setup")
    return render(request, "registration/two_factor_backup_codes.html", {"codes": codes})


@login_required
@require_POST
def two_factor_disable(request: HttpRequest) -> HttpResponseBase:
    """Turn two-factor authentication off with a current code (not for the secretariat)."""
    form = TwoFactorCodeForm(request.POST)
    enabled = accounts.confirmed_device(request.user) is not None
    required = permissions.needs_two_factor(request.user)
    if required:
        raise PermissionDenied(
            _("Your role requires two-factor authentication: replace the authenticator instead.")
        )
    if form.is_valid():
        try:
            accounts.two_factor_disable(
                user=request.user,  # type: ignore[arg-type]
                token=form.cleaned_data["code"],
            )
        except ValidationError as exc:
            form.add_error("code", exc)
        else:
            messages.success(request, _("Two-factor authentication is off."))
            return redirect("two_factor")
    return render(
        request,
        "registration/two_factor.html",
        {
            "enabled": enabled,
            "required": required,
            "backup_codes_left": accounts.backup_codes_left(request.user),
            "form": form,
        },
        status=400,
    )
