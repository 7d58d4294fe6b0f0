from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from amendments import services as amendment_services
from amendments.models import Amendment
from guidelines import seed, services
from guidelines.importing import ImportFailure, decode, parse
from guidelines.models import Clause, Edition, Instrument
from positions import services as position_services
from positions.models import Organisation, Position, PositionLink, PositionPaper


class Command(BaseCommand):
    help = (
        "Load the seed data (DESIGN.md, Honest data): the 2017 edition, the partial "
        "revision draft, the organisations, the five papers and their positions. Idempotent."
    )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        Instrument.objects.update_or_create(
            slug=seed.INSTRUMENT,
            defaults={"title": seed.INSTRUMENT_TITLE, "body": seed.INSTRUMENT_BODY},
        )
        self.seed_2017()
        self.seed_draft()
        organisations = self.seed_organisations()
        papers = self.seed_papers(organisations)
        self.seed_positions(papers, organisations)
        self.seed_amendments(papers, organisations)

    def seed_2017(self) -> None:
        path = seed.SEEDS / seed.EDITION_2017_FILE
        try:
            parsed = parse(decode(path.read_bytes()), markdown=False)
            result = services.edition_import(
                parsed=parsed,
                instrument_slug=seed.INSTRUMENT,
                slug=seed.EDITION_2017,
                label=seed.EDITION_2017_LABEL,
                language=Edition.Language.FR,
                status=Edition.Status.ADOPTED,
                source_citation=seed.EDITION_2017_SOURCE,
                published=True,
                reason=f"Imported from {path.name}",
            )
        except (ImportFailure, ValidationError, OSError) as exc:
            raise CommandError(f"{path}: {exc}") from None
        self.stdout.write(
            f"{seed.EDITION_2017}: {_state(result)}, {result.edition.clauses.count()} clauses."
        )

    def seed_draft(self) -> None:
        """The revision draft as far as the Joint Advocacy paper cites it, and no further."""
        path: Path = seed.EDITION_DRAFT_FILE
        try:
            # Parse warnings are expected (1.2 without 1, 2.1.1 without 2.1): it is partial.
            parsed = parse(decode(path.read_bytes()), markdown=True)
            result = services.edition_import(
                parsed=parsed,
                instrument_slug=seed.INSTRUMENT,
                slug=seed.EDITION_DRAFT,
                label=seed.EDITION_DRAFT_LABEL,
                language=Edition.Language.EN,
                status=Edition.Status.DRAFT,
                completeness=Edition.Completeness.PARTIAL,
                source_citation=seed.EDITION_DRAFT_SOURCE,
                published=True,
                reason=f"Imported from {path.name}",
            )
            notes = 0
            for clause in result.edition.clauses.in_document_order():
                note = seed.DRAFT_NOTES.get(clause.eid)
                if note is not None and clause.note != note:
                    services.clause_update(
                        clause=clause,
                        user=None,
                        expected_version=clause.version,
                        reason="Seed: provenance",
                        note=note,
                    )
                    notes += 1
        except (ImportFailure, ValidationError, OSError) as exc:
            raise CommandError(f"{path}: {exc}") from None
        self.stdout.write(
            f"{seed.EDITION_DRAFT}: {_state(result)}, {result.edition.clauses.count()} clauses "
            f"(partial), {notes} notes set."
        )

    def seed_organisations(self) -> dict[str, Organisation]:
        organisations: dict[str, Organisation] = {}
        created = changed = 0
        for name, acronym, kind in seed.ORGANISATIONS:
            wanted = {"acronym": acronym, "kind": kind, "accredited": True}
            organisation, made = Organisation.objects.get_or_create(name=name, defaults=wanted)
            created += made
            if not made and any(getattr(organisation, k) != v for k, v in wanted.items()):
                for key, value in wanted.items():
                    setattr(organisation, key, value)
                organisation.save(update_fields=list(wanted))
                changed += 1
            organisations[name] = organisation
        self.stdout.write(
            f"organisations: {len(organisations)} ({created} created, {changed} updated)."
        )
        return organisations

    def seed_papers(self, organisations: dict[str, Organisation]) -> dict[str, PositionPaper]:
        papers: dict[str, PositionPaper] = {}
        created = 0
        for spec in seed.PAPERS:
            path = seed.SEEDS / spec.file
            try:
                result = position_services.paper_import(
                    text=path.read_bytes(),
                    organisations=[organisations[spec.organisation]],
                    title=spec.title,
                    date=spec.date,
                    language=spec.language,
                    meeting_reference=spec.meeting_reference,
                    source_file=spec.file,
                )
            except (ValidationError, OSError) as exc:
                raise CommandError(f"{path}: {exc}") from None
            created += result.created
            papers[spec.file] = result.paper
        self.stdout.write(f"papers: {len(papers)} ({created} created).")
        return papers

    def seed_positions(
        self, papers: dict[str, PositionPaper], organisations: dict[str, Organisation]
    ) -> None:
        created = links_created = 0
        for spec in seed.POSITIONS:
            paper = papers[spec.paper.file]
            organisation = organisations[spec.paper.organisation]
            try:
                links = [(_clause(link.edition, link.eid), link.rationale) for link in spec.links]
                start = paper.text.find(spec.excerpt)
                position = Position.objects.filter(
                    paper=paper,
                    organisation=organisation,
                    excerpt_start=start,
                    excerpt_end=start + len(spec.excerpt),
                ).first()
                if position is None:
                    position_services.position_create(
                        paper=paper,
                        organisation=organisation,
                        stance=spec.stance,
                        summary=spec.summary,
                        excerpt=spec.excerpt,
                        links=links,
                    )
                    created += 1
                    links_created += len(links)
                    continue
                for clause, rationale in links:
                    if not PositionLink.objects.filter(position=position, clause=clause).exists():
                        position_services.position_link(
                            position=position, clause=clause, rationale=rationale
                        )
                        links_created += 1
            except (ValidationError, PermissionDenied) as exc:
                raise CommandError(f"{spec.paper.file}: {spec.summary}: {exc}") from None
        self.stdout.write(
            f"positions: {len(seed.POSITIONS)} ({created} created), {links_created} links created."
        )

    def seed_amendments(
        self, papers: dict[str, PositionPaper], organisations: dict[str, Organisation]
    ) -> None:
        proposer = organisations[seed.JOINT_ADVOCACY]
        created = 0
        for spec in seed.AMENDMENTS:
            clause = _clause(seed.EDITION_DRAFT, spec.clause)
            if Amendment.objects.filter(
                edition=clause.edition,
                clause=clause,
                operation=spec.operation,
                proposer=proposer,
            ).exists():
                continue
            positions = [_position(papers, position) for position in spec.positions]
            try:
                amendment_services.amendment_record(
                    proposer=proposer,
                    edition=clause.edition,
                    clause=clause,
                    operation=spec.operation,
                    insert_position=spec.insert_position or None,
                    proposed_text=spec.proposed_text,
                    justification=spec.justification,
                    positions=positions,
                    reason="Seed: as asked in the Joint Advocacy paper "
                    f"({seed.JOINT_ADVOCACY_FILE})",
                )
            except (ValidationError, PermissionDenied) as exc:
                raise CommandError(f"amendment on {spec.clause}: {exc}") from None
            created += 1
        self.stdout.write(f"amendments: {len(seed.AMENDMENTS)} ({created} created).")


def _position(papers: dict[str, PositionPaper], spec: seed.SeedPosition) -> Position:
    paper = papers[spec.paper.file]
    start = paper.text.find(spec.excerpt)
    position = Position.objects.filter(paper=paper, excerpt_start=start).first()
    if position is None:
        raise CommandError(f"seed: no position quoting {spec.excerpt[:40]!r}")
    return position


def _state(result: services.ImportResult) -> str:
    return "created" if result.created else "unchanged" if result.unchanged else "updated"


def _clause(edition: str, eid: str) -> Clause:
    clause = Clause.objects.select_related("edition").filter(edition__slug=edition, eid=eid).first()
    if clause is None:
        raise CommandError(f"seed: no clause {eid} in {edition}")
    return clause
