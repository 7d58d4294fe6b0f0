"""Amendment pages: thin views over amendments.services and amendments.selectors.

Whoever may not see an amendment (another organisation's draft) gets 404; whoever sees
it but may not act gets 403; a stale version 409; bad input 400 with the form errors.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from amendments import compilation, consolidating, forms, selectors, services
from amendments.models import MEETING_TIME_ZONE, Amendment, AmendmentWindow
from guidelines import permissions
from guidelines import selectors as guideline_selectors
from guidelines.diffing import DiffOp
from guidelines.exporting import EditionData, to_json, to_markdown
from guidelines.importing import ParsedClause
from guidelines.models import Edition
from guidelines.views import refuse

PAGE_SIZE = 50


def amendment_ops(*, operation: str, base_text: str, proposed_text: str) -> list[DiffOp]:
    """What the amendment does to the text, word by word."""
    if operation == Amendment.Operation.DELETE:
        return [DiffOp("delete", base_text)] if base_text else []
    if operation == Amendment.Operation.INSERT:
        return [DiffOp("insert", proposed_text)] if proposed_text else []
    return guideline_selectors.word_diffs([(base_text, proposed_text)])[0]


@require_safe
def amendment_list(request: HttpRequest) -> HttpResponse:
    editions = Edition.objects.visible_to(request.user).exclude(status=Edition.Status.ADOPTED)
    queryset = selectors.amendment_list(user=request.user)
    filterset = forms.AmendmentFilter(request.GET or None, queryset=queryset, editions=editions)
    if filterset.is_bound and not filterset.is_valid():
        return render(
            request, "amendments/list.html", {"filter": filterset, "page": None}, status=400
        )
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "amendments/list.html",
        {"filter": filterset, "page": page, "query": query.urlencode()},
    )


def _target(request: HttpRequest, params: Any) -> tuple[Edition, Any]:
    edition = guideline_selectors.edition_get(slug=params.get("edition", ""), user=request.user)
    clause = guideline_selectors.clause_get(edition=edition, eid=params.get("clause", ""))
    return edition, clause


@require_http_methods(["GET", "POST"])
def amendment_new(request: HttpRequest) -> HttpResponse:
    if not request.GET.get("edition") or not request.GET.get("clause"):
        return HttpResponseBadRequest(_("Say which edition and clause: ?edition=…&clause=…"))
    edition, clause = _target(request, request.GET)
    if not permissions.can_file_amendment(request.user, edition):
        return refuse(request, _("You may not propose amendments to this edition."))
    status, preview = 200, None
    if request.method == "POST":
        form = forms.AmendmentForm(request.POST)
        if not form.is_valid():
            status = 400
        elif "preview" in request.POST:
            preview = amendment_ops(
                operation=form.cleaned_data["operation"],
                base_text=clause.text,
                proposed_text=form.cleaned_data["proposed_text"],
            )
        else:
            try:
                amendment = services.amendment_create(
                    user=request.user,  # type: ignore[arg-type]
                    edition=edition,
                    clause=clause,
                    operation=form.cleaned_data["operation"],
                    proposed_text=form.cleaned_data["proposed_text"],
                    justification=form.cleaned_data["justification"],
                    insert_position=form.cleaned_data["insert_position"] or None,
                )
            except PermissionDenied:
                raise
            except ValidationError as exc:
                form.add_error(None, exc)
                status = 400
            else:
                messages.success(request, _("Your draft amendment is saved. Submit it when ready."))
                return redirect(amendment)
    else:
        form = forms.AmendmentForm(initial={"proposed_text": clause.text})
    return render(
        request,
        "amendments/new.html",
        {"edition": edition, "clause": clause, "form": form, "preview": preview},
        status=status,
    )


@require_POST
def amendment_preview(request: HttpRequest) -> HttpResponse:
    """The live diff while the proposer types (htmx); writes nothing."""
    form = forms.PreviewForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("The preview needs an edition, a clause and an operation."))
    _edition, clause = _target(request, form.cleaned_data)
    ops = amendment_ops(
        operation=form.cleaned_data["operation"],
        base_text=clause.text,
        proposed_text=form.cleaned_data["proposed_text"],
    )
    return render(request, "amendments/_preview.html", {"ops": ops})


@require_safe
def amendment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    amendment = selectors.amendment_get(pk=pk, user=request.user)
    return _render_detail(request, amendment)


@require_safe
def amendment_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """The amendment's filing receipt as JSON: the canonical content and header whose
    SHA-256 are the receipt's hashes. Whoever may see the amendment may see it (404
    otherwise); 404 too for an amendment filed before the audit trail began."""
    amendment = selectors.amendment_get(pk=pk, user=request.user)
    receipt = selectors.amendment_receipt(amendment=amendment)
    if receipt is None:
        raise Http404("No filing receipt.")
    return JsonResponse(receipt.as_json(), json_dumps_params={"ensure_ascii": False, "indent": 2})


def _render_detail(
    request: HttpRequest,
    amendment: Amendment,
    *,
    error: str = "",
    status: int = 200,
    action: str = "",
) -> HttpResponse:
    user = request.user
    context = selectors.amendment_page(amendment=amendment, user=user)
    page_forms: dict[str, Any] = {
        "screen": forms.ScreenForm(),
        "recommend": forms.RecommendForm(
            initial={
                "recommendation": amendment.recommendation,
                "outcome": amendment.recommended_outcome,
            }
        ),
        "decide": forms.DecideForm(initial={"adopted_text": amendment.proposed_text}),
        "withdraw": forms.WithdrawForm(initial={"version": amendment.version}),
        "support": forms.SupportForm(),
    }
    if action in page_forms:
        # A refused action shows its form again as the user filled it (an inadmissible
        # screening must not come back as "admissible"); the version is the current one.
        refused = page_forms[action]
        page_forms[action] = type(refused)(
            initial={**refused.initial, **request.POST.dict(), "version": amendment.version}
        )
    context.update(
        {
            "amendment": amendment,
            "ops": amendment_ops(
                operation=amendment.operation,
                base_text=amendment.base_text,
                proposed_text=amendment.proposed_text,
            ),
            "adopted_ops": (
                amendment_ops(
                    operation=Amendment.Operation.REPLACE,
                    base_text=amendment.base_text,
                    proposed_text=amendment.adopted_text,
                )
                if amendment.adopted_text
                else None
            ),
            "error": error,
            "receipt": selectors.amendment_receipt(amendment=amendment),
            "can": {
                "edit": permissions.can_edit_amendment(user, amendment) and amendment.is_draft,
                "submit": permissions.can_submit_amendment(user, amendment) and amendment.is_draft,
                "withdraw": permissions.can_withdraw_amendment(user, amendment)
                and amendment.may_move_to(Amendment.Status.WITHDRAWN),
                "cosign": permissions.can_cosign_amendment(user, amendment)
                and amendment.status in Amendment.COSIGNABLE_STATUSES,
                "screen": permissions.can_screen_amendment(user, amendment)
                and amendment.status == Amendment.Status.SUBMITTED,
                "recommend": permissions.can_recommend_amendment(user, amendment)
                and amendment.status in Amendment.RECOMMENDABLE_STATUSES,
                "decide": permissions.can_decide_amendment(user, amendment)
                and amendment.status == Amendment.Status.ADMISSIBLE,
                "support": permissions.can_support_amendment(user, amendment)
                and amendment.status in Amendment.SUPPORTABLE_STATUSES,
            },
            "forms": page_forms,
        }
    )
    return render(request, "amendments/detail.html", context, status=status)


@require_http_methods(["GET", "POST"])
def amendment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    amendment = selectors.amendment_get(pk=pk, user=request.user)
    if not permissions.can_edit_amendment(request.user, amendment):
        return refuse(request, _("Only the proposing organisation edits its drafts."))
    if not amendment.is_draft:
        # Submitted (or withdrawn) texts are frozen: no form that the service would refuse.
        raise PermissionDenied(_("This amendment is no longer a draft: its text is frozen."))
    status = 200
    if request.method == "POST":
        form = forms.AmendmentEditForm(request.POST)
        if form.is_valid():
            try:
                services.amendment_update(
                    amendment=amendment,
                    user=request.user,  # type: ignore[arg-type]
                    expected_version=form.cleaned_data["version"],
                    proposed_text=form.cleaned_data["proposed_text"],
                    justification=form.cleaned_data["justification"],
                )
            except PermissionDenied:
                raise
            except services.StaleVersion as exc:
                form.add_error(None, exc)
                amendment.refresh_from_db()
                status = 409
            except ValidationError as exc:
                form.add_error(None, exc)
                status = 400
            else:
                messages.success(request, _("The draft is saved."))
                return redirect(amendment)
        else:
            status = 400
    else:
        form = forms.AmendmentEditForm(
            initial={
                "proposed_text": amendment.proposed_text,
                "justification": amendment.justification,
                "version": amendment.version,
            }
        )
    return render(
        request,
        "amendments/edit.html",
        {"amendment": amendment, "form": form, "stale": status == 409},
        status=status,
    )


@require_safe
def edition_what_if(request: HttpRequest, slug: str) -> HttpResponse:
    """The edition as it would read if the chosen amendments were adopted (nothing is
    recorded): all submitted ones by default, or one organisation's, or a selection."""
    edition = guideline_selectors.edition_get(slug=slug, user=request.user)
    candidates = selectors.what_if_candidates(edition=edition, user=request.user)
    form = forms.WhatIfForm(request.GET or None, candidates=candidates)
    if form.is_bound and not form.is_valid():
        return render(
            request,
            "amendments/what_if.html",
            {"edition": edition, "form": form, "comparison": None},
            status=400,
        )
    data = form.cleaned_data if form.is_bound else {}
    chosen = list(data.get("amendment") or candidates)
    if data.get("organisation"):
        chosen = [a for a in chosen if a.proposer_id == data["organisation"].pk]
    plan, comparison = selectors.what_if(edition=edition, amendments=chosen, user=request.user)
    if data.get("format"):
        export = EditionData(
            instrument=edition.instrument.slug,
            slug=f"{edition.slug}-what-if",
            label=comparison.b.label,
            language=edition.language,
            status=Edition.Status.WORKING,
            completeness=edition.completeness,
            title=edition.title,
            subtitle=edition.subtitle,
            clauses=[
                ParsedClause(
                    c.kind, c.number, c.eid, c.parent_eid, c.heading, c.text, depth=c.depth
                )
                for c in plan.clauses
            ],
        )
        fmt = data["format"]
        body = to_markdown(export) if fmt == "md" else to_json(export)
        response = HttpResponse(
            body,
            content_type="text/markdown; charset=utf-8"
            if fmt == "md"
            else "application/json; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{export.slug}.{fmt}"'
        return response
    return render(
        request,
        "amendments/what_if.html",
        {
            "edition": edition,
            "form": form,
            "chosen": chosen,
            "plan": plan,
            "comparison": comparison,
            "a": edition,
            "b": comparison.b,
        },
    )


@require_http_methods(["GET", "POST"])
def edition_consolidate(request: HttpRequest, slug: str) -> HttpResponse:
    """The secretariat applies the adopted amendments and creates a working edition."""
    edition = guideline_selectors.edition_get(slug=slug, user=request.user)
    if not permissions.is_secretariat(request.user):
        return refuse(request, _("Only the secretariat consolidates."))
    adopted = list(
        Amendment.objects.filter(edition=edition, status__in=services.ADOPTED_STATUSES)
        .select_related("clause", "proposer")
        .in_number_order()
    )
    wanted = request.POST.getlist("amendment") if request.method == "POST" else None
    chosen = [a for a in adopted if wanted is None or str(a.pk) in wanted]
    resolutions = _resolutions(request.POST) if request.method == "POST" else {}
    form = forms.ConsolidateForm(
        request.POST if request.method == "POST" and "create" in request.POST else None,
        initial={
            "slug": f"{edition.slug}-consolidated",
            "label": f"{edition.label} (consolidated)",
        },
    )
    status, error = 200, ""
    if form.is_bound:
        if form.is_valid():
            try:
                fork, _plan = services.edition_consolidate(
                    base=edition,
                    user=request.user,
                    slug=form.cleaned_data["slug"],
                    label=form.cleaned_data["label"],
                    amendments=chosen,
                    resolutions=resolutions,
                )
            except ValidationError as exc:
                status, error = 400, " ".join(exc.messages)
            else:
                messages.success(request, _("The consolidated working edition is created."))
                return redirect("compare", a=edition.slug, b=fork.slug)
        else:
            status = 400
    plan, comparison = selectors.what_if(
        edition=edition,
        amendments=chosen,
        user=request.user,
        resolutions=resolutions,
        as_proposed=False,
    )
    return render(
        request,
        "amendments/consolidate.html",
        {
            "edition": edition,
            "adopted": adopted,
            "chosen": {a.pk for a in chosen},
            "plan": plan,
            "comparison": comparison,
            "a": edition,
            "b": comparison.b,
            "form": form,
            "error": error,
            "resolutions": resolutions,
        },
        status=status,
    )


def _resolutions(data: Any) -> dict[str, consolidating.Resolution]:
    """``resolve-<eid>`` = an amendment number to keep, or "text" with ``text-<eid>``."""
    resolutions = {}
    for key, value in data.items():
        if not key.startswith("resolve-") or not value:
            continue
        eid = key.removeprefix("resolve-")
        if value == "text":
            resolutions[eid] = consolidating.Resolution(text=data.get(f"text-{eid}", ""))
        else:
            resolutions[eid] = consolidating.Resolution(keep=value)
    return resolutions


def _act_submit(request: HttpRequest, amendment: Amendment) -> str:
    form = forms.VersionForm(request.POST)
    if not form.is_valid():
        raise ValidationError(_("The form was incomplete: reload the page."))
    done = services.amendment_submit(
        amendment=amendment,
        user=request.user,  # type: ignore[arg-type]
        expected_version=form.cleaned_data["version"],
    )
    return _("Submitted as %(number)s. Its text is now frozen.") % {"number": done.number}


def _act_withdraw(request: HttpRequest, amendment: Amendment) -> str:
    form = forms.WithdrawForm(request.POST)
    if not form.is_valid():
        raise ValidationError(_("The form was incomplete: reload the page."))
    services.amendment_withdraw(
        amendment=amendment,
        user=request.user,  # type: ignore[arg-type]
        expected_version=form.cleaned_data["version"],
        reason=form.cleaned_data["reason"],
    )
    return _("The amendment is withdrawn.")


def _act_cosign(request: HttpRequest, amendment: Amendment) -> str:
    services.amendment_cosign(amendment=amendment, user=request.user)  # type: ignore[arg-type]
    return _("Your organisation co-signs this amendment.")


def _act_unsign(request: HttpRequest, amendment: Amendment) -> str:
    services.amendment_withdraw_signature(
        amendment=amendment,
        user=request.user,  # type: ignore[arg-type]
    )
    return _("Your organisation's signature is withdrawn.")


def _act_screen(request: HttpRequest, amendment: Amendment) -> str:
    form = forms.ScreenForm(request.POST)
    if not form.is_valid():
        raise ValidationError(_("Choose admissible or inadmissible."))
    done = services.amendment_screen(
        amendment=amendment,
        user=request.user,  # type: ignore[arg-type]
        admissible=form.cleaned_data["admissible"],
        reason=form.cleaned_data["reason"],
    )
    return _("Screened: %(status)s.") % {"status": done.get_status_display()}


def _act_recommend(request: HttpRequest, amendment: Amendment) -> str:
    form = forms.RecommendForm(request.POST)
    if not form.is_valid():
        raise ValidationError(_("Write the recommendation."))
    services.amendment_recommend(
        amendment=amendment,
        user=request.user,  # type: ignore[arg-type]
        recommendation=form.cleaned_data["recommendation"],
        outcome=form.cleaned_data["outcome"] or None,
    )
    return _("The recommendation is recorded.")


def _act_decide(request: HttpRequest, amendment: Amendment) -> str:
    form = forms.DecideForm(request.POST)
    if not form.is_valid():
        raise ValidationError(_("Choose the decision."))
    outcome = form.cleaned_data["outcome"]
    done = services.amendment_decide(
        amendment=amendment,
        user=request.user,  # type: ignore[arg-type]
        outcome=outcome,
        reason=form.cleaned_data["reason"],
        adopted_text=(
            form.cleaned_data["adopted_text"]
            if outcome == Amendment.Outcome.ADOPTED_AS_AMENDED
            else None
        ),
    )
    return _("Decision recorded: %(status)s.") % {"status": done.get_status_display()}


def _act_support(request: HttpRequest, amendment: Amendment) -> str:
    form = forms.SupportForm(request.POST)
    if not form.is_valid():
        raise ValidationError(_("Choose support or oppose."))
    services.amendment_support(
        amendment=amendment,
        user=request.user,  # type: ignore[arg-type]
        stance=form.cleaned_data["stance"],
    )
    return _("Your delegation's stance is recorded.")


def _act_unsupport(request: HttpRequest, amendment: Amendment) -> str:
    services.amendment_support_withdraw(
        amendment=amendment,
        user=request.user,  # type: ignore[arg-type]
    )
    return _("Your delegation's stance is withdrawn.")


ACTIONS = {
    "submit": _act_submit,
    "withdraw": _act_withdraw,
    "cosign": _act_cosign,
    "unsign": _act_unsign,
    "screen": _act_screen,
    "recommend": _act_recommend,
    "decide": _act_decide,
    "support": _act_support,
    "unsupport": _act_unsupport,
}


@require_POST
def amendment_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One state change through its service; the page says what happened or why not."""
    amendment = selectors.amendment_get(pk=pk, user=request.user)
    act = ACTIONS.get(action)
    if act is None:
        return HttpResponseBadRequest(_("Unknown action."))
    if not request.user.is_authenticated:
        return redirect_to_login(amendment.get_absolute_url())
    try:
        message = act(request, amendment)
    except PermissionDenied:
        raise
    except services.StaleVersion as exc:
        amendment.refresh_from_db()
        return _render_detail(
            request, amendment, error=" ".join(exc.messages), status=409, action=action
        )
    except ValidationError as exc:
        amendment.refresh_from_db()
        return _render_detail(
            request, amendment, error=" ".join(exc.messages), status=400, action=action
        )
    messages.success(request, message)
    return redirect(amendment)


@require_http_methods(["GET", "POST"])
def amendment_window(request: HttpRequest, slug: str) -> HttpResponse:
    """The secretariat opens, moves or closes the edition's amendment window."""
    edition = guideline_selectors.edition_get(slug=slug, user=request.user)
    if not permissions.can_set_amendment_window(request.user, edition):
        return refuse(request, _("Only the secretariat sets the amendment window."))
    window = AmendmentWindow.objects.filter(edition=edition).first()
    zone = ZoneInfo(window.time_zone if window else MEETING_TIME_ZONE)
    status = 200
    # Typed times are the meeting's local times, whatever the server's zone.
    with timezone.override(zone):
        if request.method == "POST":
            form = forms.WindowForm(request.POST)
            if form.is_valid():
                try:
                    services.window_set(
                        edition=edition,
                        user=request.user,  # type: ignore[arg-type]
                        opens_at=form.cleaned_data["opens_at"],
                        closes_at=form.cleaned_data["closes_at"],
                        time_zone=str(zone),
                    )
                except ValidationError as exc:
                    form.add_error(None, exc)
                    status = 400
                else:
                    messages.success(request, _("The amendment window is set."))
                    return redirect(edition)
            else:
                status = 400
        else:
            form = forms.WindowForm(
                initial={"opens_at": window.opens_at_local, "closes_at": window.closes_at_local}
                if window
                else None
            )
        return render(
            request,
            "amendments/window.html",
            {"edition": edition, "window": window, "form": form, "zone": str(zone)},
            status=status,
        )


COMPILATION_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}


@require_safe
def amendment_compilation(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """The compilation of the edition's amendments as Word, CSV or JSON, to download.

    What it holds is ``selectors.compilation_rows``'s contract (the numbered amendments
    the user may see, in number order). 404 for an unknown format and for an edition the
    user may not read.
    """
    content_type = COMPILATION_TYPES.get(fmt)
    if content_type is None:
        raise Http404("No such format.")
    edition = guideline_selectors.edition_get(slug=slug, user=request.user)
    rows = selectors.compilation_rows(edition=edition, user=request.user)
    about = compilation.CompilationEdition(
        slug=edition.slug,
        label=edition.label,
        language=edition.language,
        status=edition.status,
        completeness=edition.completeness,
        status_label=str(edition.get_status_display()),
    )
    if fmt == "docx":
        body = compilation.to_docx(about, rows)
    elif fmt == "csv":
        body = compilation.to_csv(rows)
    else:
        body = compilation.to_json(about, rows).encode()
    return HttpResponse(
        body,
        content_type=content_type,
        # The slug is [-a-zA-Z0-9_]: safe in the header as it is.
        headers={"Content-Disposition": f'attachment; filename="amendments-{edition.slug}.{fmt}"'},
    )


@require_http_methods(["GET", "POST"])
def amendment_word_upload(request: HttpRequest, slug: str) -> HttpResponse:
    """Members of a filing organisation upload a marked-up Word file of the edition: its
    tracked changes become their organisation's draft amendments."""
    edition = guideline_selectors.edition_get(slug=slug, user=request.user)
    if not permissions.can_file_amendment(request.user, edition):
        return refuse(request, _("You may not propose amendments to this edition."))
    status = 200
    if request.method == "POST":
        form = forms.WordUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = services.amendments_from_word(
                    edition=edition,
                    data=upload.read(),
                    filename=upload.name,
                    user=request.user,  # type: ignore[arg-type]
                )
            except ValidationError as exc:
                form.add_error(None, exc)
                status = 409 if exc.code == services.BASE_MISMATCH else 400
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(count)d draft amendment filed from %(file)s. Check it, then submit it.",
                        "%(count)d draft amendments filed from %(file)s. Check them, then "
                        "submit each one.",
                        len(result.amendments),
                    )
                    % {"count": len(result.amendments), "file": upload.name},
                )
                for warning in result.warnings:
                    messages.warning(request, warning)
                query = urlencode({"edition": edition.slug, "status": Amendment.Status.DRAFT})
                return redirect(f"{reverse('amendment_list')}?{query}")
        else:
            status = 400
    else:
        form = forms.WordUploadForm()
    return render(
        request,
        "amendments/word_upload.html",
        {"edition": edition, "form": form},
        status=status,
    )
