from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from amendments.selectors import amendments_of_clause
from guidelines import exporting, permissions, selectors, services
from guidelines.forms import (
    ClauseEditForm,
    CompareForm,
    CorrespondenceForm,
    EditionForkForm,
    VersionPairForm,
)
from guidelines.models import Edition
from positions.selectors import positions_for_clauses


def refuse(request: HttpRequest, message: str) -> HttpResponse:
    """Anonymous visitors are sent to log in; a user without the right gets 403."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    raise PermissionDenied(message)


@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    instruments = selectors.dashboard(user=request.user)
    return render(request, "guidelines/dashboard.html", {"instruments": instruments})


@require_safe
def edition_detail(request: HttpRequest, slug: str) -> HttpResponse:
    edition = selectors.edition_get(slug=slug, user=request.user)
    text = selectors.edition_page(
        edition=edition, page=request.GET.get("page"), at=request.GET.get("at")
    )
    return render(
        request,
        "guidelines/edition_detail.html",
        {
            "edition": edition,
            "clauses": text.clauses,
            "toc": text.toc,
            "page": text.page,
            "can_fork": permissions.can_fork_edition(request.user, edition),
            "can_file": permissions.can_file_amendment(request.user, edition),
            "language_versions": selectors.language_versions(edition=edition, user=request.user),
        },
    )


@require_safe
def clause_detail(request: HttpRequest, slug: str, eid: str) -> HttpResponse:
    edition = selectors.edition_get(slug=slug, user=request.user)
    clause = selectors.clause_get(edition=edition, eid=eid)
    versions = selectors.clause_versions(clause=clause)
    form = VersionPairForm(request.GET or None, versions=[v.version for v in versions])
    status = 200
    if form.is_bound and not form.is_valid():
        status = 400
        diff = None
    else:
        cleaned = form.cleaned_data if form.is_bound else {}
        diff = selectors.clause_version_diff(
            versions=versions, old=cleaned.get("old"), new=cleaned.get("new")
        )
        if diff is not None and not form.is_bound:
            # The form shows the pair that is diffed below.
            form = VersionPairForm(
                initial={"old": diff.old.version, "new": diff.new.version},
                versions=[v.version for v in versions],
            )
    return render(
        request,
        "guidelines/clause_detail.html",
        {
            "edition": edition,
            "clause": clause,
            "positions": positions_for_clauses(clause_ids=[clause.pk], user=request.user).get(
                clause.pk, []
            ),
            "amendments": amendments_of_clause(clause=clause, user=request.user),
            "can_amend": permissions.can_file_amendment(request.user, edition),
            "children": clause.children.order_by("order"),
            "other_languages": selectors.clauses_in_other_languages(
                edition=edition, clause_ids=[clause.pk], user=request.user
            ).get(clause.pk, []),
            "versions": versions,
            "diff": diff,
            "form": form,
            "can_edit": permissions.can_edit_edition(request.user, edition),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def clause_edit(request: HttpRequest, slug: str, eid: str) -> HttpResponse:
    """The secretariat edits a clause of a draft; a stale version is refused (409)."""
    edition = selectors.edition_get(slug=slug, user=request.user)
    clause = selectors.clause_get(edition=edition, eid=eid)
    if not permissions.can_edit_edition(request.user, edition):
        return refuse(request, _("You may not edit the clauses of this edition."))
    status = 200
    if request.method == "POST":
        form = ClauseEditForm(request.POST)
        if form.is_valid():
            try:
                services.clause_update(
                    clause=clause,
                    user=request.user,  # type: ignore[arg-type]
                    expected_version=form.cleaned_data["version"],
                    reason=form.cleaned_data["reason"],
                    text=form.cleaned_data["text"],
                    heading=form.cleaned_data["heading"],
                )
            except services.StaleVersion as exc:
                # Keep what the user typed on the page beside the current text.
                form.add_error(None, exc)
                clause.refresh_from_db()
                status = 409
            except ValidationError as exc:
                form.add_error(None, exc)
                status = 400
            else:
                messages.success(request, _("The clause was saved."))
                return redirect("clause_detail", slug=edition.slug, eid=clause.eid)
        else:
            status = 400
    else:
        form = ClauseEditForm(
            initial={"heading": clause.heading, "text": clause.text, "version": clause.version}
        )
    return render(
        request,
        "guidelines/clause_edit.html",
        {"edition": edition, "clause": clause, "form": form, "stale": status == 409},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def edition_fork(request: HttpRequest, slug: str) -> HttpResponse:
    """The secretariat forks an edition into a working draft (same eids)."""
    edition = selectors.edition_get(slug=slug, user=request.user)
    if not permissions.can_fork_edition(request.user, edition):
        return refuse(request, _("Only the secretariat forks editions."))
    status = 200
    if request.method == "POST":
        form = EditionForkForm(request.POST)
        if form.is_valid():
            try:
                fork = services.edition_fork(
                    base=edition,
                    user=request.user,  # type: ignore[arg-type]
                    slug=form.cleaned_data["slug"],
                    label=form.cleaned_data["label"],
                )
            except ValidationError as exc:
                form.add_error("slug", exc)
                status = 400
            else:
                messages.success(request, _("The working draft was created."))
                return redirect(fork)
        else:
            status = 400
    else:
        form = EditionForkForm(
            initial={"slug": f"{edition.slug}-working", "label": f"{edition.label} (working draft)"}
        )
    return render(
        request, "guidelines/edition_fork.html", {"edition": edition, "form": form}, status=status
    )


@require_safe
def compare(request: HttpRequest, a: str, b: str) -> HttpResponse:
    """Edition A against edition B, clause by clause, with what is said about each."""
    edition_a = selectors.edition_get(slug=a, user=request.user)
    edition_b = selectors.edition_get(slug=b, user=request.user)
    parsed = _compare_options(request, edition_a, edition_b)
    if isinstance(parsed, HttpResponse):
        return parsed
    form, data, options = parsed
    projector = data.get("mode") == "projector"
    table_html = None
    if projector:
        comparison: Any = selectors.compare_editions(
            a=edition_a, b=edition_b, user=request.user, options=options
        )
    else:
        comparison, table_html = _compare_table(request, edition_a, edition_b, options)
    template = "guidelines/compare_projector.html" if projector else "guidelines/compare.html"
    query = request.GET.copy()
    return render(
        request,
        template,
        {
            "a": edition_a,
            "b": edition_b,
            "form": form,
            "comparison": comparison,
            "table_html": table_html,
            "toggle_changed": _with(query, "changed", "" if options.changed_only else "on"),
            "projector_url": _with(query, "mode", "projector"),
            "page_urls": _page_urls(query, comparison) if table_html is not None else None,
            "table_url": _with(query, "mode", ""),
            "can_map": permissions.is_secretariat(request.user),
        },
    )


@dataclass(frozen=True)
class _RenderedComparison:
    """What the page shows of a comparison besides its table, kept with the table."""

    method: str
    word_diff: bool
    summary: dict[str, int]
    amendment_summary: dict[str, int]
    options: selectors.CompareOptions
    page: int = 1
    pages: int = 1


def _compare_table(
    request: HttpRequest, a: Edition, b: Edition, options: selectors.CompareOptions
) -> tuple[_RenderedComparison, str]:
    """One page of the comparison's table; what it shows is never stale.

    Its text cells (A, B and the diff) are rendered once and cached under the stamp of
    the texts alone (``selectors.comparison_text_stamp``), the options and the page; its
    notes (positions and amendments) are read for the page's clauses on every request,
    so a submission re-renders no text cell. When a filter keeps the rows with a
    matching note, which rows stand depends on the notes too: that table is cached whole
    under the stamp of everything it shows (``selectors.comparison_stamp``).
    """
    # The page (as asked: a bad number is read as the paginator reads it) is part of the key.
    asked = request.GET.get("page", "")[:12]
    options_key = f"{hash_options(options)}:{request.LANGUAGE_CODE}:{asked}"
    if options.filters_annotations:
        stamp = selectors.comparison_stamp(a=a, b=b, user=request.user)
        key = f"redraft:compare:v3:{stamp}:{options_key}"
        cached = cache.get(key)
        if cached is not None:
            return cached["comparison"], cached["table"]
        full = _computed_page(request, a, b, options, asked)
        table = render_to_string(
            "guidelines/_compare_table.html", {"a": a, "b": b, "comparison": full}, request
        )
        comparison = _rendered(full)
        cache.set(
            key, {"comparison": comparison, "table": table}, settings.REDRAFT_DIFF_CACHE_SECONDS
        )
        return comparison, table
    stamp = selectors.comparison_text_stamp(a=a, b=b, user=request.user)
    key = f"redraft:compare-cells:v1:{stamp}:{options_key}"
    cached = cache.get(key)
    computed: selectors.Comparison | None = None
    if cached is None:
        computed = _computed_page(request, a, b, options, asked)
        cells = _cut(
            render_to_string(
                "guidelines/_compare_table.html",
                {"a": a, "b": b, "comparison": computed, "cells_only": True},
                request,
            ),
            CELLS_END,
        )
        row_ids = [
            ([c["id"] for c in row.a], row.b["id"] if row.b else None) for row in computed.rows
        ]
        comparison = _rendered(computed)
        cache.set(
            key,
            {"comparison": comparison, "cells": cells, "ids": row_ids},
            settings.REDRAFT_DIFF_CACHE_SECONDS,
        )
    else:
        comparison, cells, row_ids = cached["comparison"], cached["cells"], cached["ids"]
        comparison = replace(
            comparison,
            amendment_summary=selectors.comparison_amendment_summary(
                a=a, b=b, user=request.user, options=options
            ),
        )
    notes = _row_notes(request, a, b, options, key, row_ids, computed)
    rows = [_TableRow(html, note) for html, note in zip(cells, notes, strict=True)]
    table = render_to_string(
        "guidelines/_compare_table.html",
        {"a": a, "b": b, "comparison": _Table(rows, comparison.word_diff)},
        request,
    )
    return comparison, table


def _row_notes(
    request: HttpRequest,
    a: Edition,
    b: Edition,
    options: selectors.CompareOptions,
    page_key: str,
    row_ids: list[tuple[list[int], int | None]],
    computed: selectors.Comparison | None,
) -> list[str]:
    """Each row's notes cell, kept per row under the latest change of its clauses'
    amendments (and the positions, and whose drafts the viewer sees): a submission on
    one clause re-renders that row's notes only. The page's notes are one cache entry
    (a long page would otherwise write hundreds, and a bounded cache evicts its own
    text cells); ``computed`` (a page just computed) already holds every row's notes."""
    ids = [i for a_ids, b_id in row_ids for i in (*a_ids, *([b_id] if b_id else []))]
    tops, said = selectors.comparison_notes_state(clause_ids=ids, user=request.user)
    keys = [
        repr((a_ids, b_id, [tops.get(i) for i in a_ids], b_id and tops.get(b_id)))
        for a_ids, b_id in row_ids
    ]
    blob_key = f"redraft:compare-notes:v2:{page_key}:{said}"
    kept: dict[str, str] = {} if computed is not None else (cache.get(blob_key) or {})
    missing = [n for n, key in enumerate(keys) if key not in kept]
    if not missing:
        return [kept[key] for key in keys]
    if computed is not None:
        notes = [(row.positions, row.amendments) for row in computed.rows]
    else:
        notes = selectors.comparison_notes(
            rows=[row_ids[n] for n in missing], user=request.user, options=options
        )
    rendered = _cut(
        render_to_string(
            "guidelines/_compare_table.html",
            {
                "a": a,
                "b": b,
                "comparison": _Table(
                    [_TableRow("", "", positions, amendments) for positions, amendments in notes],
                    False,
                ),
                "notes_only": True,
            },
            request,
        ),
        NOTES_END,
    )
    kept = {**kept, **{keys[n]: html for n, html in zip(missing, rendered, strict=True)}}
    # Only this page's rows as they stand now: the notes of rows changed since go.
    page = {key: kept[key] for key in keys}
    cache.set(blob_key, page, settings.REDRAFT_DIFF_CACHE_SECONDS)
    return [page[key] for key in keys]


def _cut(html: str, marker: str) -> list[str]:
    """The pieces of a rendering cut at the marker the template wrote after each row.

    The pieces are the template engine's output (every text escaped there, so a marker
    in a text would read ``&lt;!--``): they stay safe to insert as they are.
    """
    return [mark_safe(piece.strip()) for piece in html.split(marker)[:-1]]  # noqa: S308


# Written by _compare_table.html after each row's text cells, or its notes cell, when
# asked for those only.
CELLS_END = "<!--/cells-->"
NOTES_END = "<!--/notes-->"


@dataclass(frozen=True)
class _TableRow:
    cells: str
    notes: str
    positions: list[Any] = field(default_factory=list)
    amendments: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class _Table:
    rows: list[_TableRow]
    word_diff: bool


def _computed_page(
    request: HttpRequest, a: Edition, b: Edition, options: selectors.CompareOptions, asked: str
) -> selectors.Comparison:
    """The comparison's page of rows, each of B's clauses linked to itself in B's
    language versions, if it has any."""
    full = selectors.compare_editions(
        a=a, b=b, user=request.user, options=options, page=asked,
        per_page=COMPARE_ROWS_PER_PAGE,
    )  # fmt: skip
    other_languages = selectors.clauses_in_other_languages(
        edition=b,
        clause_ids=[r.b["id"] for r in full.rows if r.b and r.b["id"] > 0],
        user=request.user,
    )
    for row in full.rows:
        if row.b and row.b["id"] in other_languages:
            row.b["other_languages"] = other_languages[row.b["id"]]
    return full


def _rendered(full: selectors.Comparison) -> _RenderedComparison:
    return _RenderedComparison(
        full.method,
        full.word_diff,
        full.summary,
        full.amendment_summary,
        full.options,
        full.page,
        full.pages,
    )


# Rows on one page of a comparison (as many as clauses on a page of an edition).
COMPARE_ROWS_PER_PAGE = selectors.COMPARE_ROWS_PER_PAGE


def hash_options(options: selectors.CompareOptions) -> str:
    return hashlib.sha256(repr(options).encode()).hexdigest()[:16]


def _compare_options(
    request: HttpRequest, edition_a: Edition, edition_b: Edition
) -> tuple[CompareForm, dict[str, Any], selectors.CompareOptions] | HttpResponse:
    """The comparison's options and filters from the query string (the page's and the
    printouts' alike); a bad value renders the page with the form's errors (400)."""
    from amendments.models import Amendment
    from positions.models import Organisation, Position

    form = CompareForm(
        request.GET or None,
        organisations=Organisation.objects.filter(
            kind__in=[Organisation.Kind.NGO, Organisation.Kind.PARTY]
        ).values_list("pk", "name"),
        stances=Position.Stance.choices,
        statuses=[c for c in Amendment.Status.choices if c[0] != Amendment.Status.DRAFT],
    )
    if form.is_bound and not form.is_valid():
        context = {"a": edition_a, "b": edition_b, "form": form, "comparison": None}
        return render(request, "guidelines/compare.html", context, status=400)
    data = form.cleaned_data if form.is_bound else {}
    options = selectors.CompareOptions(
        typography=data.get("typography", False),
        changed_only=data.get("changed", False),
        organisation=data.get("organisation"),
        stance=data.get("stance", ""),
        status=data.get("status", ""),
    )
    return form, data, options


def _page_urls(query: QueryDict, comparison: _RenderedComparison) -> dict[str, str] | None:
    """The comparison's first, previous, next and last pages, the filters kept."""
    if comparison.pages <= 1:
        return None
    number, last = comparison.page, comparison.pages
    wanted = {"first": 1, "previous": number - 1, "next": number + 1, "last": last}
    return {
        name: _with(query, "page", str(n))
        for name, n in wanted.items()
        if 1 <= n <= last and n != number
    }


def _with(query: QueryDict, key: str, value: str) -> str:
    """The query string with ``key`` set to ``value`` (removed when empty)."""
    changed = query.copy()
    if value:
        changed[key] = value
    else:
        changed.pop(key, None)
    encoded = changed.urlencode()
    return f"?{encoded}" if encoded else "?"


@require_http_methods(["GET", "POST"])
def compare_map(request: HttpRequest, a: str, b: str) -> HttpResponse:
    """The secretariat's clause map: propose, confirm, remove, or match by hand."""
    from guidelines.models import ClauseCorrespondence

    edition_a = selectors.edition_get(slug=a, user=request.user)
    edition_b = selectors.edition_get(slug=b, user=request.user)
    if not permissions.is_secretariat(request.user):
        return refuse(request, _("Only the secretariat maps clauses."))
    correspondences = ClauseCorrespondence.objects.filter(edition_a=edition_a, edition_b=edition_b)
    form = CorrespondenceForm()
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        user = request.user
        try:
            if action == "align":
                result = services.editions_align(a=edition_a, b=edition_b, user=user)  # type: ignore[arg-type]
                messages.success(
                    request,
                    _("%(n)s correspondences proposed; %(kept)s kept.")
                    % {"n": result.proposed, "kept": result.kept},
                )
            elif action in ("confirm", "delete"):
                correspondence = correspondences.filter(pk=request.POST.get("id") or 0).first()
                if correspondence is None:
                    raise Http404("No such correspondence.")
                if action == "confirm":
                    services.correspondence_confirm(user=user, correspondence=correspondence)  # type: ignore[arg-type]
                else:
                    services.correspondence_delete(user=user, correspondence=correspondence)  # type: ignore[arg-type]
            elif action == "add":
                form = CorrespondenceForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(_("Correct the form."))
                services.correspondence_set(
                    user=user,  # type: ignore[arg-type]
                    a=edition_a,
                    b=edition_b,
                    source_eid=form.cleaned_data["source"].strip(),
                    target_eid=form.cleaned_data["target"].strip(),
                    kind=form.cleaned_data["kind"],
                )
            else:
                raise ValidationError(_("Unknown action."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            status = 400
        else:
            return redirect("compare_map", a=edition_a.slug, b=edition_b.slug)
    rows = correspondences.select_related("source", "target").order_by(
        "target__order", "source__order"
    )
    return render(
        request,
        "guidelines/compare_map.html",
        {"a": edition_a, "b": edition_b, "rows": rows, "form": form},
        status=status,
    )


@require_safe
def edition_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """The edition as a download, in any of the command's formats (``export_edition``)."""
    export_format = exporting.FORMATS.get(fmt)
    if export_format is None:
        raise Http404("No such export format.")
    edition = selectors.edition_get(slug=slug, user=request.user)
    against = request.GET.get("against", "")
    if against:
        # Word tracked changes against another edition the user can read.
        if fmt != "docx":
            raise Http404("Tracked changes are a Word export.")
        base = selectors.edition_get(slug=against, user=request.user)
        try:
            content: str | bytes = selectors.edition_tracked_docx(base=base, edition=edition)
        except ValidationError as exc:
            return HttpResponseBadRequest(" ".join(exc.messages), content_type="text/plain")
        # Slugs are ASCII letters, digits, "-" and "_": safe in the quoted filename.
        filename = f"{edition.slug}-against-{base.slug}.docx"
    else:
        content = export_format.write(selectors.edition_export_data(edition=edition))
        filename = f"{edition.slug}.{export_format.extension}"
    return HttpResponse(
        content,
        content_type=export_format.content_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@require_safe
def compare_synoptic(request: HttpRequest, a: str, b: str, fmt: str) -> HttpResponse:
    """The comparison's synoptic table as Word or PDF, for delegations to print.

    The page's options and filters through the page's form (a bad value is a 400 with the
    form's errors), so what is printed is what is on screen.
    """
    from guidelines import synoptic

    synoptic_format = synoptic.FORMATS.get(fmt)
    if synoptic_format is None:
        raise Http404("No such format.")
    edition_a = selectors.edition_get(slug=a, user=request.user)
    edition_b = selectors.edition_get(slug=b, user=request.user)
    parsed = _compare_options(request, edition_a, edition_b)
    if isinstance(parsed, HttpResponse):
        return parsed
    form, data, options = parsed
    comparison = selectors.compare_editions(
        a=edition_a, b=edition_b, user=request.user, options=options, with_cosponsors=True
    )
    # Slugs are ASCII letters, digits, "-" and "_": safe in the quoted filename as they are.
    filename = f"synoptic-{edition_a.slug}-{edition_b.slug}.{synoptic_format.extension}"
    return HttpResponse(
        synoptic_format.write(comparison, filters=_filters_in_force(form, data)),
        content_type=synoptic_format.content_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _filters_in_force(form: CompareForm, data: dict[str, object]) -> list[str]:
    """The options and filters set, as the form labels them ("Stance: oppose")."""
    lines = []
    for name in ("typography", "changed", "organisation", "stance", "status"):
        value = data.get(name)
        if not value:
            continue
        field = form.fields[name]
        if name in ("typography", "changed"):
            lines.append(str(field.label))
        else:
            choices = dict(getattr(field, "choices", ()))
            lines.append(f"{field.label}: {choices.get(value, value)}")
    return lines
