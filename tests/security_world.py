"""A world where every user-writable field holds hostile text, and the pages that show it.

Shared by the XSS tests (tests/test_xss.py) and the Content-Security-Policy tests
(tests/test_csp.py): the pages walked for inline code are the same pages that show the
payloads, so a hole in either shows in both.

Each field gets its own payload, named by a marker (``proposedxss``…), so a test can say
which field a page shows; every payload holds the same hostile pieces: a script element,
an attribute break-out with an event handler, a ``javascript:`` link, a template
expression and a spreadsheet formula at the start (for the CSV cells).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest

from amendments import following
from amendments import services as amendment_services
from amendments.models import Amendment
from guidelines import services as guideline_services
from guidelines.importing import parse
from guidelines.models import Clause, Edition
from positions import services as position_services
from positions.models import Membership, Organisation

ACRONYM = '"><img src=x onerror=alert(1)>'  # acronyms hold 40 characters at most


def hostile(marker: str) -> str:
    return (
        f'=HYPERLINK("http://x","{marker}") <script>alert("{marker}")</script> '
        f'"><img src=x onerror=alert(1)> <a href="javascript:alert(1)">{marker}</a> '
        "{{7*7}} end"
    )


# The raw markup of the payloads: none of it may reach a page or an HTML export unescaped.
RAW = ("<script>alert(", "<img src=x", '<a href="javascript:')

MARKERS = (
    "orgnamexss",
    "partyxss",
    "labelxss",
    "headingxss",
    "clausetextxss",
    "clauseeditxss",
    "papertitlexss",
    "papertextxss",
    "positionsummaryxss",
    "rationalexss",
    "proposedxss",
    "justificationxss",
    "recommendationxss",
    "decisionxss",
    "proposed2xss",
    "inadmissiblexss",
    "withdrawalxss",
    "openxss",
)


@dataclass
class World:
    base: Edition
    draft: Edition
    organisation: Organisation
    party: Organisation
    users: dict[str, object]
    adopted: Amendment
    inadmissible: Amendment
    private_draft: Amendment
    withdrawn: Amendment
    paper_id: int
    ids: dict[str, int] = field(default_factory=dict)


def _member(django_user_model, username: str, organisation: Organisation | None):
    user = django_user_model.objects.create_user(username, password=f"{username}-pass-123")
    if organisation is not None:
        Membership.objects.create(user=user, organisation=organisation)
    return user


@pytest.fixture
def hostile_world(db, django_user_model) -> World:
    from tests.amendments.conftest import open_window

    organisation = Organisation.objects.create(
        name=hostile("orgnamexss"),
        acronym=ACRONYM,
        kind=Organisation.Kind.NGO,
        accredited=True,
    )
    party = Organisation.objects.create(name=hostile("partyxss"), kind=Organisation.Kind.PARTY)
    secretariat = Organisation.objects.create(
        name="Secretariat", kind=Organisation.Kind.SECRETARIAT, accredited=True
    )
    users = {
        "ngo": _member(django_user_model, "ngoxss", organisation),
        "delegate": _member(django_user_model, "delegatexss", party),
        "secretariat": _member(django_user_model, "secretariatxss", secretariat),
    }
    base = guideline_services.edition_import(
        parsed=parse("## Principles\n\n1. Old words.\n\n2. Second words.\n"),
        instrument_slug="instrumentxss",
        slug="basexss",
        label="Base",
        language="en",
        status=Edition.Status.ADOPTED,
        published=True,
        reason="test",
    ).edition
    draft = guideline_services.edition_import(
        parsed=parse(
            f"## {hostile('headingxss')}\n\n1. {hostile('clausetextxss')}\n\n"
            "2. Second words.\n\n3. Third words.\n"
        ),
        instrument_slug="instrumentxss",
        slug="draftxss",
        label=hostile("labelxss"),
        language="en",
        status=Edition.Status.DRAFT,
        published=True,
        reason="test",
    ).edition
    para_2 = Clause.objects.get(edition=draft, eid="para_2")
    guideline_services.clause_update(
        clause=para_2,
        user=None,
        expected_version=para_2.version,
        reason=hostile("editreasonxss"),
        text=hostile("clauseeditxss"),
    )
    guideline_services.editions_align(a=base, b=draft)
    open_window(draft)
    para_1 = Clause.objects.get(edition=draft, eid="para_1")
    paper = position_services.paper_import(
        text=f"Introduction. {hostile('papertextxss')} Conclusion.",
        organisations=[organisation],
        title=hostile("papertitlexss"),
        language="en",
    ).paper
    position = position_services.position_create(
        paper=paper,
        stance="amend",
        summary=hostile("positionsummaryxss"),
        excerpt=hostile("papertextxss"),
        links=[(para_1, hostile("rationalexss"))],
    )
    for user in (users["secretariat"], users["delegate"]):
        following.follow(user=user, target=draft)

    ngo, secretariat_user = users["ngo"], users["secretariat"]

    def submit(eid: str, proposed: str, justification: str) -> Amendment:
        amendment = amendment_services.amendment_create(
            user=ngo,
            edition=draft,
            clause=Clause.objects.get(edition=draft, eid=eid),
            operation=Amendment.Operation.REPLACE,
            proposed_text=proposed,
            justification=justification,
            positions=[position],
        )
        return amendment_services.amendment_submit(
            amendment=amendment, user=ngo, expected_version=amendment.version
        )

    adopted = submit("para_1", hostile("proposedxss"), hostile("justificationxss"))
    amendment_services.amendment_support(
        amendment=adopted, user=users["delegate"], stance="support"
    )
    adopted = amendment_services.amendment_screen(
        amendment=adopted, user=secretariat_user, admissible=True, reason=""
    )
    adopted = amendment_services.amendment_recommend(
        amendment=adopted, user=secretariat_user, recommendation=hostile("recommendationxss")
    )
    adopted = amendment_services.amendment_decide(
        amendment=adopted,
        user=secretariat_user,
        outcome=Amendment.Status.ADOPTED,
        reason=hostile("decisionxss"),
    )
    inadmissible = submit("para_2", hostile("proposed2xss"), "Because.")
    inadmissible = amendment_services.amendment_screen(
        amendment=inadmissible,
        user=secretariat_user,
        admissible=False,
        reason=hostile("inadmissiblexss"),
    )
    withdrawn = submit("para_3", "Third, better.", "Why not.")
    withdrawn = amendment_services.amendment_withdraw(
        amendment=withdrawn,
        user=ngo,
        expected_version=withdrawn.version,
        reason=hostile("withdrawalxss"),
    )
    submit("para_3", hostile("openxss"), hostile("openwhyxss"))  # open: for the what-if
    private_draft = amendment_services.amendment_create(
        user=ngo,
        edition=draft,
        clause=Clause.objects.get(edition=draft, eid="para_3"),
        operation=Amendment.Operation.REPLACE,
        proposed_text=hostile("privatexss"),
        justification=hostile("privatewhyxss"),
    )
    return World(
        base=base,
        draft=draft,
        organisation=organisation,
        party=party,
        users=users,
        adopted=adopted,
        inadmissible=inadmissible,
        private_draft=private_draft,
        withdrawn=withdrawn,
        paper_id=paper.pk,
    )


# Every HTML page that shows the hostile fields: (who looks, URL, markers it must show).
# {adopted}, {inadmissible}, {private}, {paper} are filled from the world.
PAGES: list[tuple[str, str, tuple[str, ...]]] = [
    ("anonymous", "/", ("labelxss",)),
    ("anonymous", "/editions/draftxss/", ("labelxss", "headingxss", "clausetextxss")),
    ("anonymous", "/editions/draftxss/para_1/", ("clausetextxss",)),
    ("anonymous", "/editions/draftxss/para_2/", ("clauseeditxss", "editreasonxss")),
    ("anonymous", "/editions/draftxss/para_2/?old=1&new=2", ("clauseeditxss",)),
    ("anonymous", "/compare/basexss/draftxss/", ("clausetextxss", "positionsummaryxss")),
    ("anonymous", "/compare/basexss/draftxss/?mode=projector", ("clausetextxss",)),
    ("secretariat", "/compare/basexss/draftxss/map/", ("labelxss",)),
    ("anonymous", "/amendments/", ("partyxss",)),
    (
        "anonymous",
        "/amendments/{adopted}/",
        (
            "proposedxss",
            "justificationxss",
            "recommendationxss",
            "decisionxss",
            "orgnamexss",
            "partyxss",
        ),
    ),
    ("anonymous", "/amendments/{inadmissible}/", ("proposed2xss", "inadmissiblexss")),
    ("anonymous", "/amendments/{withdrawn}/", ("withdrawalxss",)),
    ("ngo", "/amendments/{private}/", ("privatexss", "privatewhyxss")),
    ("ngo", "/amendments/{private}/edit/", ("privatexss", "privatewhyxss")),
    ("anonymous", "/positions/", ("positionsummaryxss", "orgnamexss")),
    ("anonymous", "/papers/{paper}/", ("papertitlexss", "papertextxss", "rationalexss")),
    ("anonymous", "/search/?q=alert", ("proposedxss", "clausetextxss")),
    ("secretariat", "/notifications/", ("labelxss",)),
    ("anonymous", "/editions/draftxss/what-if/", ("clausetextxss", "openxss")),
    ("secretariat", "/editions/draftxss/consolidate/", ("labelxss",)),
    ("secretariat", "/editions/draftxss/para_1/edit/", ("clausetextxss",)),
    ("secretariat", "/editions/draftxss/window/", ("labelxss",)),
    ("secretariat", "/editions/draftxss/fork/", ("labelxss",)),
    ("secretariat", "/organisations/", ("orgnamexss", "partyxss")),
    ("ngo", "/editions/draftxss/word-amendments/", ("labelxss",)),
    ("ngo", "/amendments/new/?edition=draftxss&clause=para_1", ("clausetextxss",)),
    ("anonymous", "/api/docs/", ()),
    ("anonymous", "/accounts/login/", ()),
]


def all_rows() -> dict[str, str]:
    """What every table holds (a digest of its rows, in key order), sessions aside: a
    refused request or command leaves this as it was. Digests, not counts, so that a row
    changed in place (a status moved, a text rewritten) is caught as well as one added.

    Sessions are left out: a refused request may still store a message for the next page.
    """
    import hashlib

    from django.apps import apps

    digests = {}
    for model in apps.get_models():
        if model._meta.label == "sessions.Session":
            continue
        rows = model._default_manager.order_by("pk").values_list()
        digests[model._meta.label] = hashlib.sha256(repr(list(rows)).encode()).hexdigest()
    return digests


def page_url(url: str, world: World) -> str:
    return url.format(
        adopted=world.adopted.pk,
        inadmissible=world.inadmissible.pk,
        withdrawn=world.withdrawn.pk,
        private=world.private_draft.pk,
        paper=world.paper_id,
    )


URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data"}
SCRIPT_URL = r"\s*(javascript|vbscript|data):"


class PageParser(HTMLParser):
    """Collects the text of a page and every element and attribute that could run code."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.inline_scripts: list[str] = []
        self.styles: list[str] = []
        self.handlers: list[str] = []
        self.script_urls: list[str] = []
        self.injected: list[str] = []
        self._in_script = False
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            self._in_script = "src" not in values
            if self._in_script:
                self.inline_scripts.append(f"<script> at line {self.getpos()[0]}")
        if tag == "style":
            self._in_style = True
            self.styles.append(f"<style> at line {self.getpos()[0]}")
        if tag == "img" and values.get("src") == "x":
            self.injected.append("<img src=x>")
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append(f"<{tag} {name}=…>")
            if name == "style":
                self.styles.append(f"<{tag} style=…>")
            if name in URL_ATTRIBUTES and re.match(SCRIPT_URL, value or "", re.IGNORECASE):
                self.script_urls.append(f"<{tag} {name}={(value or '')[:40]}>")

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if not self._in_script and not self._in_style:
            self.text.append(data)


def parse_page(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    parser.close()
    return parser


def inline_code(parser: PageParser) -> list[str]:
    """What the Content-Security-Policy would block: inline scripts, styles, handlers."""
    return parser.inline_scripts + parser.styles + parser.handlers + parser.script_urls
