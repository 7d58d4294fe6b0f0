"""Generated editions for tests and benchmarks: never presented as a real text."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.db.models import Model

    from .models import Clause, Edition


def synthetic_text(paragraphs: int, subparagraphs: int = 3, sections_every: int = 10) -> str:
    """A Markdown edition of ``paragraphs`` paragraphs with ``subparagraphs`` each."""
    lines = ["# Synthetic edition", "", "Generated for tests.", "", "---", ""]
    for n in range(1, paragraphs + 1):
        if (n - 1) % sections_every == 0:
            lines += [f"## Section {(n - 1) // sections_every + 1}", ""]
        lines.append(f"{n}. Paragraph {n} says something about clause {n}.")
        lines += [f"  - {n}.{k} item {k} of paragraph {n};" for k in range(1, subparagraphs + 1)]
        lines.append("")
    return "\n".join(lines)


# --- make_synthetic: a large generated negotiation, written in bulk --------------------

SLUG_PREFIX = "synthetic"
PARAGRAPHS_PER_SECTION = 10
SUBPARAGRAPHS_PER_PARAGRAPH = 3
CLAUSES_PER_SECTION = 1 + PARAGRAPHS_PER_SECTION * (1 + SUBPARAGRAPHS_PER_PARAGRAPH)
CHANGED_EVERY = 10  # one numbered clause in ten reads differently in the draft
ORGANISATIONS = 10  # eight NGO coalitions and two Parties
PARTIES = 2
BATCH = 5000
REASON = "Synthetic data (make_synthetic)"
# accents=True (search benchmarks): accented words to fold, in a few clauses and amendments.
ACCENTED_PARAGRAPH_EVERY = 25  # "l'œuvre and Économie" in every 25th paragraph
ACCENTED_AMENDMENT_EVERY = 10  # "Une œuvre." in every 10th justification
ACCENTED_PHRASE_EVERY = 50  # "L'économie de l'œuvre." in every 50th

# One cycle of twenty amendments: every status, in rough proportions of a real session.
STATUS_CYCLE = (
    ["draft"] * 2
    + ["submitted"] * 6
    + ["admissible"] * 4
    + ["inadmissible"]
    + ["adopted"] * 2
    + ["adopted_as_amended"]
    + ["rejected"] * 2
    + ["withdrawn"] * 2
)


class SyntheticRefused(Exception):
    """make_synthetic was asked for something it cannot write; nothing was written."""


@dataclass(frozen=True)
class SyntheticSlugs:
    instrument: str
    base: str
    draft: str

    @classmethod
    def of(cls, slug: str) -> SyntheticSlugs:
        return cls(instrument=slug, base=f"{slug}-base", draft=f"{slug}-draft")


@dataclass(frozen=True)
class SyntheticSummary:
    slugs: SyntheticSlugs
    clauses: int  # per edition (the base and the draft have as many)
    changed: int  # numbered clauses of the draft that differ from the base
    amendments: int
    numbered: int  # amendments that carry a number (submitted once)
    positions: int
    history_rows: int  # of the draft's clauses
    seconds: float


@dataclass
class _Planned:
    kind: str
    number: str
    eid: str
    parent: int | None  # index of the parent in the plan
    depth: int
    heading: str
    text: str


def _plan(clauses: int) -> list[_Planned]:
    """``clauses`` clauses in document order: sections of ten paragraphs of three
    sub-paragraphs (41 clauses a section), the last section cut short."""
    plan: list[_Planned] = []
    section = paragraph = 0
    section_index = paragraph_index = 0
    sub = 0
    while len(plan) < clauses:
        position = len(plan) % CLAUSES_PER_SECTION
        if position == 0:
            section += 1
            section_index = len(plan)
            plan.append(
                _Planned(
                    "section",
                    str(section),
                    f"sec_{section}",
                    None,
                    0,
                    f"Synthetic section {section}",
                    "",
                )
            )
        elif (position - 1) % (1 + SUBPARAGRAPHS_PER_PARAGRAPH) == 0:
            paragraph += 1
            sub = 0
            paragraph_index = len(plan)
            plan.append(
                _Planned(
                    "paragraph",
                    str(paragraph),
                    f"para_{paragraph}",
                    section_index,
                    1,
                    "",
                    f"Synthetic paragraph {paragraph}: the Parties shall promote the "
                    f"diversity of cultural expressions in the digital environment.",
                )
            )
        else:
            sub += 1
            plan.append(
                _Planned(
                    "subparagraph",
                    f"{paragraph}.{sub}",
                    f"para_{paragraph}-{sub}",
                    paragraph_index,
                    2,
                    "",
                    f"Synthetic sub-paragraph {paragraph}.{sub}: support the artists and "
                    f"cultural professionals concerned by measure {paragraph}.{sub}.",
                )
            )
    return plan


def _changed(text: str, n: int) -> str:
    return f"{text} Synthetic revision {n}: where appropriate, in good faith."


def _check(*, slug: str, clauses: int, amendments: int, versions: int, replace: bool) -> None:
    from django.utils.text import slugify

    from .models import Edition, Instrument

    if slugify(slug) != slug or not slug.startswith(SLUG_PREFIX) or len(slug) > 70:
        raise SyntheticRefused(
            f"The slug must be a slug of at most 70 characters starting with "
            f"'{SLUG_PREFIX}' (generated texts are labelled as such): {slug!r}."
        )
    if clauses < 2:
        raise SyntheticRefused("--clauses must be at least 2 (a section and a paragraph).")
    if amendments < 0:
        raise SyntheticRefused("--amendments must be zero or more.")
    if versions < 1:
        raise SyntheticRefused("--versions must be at least 1 (the clause as created).")
    slugs = SyntheticSlugs.of(slug)
    taken = Instrument.objects.filter(slug=slugs.instrument).exists() or (
        Edition.objects.filter(slug__in=[slugs.base, slugs.draft]).exists()
    )
    if taken and not replace:
        raise SyntheticRefused(
            f"The synthetic data {slug!r} already exists: pass --replace to write it anew."
        )


def _delete(slugs: SyntheticSlugs) -> None:
    """Everything an earlier run of the same slug wrote, history rows included.

    Raw deletes, dependents first: the ORM's collector would load a million rows.
    """
    from amendments.models import Amendment, AmendmentSupport, CoSponsorship
    from positions.models import Organisation, Position, PositionLink, PositionPaper

    from .models import Clause, Edition, Instrument

    editions = list(
        Edition.objects.filter(slug__in=[slugs.base, slugs.draft]).values_list("pk", flat=True)
    )
    amendment_ids = Amendment.objects.filter(edition_id__in=editions)
    organisations = Organisation.objects.filter(name__endswith=f"({slugs.instrument})")
    papers = PositionPaper.objects.filter(organisations__in=organisations)
    deletes = [
        CoSponsorship.history.filter(amendment_id__in=amendment_ids.values("pk")),
        CoSponsorship.objects.filter(amendment__in=amendment_ids),
        AmendmentSupport.history.filter(amendment_id__in=amendment_ids.values("pk")),
        AmendmentSupport.objects.filter(amendment__in=amendment_ids),
        Amendment.positions.through.objects.filter(amendment__in=amendment_ids),
        Amendment.history.filter(edition_id__in=editions),
        amendment_ids,
        PositionLink.objects.filter(clause__edition_id__in=editions),
        Position.objects.filter(paper__in=papers),
    ]
    for queryset in deletes:
        queryset._raw_delete(queryset.db)
    paper_ids = list(papers.values_list("pk", flat=True))
    PositionPaper.organisations.through.objects.filter(positionpaper_id__in=paper_ids).delete()
    PositionPaper.objects.filter(pk__in=paper_ids).delete()
    history = Clause.history.filter(edition_id__in=editions)
    history._raw_delete(history.db)
    clauses = Clause.objects.filter(edition_id__in=editions)
    clauses.update(parent=None)
    clauses._raw_delete(clauses.db)
    # The draft first: the base is protected while a fork is based on it.
    Edition.objects.filter(pk__in=editions, based_on__isnull=False).delete()
    Edition.objects.filter(pk__in=editions).delete()
    Instrument.objects.filter(slug=slugs.instrument).delete()
    organisations.delete()


def make_synthetic(
    *,
    slug: str,
    clauses: int,
    amendments: int,
    versions: int,
    replace: bool = False,
    accents: bool = False,
) -> SyntheticSummary:
    """Write a generated negotiation for tests and benchmarks, in one transaction.

    An instrument ``slug``, an adopted published base edition ``<slug>-base`` and a
    published draft ``<slug>-draft`` forked from it, each of ``clauses`` clauses; one
    numbered clause in ten of the draft reads differently; every draft clause has
    ``versions`` history rows (created, then edited), as ``clause_update`` would write
    them. ``amendments`` amendments on the draft from ten organisations, in every
    status, numbered gapless in filing order as the services number them; a position
    per four amendments, each linked to a clause. Everything says "synthetic".
    With ``accents``, every 25th paragraph speaks of "l'œuvre" and "Économie", every
    10th justification adds "Une œuvre." and every 50th "L'économie de l'œuvre." (for
    the search benchmarks: words to fold); without it the output is unchanged.
    Raises ``SyntheticRefused`` (nothing written) on bad input or an existing slug
    without ``replace``.
    """
    import time

    from django.db import transaction

    _check(slug=slug, clauses=clauses, amendments=amendments, versions=versions, replace=replace)
    start = time.perf_counter()
    with transaction.atomic():
        slugs = SyntheticSlugs.of(slug)
        if replace:
            _delete(slugs)
        summary = _write(
            slugs, clauses=clauses, amendments=amendments, versions=versions, accents=accents
        )
    return SyntheticSummary(**{**summary.__dict__, "seconds": time.perf_counter() - start})


def _write(
    slugs: SyntheticSlugs, *, clauses: int, amendments: int, versions: int, accents: bool = False
) -> SyntheticSummary:
    from django.utils import timezone
    from simple_history.utils import bulk_create_with_history

    from .models import Clause, Edition, Instrument

    plan = _plan(clauses)
    if accents:
        for planned in plan:
            if planned.kind == "paragraph" and int(planned.number) % ACCENTED_PARAGRAPH_EVERY == 0:
                planned.text = (
                    f"Synthetic paragraph {planned.number} speaks of l'œuvre and of "
                    f"Économie in the digital environment."
                )
    instrument = Instrument.objects.create(
        slug=slugs.instrument, title=f"Synthetic instrument {slugs.instrument}"
    )
    common = {
        "instrument": instrument,
        "language": Edition.Language.EN,
        "completeness": Edition.Completeness.COMPLETE,
        "published": True,
        "source_citation": "Generated by make_synthetic for tests and benchmarks.",
    }
    base = Edition.objects.create(
        slug=slugs.base,
        label="Synthetic base",
        title="Synthetic base edition",
        status=Edition.Status.ADOPTED,
        date=datetime.date(2017, 6, 1),
        **common,
    )
    draft = Edition.objects.create(
        slug=slugs.draft,
        label="Synthetic draft",
        title="Synthetic draft edition",
        status=Edition.Status.DRAFT,
        based_on=base,
        **common,
    )
    started = timezone.now() - datetime.timedelta(days=versions + 1)
    changed_at = {i for i, p in enumerate(plan) if p.kind != "section" and i % CHANGED_EVERY == 1}

    def draft_text(i: int) -> str:
        return _changed(plan[i].text, versions) if i in changed_at else plan[i].text

    # Base: as the importer writes it (bulk_create_with_history, one "+" row a clause).
    _create_clauses(
        plan,
        lambda rows: bulk_create_with_history(
            rows,
            Clause,
            batch_size=BATCH,
            default_user=None,
            default_change_reason="Imported (synthetic)",
            default_date=started,
        ),
        edition=base,
        version=lambda i: 1,
        text=lambda i: plan[i].text,
    )
    # Draft: clauses at their last version; the history is written below, all versions.
    draft_ids = _create_clauses(
        plan,
        lambda rows: Clause.objects.bulk_create(rows, batch_size=BATCH),
        edition=draft,
        version=lambda i: versions,
        text=draft_text,
    )
    history_rows = _clause_history(plan, draft, draft_ids, versions, started, draft_text)
    numbered, positions = _amendments(
        plan, draft, draft_ids, amendments, versions, started, draft_text, accents=accents
    )
    return SyntheticSummary(
        slugs=slugs,
        clauses=len(plan),
        changed=len(changed_at),
        amendments=amendments,
        numbered=numbered,
        positions=positions,
        history_rows=history_rows,
        seconds=0.0,
    )


def _id_of(ids: list[int], index: int | None) -> int | None:
    return None if index is None else ids[index]


def _create_clauses(
    plan: list[_Planned],
    create: Callable[[list[Clause]], list[Clause]],
    *,
    edition: Edition,
    version: Callable[[int], int],
    text: Callable[[int], str],
) -> list[int]:
    """Insert the plan level by level (parents first); the ids in plan order."""
    from .models import Clause
    from .searching import search_document

    ids: list[int] = [0] * len(plan)
    for depth in (0, 1, 2):
        level = [i for i, p in enumerate(plan) if p.depth == depth]
        for chunk_start in range(0, len(level), BATCH):
            chunk = level[chunk_start : chunk_start + BATCH]
            rows = [
                Clause(
                    edition=edition,
                    parent_id=_id_of(ids, plan[i].parent),
                    kind=plan[i].kind,
                    number=plan[i].number,
                    eid=plan[i].eid,
                    order=i + 1,
                    depth=plan[i].depth,
                    heading=plan[i].heading,
                    text=text(i),
                    search_text=search_document(plan[i].heading, text(i)),
                    version=version(i),
                )
                for i in chunk
            ]
            for i, row in zip(chunk, create(rows), strict=True):
                ids[i] = row.pk
    return ids


def _history_row(
    instance: Model, *, history_type: str, date: datetime.datetime, reason: str, **overrides: object
) -> Model:
    """The django-simple-history row a service's save would write for ``instance``."""
    history_model = type(instance).history.model  # type: ignore[attr-defined]
    values = {
        field.attname: getattr(instance, field.attname)
        for field in history_model._meta.fields
        if not field.name.startswith("history_")
    }
    values.update(overrides)
    return history_model(  # type: ignore[no-any-return]
        **values,
        history_date=date,
        history_type=history_type,
        history_change_reason=reason,
        history_user_id=None,
    )


def _clause_history(
    plan: list[_Planned],
    draft: Edition,
    ids: list[int],
    versions: int,
    started: datetime.datetime,
    draft_text: Callable[[int], str],
) -> int:
    """``versions`` rows a clause, oldest first (so history ids follow the versions):
    the fork's "+" row, then one "~" row an edit; the last is the clause as it is."""
    from .models import Clause

    history_model = Clause.history.model
    written = 0
    for version in range(1, versions + 1):
        date = started + datetime.timedelta(hours=version)
        reason = "Forked from Synthetic base" if version == 1 else f"Synthetic edit {version}"
        for chunk_start in range(0, len(plan), BATCH):
            rows = []
            for i in range(chunk_start, min(chunk_start + BATCH, len(plan))):
                planned = plan[i]
                if version == versions:
                    text = draft_text(i)
                elif version == 1 or planned.kind == "section":
                    text = planned.text
                else:
                    text = _changed(planned.text, version)
                rows.append(
                    history_model(
                        id=ids[i],
                        edition_id=draft.pk,
                        parent_id=ids[planned.parent] if planned.parent is not None else None,
                        kind=planned.kind,
                        number=planned.number,
                        eid=planned.eid,
                        order=i + 1,
                        depth=planned.depth,
                        heading=planned.heading,
                        text=text,
                        note="",
                        version=version,
                        history_date=date,
                        history_type="+" if version == 1 else "~",
                        history_change_reason=reason,
                        history_user_id=None,
                    )
                )
            history_model.objects.bulk_create(rows, batch_size=BATCH)
            written += len(rows)
    return written


# The history of an amendment in each final status: the statuses it went through.
_STEPS = {
    "draft": ["draft"],
    "submitted": ["submitted"],
    "admissible": ["submitted", "admissible"],
    "inadmissible": ["submitted", "inadmissible"],
    "adopted": ["submitted", "admissible", "adopted"],
    "adopted_as_amended": ["submitted", "admissible", "adopted_as_amended"],
    "rejected": ["submitted", "admissible", "rejected"],
    "withdrawn": ["submitted", "withdrawn"],
}


def _amendments(
    plan: list[_Planned],
    draft: Edition,
    ids: list[int],
    count: int,
    versions: int,
    started: datetime.datetime,
    draft_text: Callable[[int], str],
    *,
    accents: bool = False,
) -> tuple[int, int]:
    """``count`` amendments on the draft and a position per four; (numbered, positions)."""
    from simple_history.utils import bulk_create_with_history

    from amendments.models import Amendment, AmendmentSupport
    from positions.models import Organisation, Position, PositionLink, PositionPaper

    from .searching import search_document

    if count == 0:
        return 0, 0
    tag = draft.instrument.slug
    organisations = Organisation.objects.bulk_create(
        [
            Organisation(
                name=f"Synthetic {'Party' if n > ORGANISATIONS - PARTIES else 'NGO'} {n} ({tag})",
                acronym=f"SYN{n}",
                kind=(
                    Organisation.Kind.PARTY
                    if n > ORGANISATIONS - PARTIES
                    else Organisation.Kind.NGO
                ),
                accredited=True,
            )
            for n in range(1, ORGANISATIONS + 1)
        ]
    )
    numbered_clauses = [i for i, p in enumerate(plan) if p.kind != "section"]
    amendments: list[Amendment] = []
    history: list[Model] = []
    sequence = 0
    for n in range(count):
        status = STATUS_CYCLE[n % len(STATUS_CYCLE)]
        i = numbered_clauses[(n * 7) % len(numbered_clauses)]
        operation, position, proposed = (
            "replace",
            "",
            f"{draft_text(i)} Synthetic amendment {n + 1}.",
        )
        if n % 10 == 4:
            operation, position, proposed = "insert", "after", f"Synthetic new clause {n + 1}."
        elif n % 10 == 9:
            operation, position, proposed = "delete", "", ""
        justification = f"Synthetic justification {n + 1}: the clause should say more."
        if accents and n % ACCENTED_AMENDMENT_EVERY == 0:
            justification += " Une œuvre."
        if accents and n % ACCENTED_PHRASE_EVERY == 0:
            justification += " L'économie de l'œuvre."
        filed = started + datetime.timedelta(minutes=n)
        numbered = status != "draft"
        if numbered:
            sequence += 1
        decided = status in ("adopted", "adopted_as_amended", "rejected")
        amendments.append(
            Amendment(
                edition=draft,
                number=f"A-{sequence}" if numbered else "",
                sequence=sequence if numbered else None,
                operation=operation,
                clause_id=ids[i],
                insert_position=position,
                base_text=draft_text(i),
                base_version=versions,
                proposed_text=proposed,
                justification=justification,
                search_text=search_document(proposed, justification),
                proposer=organisations[n % (ORGANISATIONS - PARTIES)],
                status=status,
                inadmissibility_reason=(
                    "Synthetic: outside the scope." if status == "inadmissible" else ""
                ),
                adopted_text=(
                    f"Synthetic adopted text {n + 1}." if status == "adopted_as_amended" else ""
                ),
                submitted_at=filed if numbered else None,
                decided_at=filed + datetime.timedelta(days=1) if decided else None,
                version=len(_STEPS[status]),
            )
        )
    Amendment.objects.bulk_create(amendments, batch_size=BATCH)
    for n, amendment in enumerate(amendments):
        filed = started + datetime.timedelta(minutes=n)
        for step, status in enumerate(_STEPS[amendment.status], start=1):
            history.append(
                _history_row(
                    amendment,
                    history_type="+" if step == 1 else "~",
                    date=filed + datetime.timedelta(hours=step - 1),
                    reason=REASON if step == 1 else f"Synthetic: {status}",
                    status=status,
                    version=step,
                    decided_at=amendment.decided_at
                    if step == len(_STEPS[amendment.status])
                    else None,
                )
            )
    Amendment.history.model.objects.bulk_create(history, batch_size=BATCH)
    supports = [
        AmendmentSupport(
            amendment=amendment,
            organisation=organisations[ORGANISATIONS - 1 - n % PARTIES],
            stance="support" if n % 2 else "oppose",
        )
        for n, amendment in enumerate(amendments)
        if amendment.status in ("submitted", "admissible") and n % 5 == 0
    ]
    bulk_create_with_history(
        supports,
        AmendmentSupport,
        batch_size=BATCH,
        default_change_reason=REASON,
        default_date=started,
    )
    # Positions: one paper per organisation, one sentence of it per position.
    positions_count = max(1, count // 4)
    papers: list[tuple[PositionPaper, list[tuple[int, int]]]] = []
    per_paper = -(-positions_count // ORGANISATIONS)
    for k, organisation in enumerate(organisations):
        sentences = [
            f"Synthetic position {k * per_paper + j + 1} of {organisation.acronym}: "
            "the draft should protect cultural diversity."
            for j in range(per_paper)
        ]
        text, ranges, offset = "", [], 0
        for sentence in sentences:
            ranges.append((offset, offset + len(sentence)))
            text += sentence + "\n"
            offset += len(sentence) + 1
        paper = PositionPaper.objects.create(
            title=f"Synthetic position paper of {organisation.name}",
            language=PositionPaper.Language.EN,
            text=text,
            meeting_reference="synthetic",
        )
        paper.organisations.add(organisation)
        papers.append((paper, ranges))
    positions = []
    for n in range(positions_count):
        k, j = divmod(n, per_paper)
        paper, ranges = papers[k]
        positions.append(
            Position(
                paper=paper,
                organisation=organisations[k],
                stance=("support", "oppose", "amend", "concern")[n % 4],
                summary=f"Synthetic position {n + 1}",
                excerpt_start=ranges[j][0],
                excerpt_end=ranges[j][1],
                search_text=search_document(
                    f"Synthetic position {n + 1}", paper.text[ranges[j][0] : ranges[j][1]]
                ),
            )
        )
    Position.objects.bulk_create(positions, batch_size=BATCH)
    PositionLink.objects.bulk_create(
        [
            PositionLink(
                position=position,
                clause_id=ids[numbered_clauses[(n * 13) % len(numbered_clauses)]],
                rationale=f"Synthetic rationale {n + 1}",
            )
            for n, position in enumerate(positions)
        ],
        batch_size=BATCH,
    )
    return sequence, positions_count
