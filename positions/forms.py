from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils.translation import gettext_lazy as _

from guidelines.models import Edition
from positions.models import Organisation, Position


class PositionFilterForm(forms.Form):
    """Filters of the list of positions (query string ``?organisation=3&stance=oppose``)."""

    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.filter(positions__isnull=False).distinct(),
        required=False,
        empty_label=_("All organisations"),
    )
    stance = forms.ChoiceField(
        label=_("Stance"),
        choices=[("", _("All stances")), *Position.Stance.choices],
        required=False,
    )
    edition = forms.ModelChoiceField(
        label=_("Edition"),
        queryset=Edition.objects.none(),
        to_field_name="slug",
        required=False,
        empty_label=_("All editions"),
    )
    page = forms.IntegerField(label=_("Page"), min_value=1, required=False)

    def __init__(self, *args: Any, user: AbstractBaseUser | AnonymousUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the editions the user may read: a private draft's slug is refused.
        self.fields["edition"].queryset = Edition.objects.visible_to(user)  # type: ignore[attr-defined]


class OrganisationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=300)
    acronym = forms.CharField(label=_("Acronym"), max_length=40, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=Organisation.Kind.choices)
    accredited = forms.BooleanField(label=_("Accredited"), required=False, initial=True)


class AccreditForm(forms.Form):
    accredited = forms.TypedChoiceField(
        choices=[("1", _("accredit")), ("0", _("withdraw accreditation"))],
        coerce=lambda value: value == "1",
    )


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail of the person to invite"))


class AcceptInvitationForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput)
    password_again = forms.CharField(label=_("Password, again"), widget=forms.PasswordInput)


class TwoFactorCodeForm(forms.Form):
    """The six digits an authenticator app shows (spaces allowed, as apps group them)."""

    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
