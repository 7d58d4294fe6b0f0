from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from amendments.models import Amendment, AmendmentSupport
from guidelines.models import Edition
from positions.models import Organisation


class AmendmentForm(forms.Form):
    """What the proposer writes; the service checks it against the clause."""

    operation = forms.ChoiceField(
        label=_("Operation"),
        choices=Amendment.Operation.choices,
        widget=forms.RadioSelect,
        initial=Amendment.Operation.REPLACE,
    )
    insert_position = forms.ChoiceField(
        label=_("Where the new clause goes"),
        choices=[("", "—"), *Amendment.InsertPosition.choices],
        required=False,
    )
    proposed_text = forms.CharField(
        label=_("Proposed text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 7}),
    )
    justification = forms.CharField(
        label=_("Justification"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("operation") == Amendment.Operation.INSERT and not cleaned.get(
            "insert_position"
        ):
            self.add_error("insert_position", _("Say where the new clause goes."))
        return cleaned


class AmendmentEditForm(forms.Form):
    proposed_text = forms.CharField(
        label=_("Proposed text"), required=False, widget=forms.Textarea(attrs={"rows": 7})
    )
    justification = forms.CharField(
        label=_("Justification"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class WithdrawForm(VersionForm):
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


class ScreenForm(forms.Form):
    admissible = forms.TypedChoiceField(
        label=_("Screening"),
        choices=[("1", _("admissible")), ("0", _("inadmissible"))],
        coerce=lambda value: value == "1",
    )
    reason = forms.CharField(label=_("Reason"), max_length=1000, required=False)


class RecommendForm(forms.Form):
    recommendation = forms.CharField(label=_("Recommendation"), widget=forms.Textarea)
    outcome = forms.ChoiceField(
        label=_("Recommended outcome"),
        choices=[("", "—"), *Amendment.Outcome.choices],
        required=False,
    )


class DecideForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Decision"), choices=Amendment.Outcome.choices)
    adopted_text = forms.CharField(
        label=_("Adopted text (adopted as amended)"), required=False, widget=forms.Textarea
    )
    reason = forms.CharField(label=_("Record"), max_length=500, required=False)


class SupportForm(forms.Form):
    stance = forms.ChoiceField(label=_("Stance"), choices=AmendmentSupport.Stance.choices)


class PreviewForm(forms.Form):
    edition = forms.SlugField()
    clause = forms.CharField(max_length=200)
    operation = forms.ChoiceField(choices=Amendment.Operation.choices)
    proposed_text = forms.CharField(required=False)


class AmendmentFilter(django_filters.FilterSet):
    """The list's filters, kept in the URL."""

    edition = django_filters.ModelChoiceFilter(
        label=_("Edition"),
        queryset=Edition.objects.none(),
        to_field_name="slug",
    )
    organisation = django_filters.ModelChoiceFilter(
        label=_("Organisation"),
        field_name="proposer",
        queryset=Organisation.objects.filter(
            kind__in=[Organisation.Kind.NGO, Organisation.Kind.PARTY]
        ),
    )
    clause = django_filters.CharFilter(label=_("Clause (identifier)"), field_name="clause__eid")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Amendment.Status.choices)
    operation = django_filters.ChoiceFilter(
        label=_("Operation"), choices=Amendment.Operation.choices
    )
    sort = django_filters.OrderingFilter(
        label=_("Sort by"),
        fields=(("sequence", "number"), ("submitted_at", "submitted"), ("status", "status")),
        field_labels={"sequence": _("number"), "submitted_at": _("date submitted")},
    )

    class Meta:
        model = Amendment
        fields: list[str] = []

    def __init__(self, *args: Any, editions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["edition"].queryset = editions


class WindowForm(forms.Form):
    """The amendment window, typed in the meeting's time zone (Europe/Paris)."""

    opens_at = forms.DateTimeField(
        label=_("Opens"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    closes_at = forms.DateTimeField(
        label=_("Closes"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class WhatIfForm(forms.Form):
    """Which amendments a what-if applies: chosen one by one, by organisation or all."""

    amendment = forms.ModelMultipleChoiceField(
        label=_("Amendments"), queryset=Amendment.objects.none(), required=False
    )
    organisation = forms.ModelChoiceField(
        label=_("All of one organisation"), queryset=Organisation.objects.all(), required=False
    )
    format = forms.ChoiceField(
        label=_("Export"),
        choices=[("", "—"), ("md", "Markdown"), ("json", "JSON")],
        required=False,
    )

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["amendment"].queryset = candidates  # type: ignore[attr-defined]
        self.fields["amendment"].label_from_instance = (  # type: ignore[attr-defined]
            lambda a: (
                f"{a.number} · {a.clause.number or a.clause.eid} · "
                f"{a.get_operation_display()} · {a.proposer} · {a.get_status_display()}"
            )
        )


class ConsolidateForm(forms.Form):
    slug = forms.SlugField(label=_("Slug of the consolidated edition"), max_length=80)
    label = forms.CharField(label=_("Label"), max_length=200)


class WordUploadForm(forms.Form):
    """A marked-up Word file; its size is checked before a byte of it is read."""

    file = forms.FileField(
        label=_("Marked-up Word file (.docx)"),
        help_text=_(
            "The text of this edition with Track Changes on: each changed clause becomes "
            "one draft amendment of your organisation, a comment on it its justification."
        ),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".docx,application/vnd.openxmlformats-officedocument."
                "wordprocessingml.document"
            }
        ),
    )

    def clean_file(self) -> Any:
        from guidelines.wordfiles import MAX_FILE_BYTES, MB

        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s MB.") % {"limit": MAX_FILE_BYTES // MB},
                code="too-big",
            )
        return upload
