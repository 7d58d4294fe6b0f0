"""The interface in English and French: the French catalogue is complete and up to date,
and every page a user reaches speaks French when asked to.

Clause texts, papers and other data stay in their own language; the page checks read only
the text that the templates mark as the page's language (no ``lang`` other than ``fr``).
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from amendments import services as amendment_services
from amendments.models import Amendment
from guidelines import seed
from guidelines.models import Clause, Edition
from positions.models import PositionPaper
from tests.amendments.conftest import open_window

PO_FILE = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.po"
# The folders `makemessages -l fr` is told to leave out when the catalogue is updated.
MAKEMESSAGES_IGNORE = [".venv", "var", "node_modules"]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")
TAG = re.compile(r"<[^>]+>")
NBSP = "\u00a0"

# --- reading the catalogue -------------------------------------------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    references: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str | None, str, str | None]:
        return (self.msgctxt, self.msgid, self.msgid_plural)

    @property
    def from_templates(self) -> bool:
        return any(ref.startswith("templates/") for ref in self.references)


def read_catalogue(path: Path) -> list[Entry]:
    """The live entries of a .po file (the header and obsolete ``#~`` entries left out)."""
    entries: list[Entry] = []
    for block in re.split(r"\n[ \t]*\n", path.read_text(encoding="utf-8")):
        entry = Entry()
        keyword: str | None = None  # what a continued "…" line adds to
        index = 0
        for line in block.strip().splitlines():
            if line.startswith("#~"):
                keyword = None
            elif line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#:"):
                entry.references += [ref.rsplit(":", 1)[0] for ref in line[2:].split()]
            elif line.startswith("#"):
                continue
            elif match := re.match(
                r'(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d)\])? (".*")$', line
            ):
                keyword, number, value = match.groups()
                index = int(number or 0)
                if keyword == "msgstr":
                    entry.msgstr[index] = ast.literal_eval(value)
                else:
                    setattr(entry, keyword, ast.literal_eval(value))
            elif line.startswith('"') and keyword is not None:
                if keyword == "msgstr":
                    entry.msgstr[index] += ast.literal_eval(line)
                else:
                    setattr(entry, keyword, getattr(entry, keyword) + ast.literal_eval(line))
        if entry.msgid or entry.msgid_plural:
            entries.append(entry)
    return entries


@pytest.fixture(scope="module")
def catalogue() -> list[Entry]:
    return read_catalogue(PO_FILE)


def placeholders(text: str) -> list[str]:
    return sorted(match.group(0) for match in PLACEHOLDER.finditer(text))


# --- the catalogue ---------------------------------------------------------------------


def test_msgfmt_accepts_the_catalogue_and_finds_every_message_translated():
    """GNU msgfmt (``make locale-deps``) checks the format strings and counts the rest."""
    if shutil.which("msgfmt") is None:
        pytest.fail("msgfmt is missing: run `make locale-deps` (Debian's gettext)")
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "--output-file=/dev/null", str(PO_FILE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    # "N translated messages." alone: no "fuzzy translations", no "untranslated messages".
    assert re.fullmatch(r"\d+ translated messages?\.\n", result.stderr), result.stderr


def test_every_entry_is_translated_and_none_is_fuzzy(catalogue):
    assert len(catalogue) > 500
    untranslated = [e.msgid for e in catalogue if not all(e.msgstr.values()) or not e.msgstr]
    fuzzy = [e.msgid for e in catalogue if "fuzzy" in e.flags]
    assert untranslated == []
    assert fuzzy == []
    plural = [e for e in catalogue if e.msgid_plural is not None]
    assert plural, "the catalogue has plural entries"
    # French has two forms: n ≤ 1 and n > 1.
    assert [e.msgid for e in plural if sorted(e.msgstr) != [0, 1]] == []
    header = PO_FILE.read_text(encoding="utf-8").split("\n\n", 1)[0]
    assert '"Language: fr\\n"' in header
    assert '"Plural-Forms: nplurals=2; plural=(n > 1);\\n"' in header
    assert "#, fuzzy" not in header


def test_each_translation_keeps_the_placeholders_and_markup_of_its_source(catalogue):
    wrong = []
    for entry in catalogue:
        sources = [entry.msgid] + ([entry.msgid_plural] if entry.msgid_plural else [])
        for index, text in entry.msgstr.items():
            source = sources[min(index, len(sources) - 1)]
            # The singular of a plural may leave out the count ("un amendement").
            if set(placeholders(text)) != set(placeholders(source)) and not (
                entry.msgid_plural
                and index == 0
                and set(placeholders(text)) < set(placeholders(source))
            ):
                wrong.append((entry.msgid, text))
            if sorted(TAG.findall(text)) != sorted(TAG.findall(source)):
                wrong.append((entry.msgid, text))
    assert wrong == []


def test_translations_follow_french_typography(catalogue):
    """A no-break space before : ; ? ! and inside « », never an ordinary space; no “”."""
    wrong = []
    for entry in catalogue:
        for text in entry.msgstr.values():
            if (
                re.search(r"[ \t][:;?!](\s|$)", text)
                or re.search(r"«(?!\u00a0)|(?<!\u00a0)»", text)
                or re.search(r"[“”]", text)
            ):
                wrong.append(text)
    assert wrong == []


def test_the_catalogue_has_an_entry_for_every_message_of_the_code_and_templates(
    tmp_path, settings, monkeypatch
):
    """``makemessages -l fr`` run on a copy of the sources finds no message that the
    committed catalogue lacks, and the catalogue keeps no message the sources dropped.

    The copy holds only what makemessages reads (.py, .html, .txt) and the catalogue, so
    the project's own locale folder is never written."""
    base = Path(settings.BASE_DIR)
    skipped = {*MAKEMESSAGES_IGNORE, ".git", "locale", "__pycache__"}

    def ignore(directory: str, names: list[str]) -> list[str]:
        return [
            name
            for name in names
            if name in skipped
            or name.startswith(".")
            or (
                not (Path(directory) / name).is_dir()
                and not name.endswith((".py", ".html", ".txt"))
            )
        ]

    copy = tmp_path / "project"
    shutil.copytree(base, copy, ignore=ignore)
    catalogue_copy = copy / PO_FILE.relative_to(base)
    catalogue_copy.parent.mkdir(parents=True)
    shutil.copy(PO_FILE, catalogue_copy)
    # With no LOCALE_PATHS, makemessages writes to ./locale of the working directory.
    settings.LOCALE_PATHS = []
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["fr"], ignore_patterns=MAKEMESSAGES_IGNORE, verbosity=0)

    committed = {e.key for e in read_catalogue(PO_FILE)}
    current = read_catalogue(catalogue_copy)
    missing = sorted(e.msgid for e in current if e.key not in committed)
    stale = sorted(key[1] for key in committed - {e.key for e in current})
    hint = (
        "update the catalogue (`.venv/bin/python manage.py makemessages -l fr --ignore=.venv "
        "--ignore=var --ignore=node_modules`), then translate its new entries"
    )
    assert missing == [], hint
    assert stale == [], hint


# --- the pages -------------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
SHOWN_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")


class InterfaceText(HTMLParser):
    """The text a reader gets from the page in the page's language (``<html lang>``): its
    text and labelling attributes, leaving out scripts, styles and anything marked as
    being in another language (clause texts, papers, the other language's name)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.language = ""
        self.stack: list[tuple[str, bool]] = []  # (tag, in the page's language)
        self.chunks: list[str] = []

    @property
    def shown(self) -> bool:
        return not self.stack or self.stack[-1][1]

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        lang = values.get("lang")
        if tag == "html":
            self.language = lang or ""
        shown = self.shown if lang is None else lang == self.language
        shown = shown and tag not in ("script", "style")
        if shown:
            self.chunks += [values[a] or "" for a in SHOWN_ATTRIBUTES if a in values]
        if tag not in VOID:
            self.stack.append((tag, shown))

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                break

    def handle_data(self, data):
        if self.shown:
            self.chunks.append(data)

    @classmethod
    def of(cls, html: str) -> str:
        parser = cls()
        parser.feed(html)
        parser.close()
        return " ".join(" ".join(parser.chunks).replace(NBSP, " ").split())


@pytest.fixture(scope="module")
def english_phrases(catalogue) -> list[str]:
    """Phrases of three words or more that the templates write and French rewrites:
    the literal parts of each template msgid, between its placeholders and tags."""
    phrases = set()
    for entry in catalogue:
        if not entry.from_templates:
            continue
        for source, text in zip(
            [entry.msgid, entry.msgid_plural or entry.msgid], entry.msgstr.values(), strict=False
        ):
            for part in re.split(r"%\(\w+\)[sd]|<[^>]+>", source):
                part = " ".join(part.split()).strip(" .,:;()“”")
                if len(part.split()) >= 3 and part not in text:
                    phrases.add(part)
    return sorted(phrases)


@dataclass(frozen=True)
class Site:
    draft: Edition
    clause: Clause
    submitted: Amendment
    ngo_draft: Amendment
    paper: PositionPaper


@pytest.fixture
def site(db, secretariat_user, ngo_user, delegate_user) -> Site:
    """The seed (the 2017 edition, the partial draft, papers, positions, amendments), an
    open amendment window on the draft and a draft amendment of the NGO user."""
    call_command("load_seed", verbosity=0)
    draft = Edition.objects.get(slug=seed.EDITION_DRAFT)
    open_window(draft)
    clause = Clause.objects.get(edition=draft, eid="para_2-2-1")
    ngo_draft = amendment_services.amendment_create(
        user=ngo_user,
        edition=draft,
        clause=clause,
        operation=Amendment.Operation.REPLACE,
        proposed_text="support the sustainable development",
        justification="",
    )
    return Site(
        draft=draft,
        clause=clause,
        submitted=Amendment.objects.filter(edition=draft).exclude(number="").earliest("pk"),
        ngo_draft=ngo_draft,
        paper=PositionPaper.objects.earliest("pk"),
    )


def pages(site: Site) -> dict[str, str]:
    draft, clause = site.draft.slug, site.clause.eid
    return {
        "dashboard": "/",
        "edition": f"/editions/{seed.EDITION_2017}/",
        "partial edition": f"/editions/{draft}/",
        "clause": f"/editions/{draft}/{clause}/",
        "compare": f"/compare/{seed.EDITION_2017}/{draft}/",
        "projector": f"/compare/{seed.EDITION_2017}/{draft}/?mode=projector",
        "amendment list": "/amendments/",
        "amendment list of the draft": f"/amendments/?edition={draft}",
        "amendment": site.submitted.get_absolute_url(),
        "draft amendment": site.ngo_draft.get_absolute_url(),
        "edit draft amendment": f"/amendments/{site.ngo_draft.pk}/edit/",
        "new amendment": f"/amendments/new/?edition={draft}&clause={clause}",
        "what if": f"/editions/{draft}/what-if/",
        "positions": "/positions/",
        "paper": site.paper.get_absolute_url(),
        "organisations": "/organisations/",
        "window": f"/editions/{draft}/window/",
        "consolidate": f"/editions/{draft}/consolidate/",
        "word amendments": f"/editions/{draft}/word-amendments/",
        "clause map": f"/compare/{seed.EDITION_2017}/{draft}/map/",
        "login": "/accounts/login/",
        "password reset": "/accounts/password_reset/",
        "search": "/search/?q=oeuvre",
        "empty search": "/search/",
        "notifications": "/notifications/",
        "not found": "/editions/nope/",
    }


PUBLIC = {
    "dashboard",
    "edition",
    "partial edition",
    "clause",
    "compare",
    "projector",
    "amendment list",
    "amendment list of the draft",
    "amendment",
    "what if",
    "positions",
    "paper",
    "login",
    "password reset",
    "search",
    "empty search",
}
FILERS = {"new amendment", "word amendments"}
# What each role must be shown, in French; any other page may be refused.
SHOWN = {
    "anonymous": PUBLIC,
    "secretariat_user": PUBLIC
    | {"organisations", "window", "consolidate", "clause map", "notifications"},
    "ngo_user": PUBLIC | FILERS | {"draft amendment", "edit draft amendment", "notifications"},
    "delegate_user": PUBLIC | FILERS | {"notifications"},
}


@pytest.mark.parametrize("role", list(SHOWN))
def test_every_page_a_role_reaches_is_in_french(role, site, request, english_phrases):
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    shown, english = set(), {}
    for name, url in pages(site).items():
        response = client.get(url)
        if response.status_code != 200:
            assert response.status_code in (302, 403, 404), (name, response.status_code)
            continue
        shown.add(name)
        html = response.content.decode()
        assert re.search(r'<html lang="fr">', html), name
        assert 'action="/i18n/setlang/"' in html, name
        assert f'name="next" value="{unescape(url)}"' in unescape(html), name
        text = InterfaceText.of(html)
        found = [phrase for phrase in english_phrases if phrase in text]
        if found:
            english[name] = found
    assert shown >= SHOWN[role]
    assert english == {}


def test_the_english_phrases_are_found_on_the_english_pages(site, english_phrases):
    """The check above can fail: in English the same pages do show those phrases."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    text = " ".join(
        InterfaceText.of(client.get(url).content.decode()) for url in ["/", "/positions/"]
    )
    found = [phrase for phrase in english_phrases if phrase in text]
    assert "Redraft holds every edition of a text as numbered clauses" in " ".join(found)
    assert len(found) >= 3
    assert '<html lang="en">' in client.get("/").content.decode()


def test_the_language_switcher_posts_the_choice_and_returns_to_the_page(db):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/positions/")
    html = page.content.decode()
    assert '<html lang="en">' in html
    assert '<option value="fr" lang="fr">Français</option>' in html
    assert '<option value="en" lang="en" selected>English</option>' in html
    switcher = re.search(r'<form method="post" action="/i18n/setlang/".*?</form>', html, re.S)
    assert switcher is not None
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', switcher.group(0))
    assert token is not None
    assert 'name="next" value="/positions/"' in switcher.group(0)

    refused = client.post("/i18n/setlang/", {"language": "fr", "next": "/positions/"})
    assert refused.status_code == 403  # no CSRF token, no switch

    response = client.post(
        "/i18n/setlang/",
        {"language": "fr", "next": "/positions/", "csrfmiddlewaretoken": token.group(1)},
    )
    assert response.status_code == 302
    assert response["Location"] == "/positions/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"

    french = client.get("/positions/").content.decode()
    assert '<html lang="fr">' in french
    assert "<h1>Positions</h1>" in french
    assert "Ce que pensent les organisations" in french
    assert '<option value="fr" lang="fr" selected>Français</option>' in french

    client.post(
        "/i18n/setlang/", {"language": "en", "next": "/", "csrfmiddlewaretoken": token.group(1)}
    )
    assert '<html lang="en">' in client.get("/").content.decode()
