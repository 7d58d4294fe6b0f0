from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from guidelines.models import ClauseCorrespondence


class VersionPairForm(forms.Form):
    """Two versions of a clause to compare (query string ``?old=1&new=3``)."""

    old = forms.TypedChoiceField(label=_("From version"), coerce=int, required=False)
    new = forms.TypedChoiceField(label=_("To version"), coerce=int, required=False)

    def __init__(self, *args: Any, versions: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(v, _("version %(n)s") % {"n": v}) for v in versions]
        self.fields["old"].choices = choices  # type: ignore[attr-defined]
        self.fields["new"].choices = choices  # type: ignore[attr-defined]
        self.fields["old"].empty_value = None  # type: ignore[attr-defined]
        self.fields["new"].empty_value = None  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        old, new = cleaned.get("old"), cleaned.get("new")
        if old is not None and new is not None and old == new:
            raise forms.ValidationError(_("Choose two different versions."))
        return cleaned


class ClauseEditForm(forms.Form):
    """The wording of a clause, with the version the editor read and a reason."""

    heading = forms.CharField(label=_("Heading"), required=False, widget=forms.TextInput)
    text = forms.CharField(
        label=_("Text"), required=False, widget=forms.Textarea(attrs={"rows": 8, "cols": 80})
    )
    reason = forms.CharField(
        label=_("Reason for the change"),
        max_length=300,
        help_text=_("Recorded in the clause's history, with your name."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class EditionForkForm(forms.Form):
    slug = forms.SlugField(label=_("Slug of the working draft"), max_length=80)
    label = forms.CharField(label=_("Label"), max_length=200)


class CompareForm(forms.Form):
    """The comparison's options and filters, kept in the URL."""

    typography = forms.BooleanField(label=_("Ignore typography"), required=False)
    changed = forms.BooleanField(label=_("Changed rows only"), required=False)
    organisation = forms.TypedChoiceField(
        label=_("Organisation"), coerce=int, required=False, empty_value=None
    )
    stance = forms.ChoiceField(label=_("Stance"), required=False)
    status = forms.ChoiceField(label=_("Amendment status"), required=False)
    mode = forms.ChoiceField(
        label=_("View"),
        required=False,
        choices=[("", _("table")), ("projector", _("projector (one row at a time)"))],
    )

    def __init__(self, *args: Any, organisations: Any, stances: Any, statuses: Any, **kw: Any):
        super().__init__(*args, **kw)
        self.fields["organisation"].choices = [("", "—"), *organisations]  # type: ignore[attr-defined]
        self.fields["stance"].choices = [("", "—"), *stances]  # type: ignore[attr-defined]
        self.fields["status"].choices = [("", "—"), *statuses]  # type: ignore[attr-defined]


class CorrespondenceForm(forms.Form):
    source = forms.CharField(label=_("Clause of A (identifier)"), max_length=200, required=False)
    target = forms.CharField(label=_("Clause of B (identifier)"), max_length=200, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=ClauseCorrespondence.Kind.choices)
