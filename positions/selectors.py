"""Every non-trivial read of papers and positions, as plain data for the templates.

Excerpts are cut from the paper's text by the database (``Substr``), so a list of
positions never loads whole papers; the paper page, which shows the whole text, cuts
them in Python.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import F, Prefetch, QuerySet
from django.db.models.functions import Substr
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from guidelines import permissions
from guidelines.models import Clause, Edition
from positions.models import Organisation, Position, PositionLink, PositionPaper

User = AbstractBaseUser | AnonymousUser


@dataclass(frozen=True)
class PositionRow:
    """A position as listed beside a clause or in the list of positions."""

    id: int
    stance: str
    stance_label: str
    summary: str
    excerpt: str
    language: str
    organisation: str
    organisation_name: str
    organisation_id: int
    paper_id: int
    paper_title: str
    url: str
    rationale: str = ""


@dataclass
class ClauseGroup:
    """The positions on one clause (``clause_eid`` empty: the general positions)."""

    edition_slug: str = ""
    edition_label: str = ""
    edition_partial: bool = False
    clause_eid: str = ""
    clause_label: str = ""
    clause_url: str = ""
    positions: list[PositionRow] = field(default_factory=list)

    @property
    def is_general(self) -> bool:
        return not self.clause_eid

    @property
    def counts(self) -> list[tuple[str, str, int]]:
        """(stance, label, count) for each stance present, in the order of the choices."""
        counter = Counter(p.stance for p in self.positions)
        return [
            (value, str(label), counter[value])
            for value, label in Position.Stance.choices
            if counter[value]
        ]


def _visible_links(user: User | None) -> QuerySet[PositionLink]:
    """Links to clauses of editions the user may read (unpublished ones are private)."""
    links = PositionLink.objects.all()
    if not permissions.is_secretariat(user):
        links = links.filter(clause__edition__published=True)
    return links


_ROW_FIELDS = (
    "id",
    "stance",
    "summary",
    "paper_id",
    "paper__title",
    "paper__language",
    "organisation_id",
    "organisation__name",
    "organisation__acronym",
)


def _excerpt(prefix: str = "") -> Substr:
    return Substr(
        f"{prefix}paper__text",
        F(f"{prefix}excerpt_start") + 1,
        F(f"{prefix}excerpt_end") - F(f"{prefix}excerpt_start"),
    )


def _row(values: dict[str, Any], *, prefix: str = "", rationale: str = "") -> PositionRow:
    stances = dict(Position.Stance.choices)
    pk = values[f"{prefix}id"]
    paper_id = values[f"{prefix}paper_id"]
    paper_url = reverse("paper_detail", kwargs={"pk": paper_id})
    name = values[f"{prefix}organisation__name"]
    return PositionRow(
        id=pk,
        stance=values[f"{prefix}stance"],
        stance_label=str(stances.get(values[f"{prefix}stance"], values[f"{prefix}stance"])),
        summary=values[f"{prefix}summary"],
        excerpt=values["quoted"],
        language=values[f"{prefix}paper__language"],
        organisation=values[f"{prefix}organisation__acronym"] or name,
        organisation_name=name,
        organisation_id=values[f"{prefix}organisation_id"],
        paper_id=paper_id,
        paper_title=values[f"{prefix}paper__title"],
        url=f"{paper_url}#position-{pk}",
        rationale=rationale,
    )


def _clause_label(kind: str, number: str, heading: str, eid: str) -> str:
    if kind == Clause.Kind.ARTICLE:
        return _("Article %(number)s") % {"number": number}
    return number or heading or eid


def positions_for_clauses(
    *, clause_ids: Iterable[int] | QuerySet[Any], user: User | None
) -> dict[int, list[PositionRow]]:
    """The positions linked to each of the given clauses, with the link's rationale.

    One query. Clauses of editions the user may not read get no entry. Each list is
    in the order of the papers and of the excerpts in them. ``clause_ids`` may be a
    queryset of ids (a subquery: a comparison of two long editions would otherwise send
    a hundred thousand ids).
    """
    ids: list[int] | QuerySet[Any]
    if isinstance(clause_ids, QuerySet):
        ids = clause_ids
    else:
        ids = list(clause_ids)
        if not ids:
            return {}
    rows = (
        _visible_links(user)
        .filter(clause_id__in=ids)
        .annotate(quoted=_excerpt("position__"))
        .order_by("clause_id", "position__paper_id", "position__excerpt_start", "position_id")
        .values("clause_id", "rationale", "quoted", *(f"position__{f}" for f in _ROW_FIELDS))
    )
    result: dict[int, list[PositionRow]] = defaultdict(list)
    for values in rows:
        result[values["clause_id"]].append(
            _row(values, prefix="position__", rationale=values["rationale"])
        )
    return dict(result)


@dataclass
class PositionListing:
    groups: list[ClauseGroup]
    total: int


def positions_by_clause(
    *,
    user: User | None,
    organisation: Organisation | None = None,
    stance: str = "",
    edition: Edition | None = None,
) -> PositionListing:
    """Positions grouped by clause (edition, then document order), then the general ones.

    Two queries whatever the number of positions. A position linked to several clauses
    appears under each. Filtering by edition leaves out the general positions, which
    concern no edition.
    """
    links = _visible_links(user)
    general = Position.objects.filter(links__isnull=True)
    if organisation is not None:
        links = links.filter(position__organisation=organisation)
        general = general.filter(organisation=organisation)
    if stance:
        links = links.filter(position__stance=stance)
        general = general.filter(stance=stance)
    if edition is not None:
        links = links.filter(clause__edition=edition)
    rows = (
        links.annotate(quoted=_excerpt("position__"))
        .order_by("position__paper_id", "position__excerpt_start", "position_id")
        .values(
            "rationale",
            "quoted",
            "clause__eid",
            "clause__kind",
            "clause__number",
            "clause__heading",
            "clause__order",
            "clause__edition__slug",
            "clause__edition__label",
            "clause__edition__completeness",
            "clause__edition__date",
            *(f"position__{f}" for f in _ROW_FIELDS),
        )
    )
    groups: dict[tuple[str, str], ClauseGroup] = {}
    sort_keys: dict[tuple[str, str], tuple[Any, ...]] = {}
    for values in rows:
        slug, eid = values["clause__edition__slug"], values["clause__eid"]
        key = (slug, eid)
        if key not in groups:
            groups[key] = ClauseGroup(
                edition_slug=slug,
                edition_label=values["clause__edition__label"],
                edition_partial=(
                    values["clause__edition__completeness"] == Edition.Completeness.PARTIAL
                ),
                clause_eid=eid,
                clause_label=_clause_label(
                    values["clause__kind"],
                    values["clause__number"],
                    values["clause__heading"],
                    eid,
                ),
                clause_url=reverse("clause_detail", kwargs={"slug": slug, "eid": eid}),
            )
            date = values["clause__edition__date"]
            # Editions by date (undated last), then slug; clauses in document order.
            sort_keys[key] = (date is None, date or 0, slug, values["clause__order"])
        groups[key].positions.append(
            _row(values, prefix="position__", rationale=values["rationale"])
        )
    ordered = [groups[k] for k in sorted(groups, key=sort_keys.__getitem__)]
    positions = {p.id for g in ordered for p in g.positions}
    if edition is None:
        general_rows = (
            general.annotate(quoted=_excerpt())
            .order_by("paper_id", "excerpt_start", "pk")
            .values("quoted", *_ROW_FIELDS)
        )
        general_group = ClauseGroup(positions=[_row(v) for v in general_rows])
        if general_group.positions:
            ordered.append(general_group)
            positions.update(p.id for p in general_group.positions)
    return PositionListing(groups=ordered, total=len(positions))


def papers_list() -> list[PositionPaper]:
    """Every paper with its organisations (two queries), without the texts."""
    return list(PositionPaper.objects.defer("text").prefetch_related("organisations"))


def paper_get(*, pk: int) -> PositionPaper:
    paper = PositionPaper.objects.prefetch_related("organisations").filter(pk=pk).first()
    if paper is None:
        raise Http404("No such paper.")
    return paper


@dataclass(frozen=True)
class LinkView:
    clause_label: str
    edition_label: str
    edition_partial: bool
    url: str
    rationale: str


@dataclass(frozen=True)
class PaperPosition:
    """A position on the paper page: numbered in the order of the text."""

    number: int
    id: int
    stance: str
    stance_label: str
    summary: str
    excerpt: str
    organisation: str
    start: int
    end: int
    links: tuple[LinkView, ...]


@dataclass(frozen=True)
class Segment:
    """A run of the paper's text. ``positions``: the positions quoting it (none: plain
    text); ``starts``/``ends``: those whose excerpt begins/ends with this run."""

    text: str
    positions: tuple[PaperPosition, ...] = ()
    starts: tuple[PaperPosition, ...] = ()
    ends: tuple[PaperPosition, ...] = ()


def paper_positions(*, paper: PositionPaper, user: User | None) -> list[PaperPosition]:
    """The paper's positions in the order of the text, with the clauses each concerns
    (those the user may read). Two queries."""
    links = (
        _visible_links(user)
        .select_related("clause__edition")
        .order_by("clause__edition__slug", "clause__order")
    )
    positions = (
        Position.objects.filter(paper=paper)
        .select_related("organisation")
        .prefetch_related(Prefetch("links", queryset=links, to_attr="visible_links"))
        .order_by("excerpt_start", "excerpt_end", "pk")
    )
    result = []
    for number, position in enumerate(positions, start=1):
        result.append(
            PaperPosition(
                number=number,
                id=position.pk,
                stance=position.stance,
                stance_label=position.get_stance_display(),
                summary=position.summary,
                excerpt=paper.text[position.excerpt_start : position.excerpt_end],
                organisation=str(position.organisation),
                start=position.excerpt_start,
                end=position.excerpt_end,
                links=tuple(
                    LinkView(
                        clause_label=_clause_label(
                            link.clause.kind,
                            link.clause.number,
                            link.clause.heading,
                            link.clause.eid,
                        ),
                        edition_label=link.clause.edition.label,
                        edition_partial=link.clause.edition.is_partial,
                        url=link.clause.get_absolute_url(),
                        rationale=link.rationale,
                    )
                    for link in position.visible_links  # type: ignore[attr-defined]
                ),
            )
        )
    return result


def paper_segments(*, text: str, positions: list[PaperPosition]) -> list[Segment]:
    """The text cut at every excerpt's start and end, each run with the positions that
    quote it. Overlapping excerpts are supported; the runs join up to ``text``."""
    cuts = sorted({0, len(text)} | {p.start for p in positions} | {p.end for p in positions})
    segments = []
    for a, b in itertools.pairwise(cuts):
        if a >= b or b > len(text):
            continue
        segments.append(
            Segment(
                text=text[a:b],
                positions=tuple(p for p in positions if p.start <= a and b <= p.end),
                starts=tuple(p for p in positions if p.start == a),
                ends=tuple(p for p in positions if p.end == b),
            )
        )
    return segments
