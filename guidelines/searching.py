"""Search across clause texts, amendments and positions: ``/search/?q=``.

Accent- and case-insensitive in French and English ("oeuvre" finds "œuvre", "economie"
finds "Économie"), on both databases, with the same results on both.

How
---
Each searchable row keeps a ``search_text`` column: its words (a clause's heading and
text, an amendment's proposed text and justification, a position's summary and
excerpt) folded by ``normalise_for_search`` (NFKD, accents dropped, case-folded, œ/æ/ß
spelt out) and joined by single spaces, punctuation left out (``search_document``).
The services that write those fields write the column in the same step (no signal, no
``save()`` logic); a data migration filled it for the rows that existed before.

A query is folded the same way and cut into words; a row matches when every word (of
at least ``MIN_WORD_LENGTH`` characters) begins a word of its ``search_text``: "oeuvre"
finds "œuvres", not "manœuvre".

- PostgreSQL: full-text search, ``search_vector @@ to_tsquery('simple', 'w1:* & w2:*')``,
  where ``search_vector`` is a stored generated column, ``to_tsvector('simple',
  search_text)``, with a GIN index (one per table; both created by the migrations on
  PostgreSQL only, see ``AddSearchVector``). ``unaccent()`` cannot be indexed (it is not
  immutable), which is why the folding happens in Python, once, when the row is
  written. The ``simple`` configuration does no stemming and has no stop words: on text
  that is already folded it serves French and English alike, and is immutable.

  Why a stored vector rather than an index on the expression: the planner costs
  ``to_tsvector`` at 100 operations a row, and for a word found in most rows (one in
  each of 5,000 amendments) it then prefers a sequential scan that computes the vector
  of every row (150 ms) to the index (2 ms). With the vector stored, the sequential
  scan reads it (14 ms) and selective words still go through the index.

  The edition's language configuration (``french``/``english``) was weighed and left
  out. Its stemming would make PostgreSQL find what SQLite cannot ("policies" finding
  "policy"), so the two databases would disagree; a vector or index per configuration
  cannot follow the language, which lives on the edition, not on the clause; and
  ranking with ``ts_rank`` reads the vector of every hit, which for a common word costs
  more than it brings. Results are shown grouped by edition in document order (clauses
  by their place, amendments by number), which is how a negotiator reads them.
- SQLite (and anything else): ``search_text LIKE 'w%' OR search_text LIKE '% w%'`` for
  each word, AND-ed: the same word-prefix match, by a scan, which is fast enough for
  the embedded database's sizes.

What the user may see decides what is searched: clauses of the editions they may read
(``Edition.objects.visible_to``), ``Amendment.objects.visible_to``, and positions as
``positions.selectors`` shows them (linked to a clause of a readable edition, or
linked to none).

Hits are highlighted in the original text: the match is found in the folded text and
mapped back to the original characters (folding changes lengths: "œ" becomes "oe",
"e" + combining accent becomes "e"), and a snippet is a list of ``(text, is_hit)``
pieces that the template escapes; nothing is ever marked safe.

The pure half of this module (folding, words, highlighting) needs no configured Django;
the selector imports the models when it runs.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

# Expressions only: importable without settings. The models are imported by the
# selector when it runs, so that the folding can be used (and tested) without Django.
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.operations.base import Operation, OperationCategory
from django.db.models import BooleanField, Count, F, Func, Q, Value, Window
from django.db.models.expressions import Col
from django.db.models.functions import RowNumber, Substr
from django.urls import reverse
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

# A longer query is refused (the page answers 400): nobody types 200 characters to find
# a clause, and the words of a pasted paragraph would only AND each other to nothing.
MAX_QUERY_LENGTH = 200
# Shorter words are ignored: "l" of "l'œuvre" begins half the words of a French text.
MIN_WORD_LENGTH = 2
MAX_WORDS = 10
# Hits shown per edition and kind (clauses, amendments, positions); the rest is counted.
HITS_PER_GROUP = 20
# Links of matching positions read at most (positions are few; a cap keeps it bounded).
POSITION_LINK_ROWS = 500
# Characters of a long text shown around its first hit.
SNIPPET_CHARS = 280
SNIPPET_LEAD = 60
# The text search configuration of the index and of the queries (see above).
SEARCH_CONFIG = "simple"
# PostgreSQL only: the generated column that holds the search text's vector.
SEARCH_VECTOR = "search_vector"

QUERY_TOO_LONG = "query-too-long"

# --- folding ---------------------------------------------------------------------------

_TYPOGRAPHY = {
    # Ligatures NFKD leaves alone (ß is case-folded to "ss").
    "œ": "oe",
    "æ": "ae",
    # Apostrophes and single quotes: one apostrophe.
    "\u2019": "'",  # right single quotation mark
    "\u2018": "'",  # left single quotation mark
    "\u201b": "'",  # single high-reversed-9 quotation mark
    "\u02bc": "'",  # modifier letter apostrophe
    "\u2032": "'",  # prime
    "`": "'",
    # Double quotes and guillemets: one straight double quote.
    "\u201c": '"',  # left double quotation mark
    "\u201d": '"',  # right double quotation mark
    "\u201e": '"',  # double low-9 quotation mark
    "\u201f": '"',  # double high-reversed-9 quotation mark
    "\u00ab": '"',  # left-pointing double angle quotation mark
    "\u00bb": '"',  # right-pointing double angle quotation mark
    "\u2033": '"',  # double prime
}
_WORD = re.compile(r"[^\W_]+")


def _fold_once(char: str) -> str:
    if char.isspace():
        return " "
    if char in _TYPOGRAPHY:
        return _TYPOGRAPHY[char]
    if unicodedata.category(char) == "Cf":
        return ""  # soft hyphens, zero-width spaces and joiners: invisible in the text
    decomposed = unicodedata.normalize("NFKD", char)
    return "".join(c for c in decomposed if unicodedata.category(c) not in ("Mn", "Me")).casefold()


@functools.lru_cache(maxsize=8192)
def _fold_char(char: str) -> str:
    """One character folded, repeated until nothing changes (casefolding "Œ" gives "œ",
    which is then spelt out; NFKD of "ǅ" gives letters with a mark to drop)."""
    folded = char
    for _attempt in range(8):
        again = "".join(_fold_once(c) for c in folded)
        if again == folded:
            break
        folded = again
    return folded


def normalise_with_map(text: str) -> tuple[str, list[int]]:
    """``normalise_for_search(text)``, and for each of its characters the index of the
    character of ``text`` it comes from."""
    out: list[str] = []
    origin: list[int] = []
    space_at = -1  # a pending space (runs collapse to one; none at either end)
    for index, char in enumerate(text):
        for folded in _fold_char(char):
            if folded == " ":
                if out and space_at < 0:
                    space_at = index
                continue
            if space_at >= 0:
                out.append(" ")
                origin.append(space_at)
                space_at = -1
            out.append(folded)
            origin.append(index)
    return "".join(out), origin


def normalise_for_search(text: str) -> str:
    """Text folded for searching: NFKD with the combining marks dropped, case-folded,
    œ → oe, æ → ae, ß → ss, typographic apostrophes and quotes made straight, invisible
    format characters dropped, white space collapsed to single spaces, trimmed.

    Idempotent; "Œuvre" and "oeuvre", "ÉCONOMIE" and "economie" fold alike.
    """
    return normalise_with_map(text)[0]


def search_words(text: str) -> list[str]:
    """The folded words of ``text`` (letters and digits; punctuation separates)."""
    return _WORD.findall(normalise_for_search(text))


def search_document(*parts: str) -> str:
    """The ``search_text`` of a row made of ``parts``: their folded words, one space apart.

    Punctuation is left out so that both databases see the same words: PostgreSQL's
    parser would read "14.6" or "unesco.org" as one token, SQLite's LIKE as two words.
    """
    return " ".join(word for part in parts for word in search_words(part))


def query_words(query: str) -> list[str]:
    """The words a query searches for: folded, each once, the short ones left out."""
    words = [w for w in dict.fromkeys(search_words(query)) if len(w) >= MIN_WORD_LENGTH]
    return words[:MAX_WORDS]


# --- highlighting ---------------------------------------------------------------------

Pieces = tuple[tuple[str, bool], ...]


def hit_spans(text: str, words: Sequence[str]) -> list[tuple[int, int]]:
    """Where in ``text`` (original characters) the words that begin with one of
    ``words`` stand."""
    if not words or not text:
        return []
    folded, origin = normalise_with_map(text)
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    # The whole word is marked: "oeuvre" marks "œuvres".
    pattern = re.compile(rf"(?<![^\W_])(?:{alternatives})[^\W_]*")
    spans: list[tuple[int, int]] = []
    for match in pattern.finditer(folded):
        start = origin[match.start()]
        end = origin[match.end() - 1] + 1
        # Combining marks after the last letter belong to it ("e" + U+0301).
        while end < len(text) and not _fold_char(text[end]) and not text[end].isspace():
            end += 1
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    return spans


def highlight(text: str, words: Sequence[str], *, width: int = SNIPPET_CHARS) -> Pieces:
    """``text`` (or, when longer than ``width``, a window of it around its first hit) as
    ``(piece, is_hit)`` pairs; the pieces join up to the text shown. Cut text is marked
    with "…". Nothing is escaped here: the template does it."""
    spans = hit_spans(text, words)
    start, end = 0, len(text)
    if len(text) > width:
        first = spans[0][0] if spans else 0
        start = max(0, first - SNIPPET_LEAD)
        if start > 0:
            # Begin at a word: after the last space before the window.
            space = text.rfind(" ", 0, start + 1)
            start = space + 1 if space >= 0 and first - space <= SNIPPET_LEAD * 2 else start
        end = min(len(text), start + width)
        if end < len(text):
            space = text.rfind(" ", start, end)
            end = space if space > (spans[0][1] if spans else start) else end
    pieces: list[tuple[str, bool]] = []
    if start > 0:
        pieces.append(("…", False))
    cursor = start
    for span_start, span_end in spans:
        if span_end <= start:
            continue
        if span_start >= end:
            break
        span_start, span_end = max(span_start, start), min(span_end, end)
        if span_start > cursor:
            pieces.append((text[cursor:span_start], False))
        pieces.append((text[span_start:span_end], True))
        cursor = span_end
    if cursor < end:
        pieces.append((text[cursor:end], False))
    if end < len(text):
        pieces.append(("…", False))
    return tuple(pieces)


# --- results --------------------------------------------------------------------------


@dataclass(frozen=True)
class Snippet:
    """A field of a hit, highlighted. ``lang``: the language of the text when known."""

    pieces: Pieces
    label: str = ""
    lang: str = ""

    @property
    def has_hit(self) -> bool:
        return any(is_hit for _text, is_hit in self.pieces)


@dataclass(frozen=True)
class Hit:
    url: str
    title: str
    meta: str
    snippets: tuple[Snippet, ...]


@dataclass
class HitList:
    """The hits of one kind in one group: those shown, and how many there are."""

    hits: list[Hit] = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> int:
        return self.total - len(self.hits)


@dataclass
class EditionGroup:
    """The hits in one edition; ``slug`` empty: the general positions (no clause named)."""

    slug: str = ""
    label: str = ""
    language: str = ""
    partial: bool = False
    url: str = ""
    clauses: HitList = field(default_factory=HitList)
    amendments: HitList = field(default_factory=HitList)
    positions: HitList = field(default_factory=HitList)

    @property
    def total(self) -> int:
        return self.clauses.total + self.amendments.total + self.positions.total

    @property
    def sections(self) -> list[tuple[str, str, HitList]]:
        """(kind, heading, hits) of each kind that has hits, for the template."""
        kinds = [
            ("clauses", _("Clauses"), self.clauses),
            ("amendments", _("Amendments"), self.amendments),
            ("positions", _("Positions"), self.positions),
        ]
        return [(kind, heading, hits) for kind, heading, hits in kinds if hits.total]


@dataclass
class SearchResults:
    query: str
    words: list[str]
    groups: list[EditionGroup]
    # More positions' links matched than were read: the position counts are lower bounds.
    positions_capped: bool = False

    @property
    def total(self) -> int:
        return sum(group.total for group in self.groups)


# --- the index --------------------------------------------------------------------------


class AddSearchVector(Operation):
    """Migration operation, PostgreSQL only (a no-op elsewhere): a stored generated
    column ``search_vector`` = ``to_tsvector('simple', search_text)`` and a GIN index on
    it, named ``index_name``.

    Not part of the models' state: SQLite has neither ``tsvector`` nor GIN indexes, and
    Django's ``GinIndex`` in ``Meta.indexes`` would be created there too, and fail. The
    column is written by the database on every insert and update of ``search_text``;
    Django never selects nor writes it. The column depends on ``search_text``: a
    migration removing ``search_text`` must reverse this operation first.
    """

    reversible = True
    category = OperationCategory.ADDITION

    def __init__(self, model_name: str, index_name: str) -> None:
        self.model_name = model_name
        self.index_name = index_name

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return (
            self.__class__.__qualname__,
            [],
            {"model_name": self.model_name, "index_name": self.index_name},
        )

    def state_forwards(self, app_label: str, state: Any) -> None:
        pass

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        model = to_state.apps.get_model(app_label, self.model_name)
        table = schema_editor.quote_name(model._meta.db_table)
        vector = schema_editor.quote_name(SEARCH_VECTOR)
        schema_editor.execute(
            f"ALTER TABLE {table} ADD COLUMN {vector} tsvector GENERATED ALWAYS AS "
            f"(to_tsvector('{SEARCH_CONFIG}'::regconfig, "
            f"{schema_editor.quote_name('search_text')})) STORED"
        )
        schema_editor.execute(
            f"CREATE INDEX {schema_editor.quote_name(self.index_name)} ON {table} "
            f"USING gin ({vector})"
        )

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        model = from_state.apps.get_model(app_label, self.model_name)
        # Dropping the column drops its index.
        schema_editor.execute(
            f"ALTER TABLE {schema_editor.quote_name(model._meta.db_table)} "
            f"DROP COLUMN IF EXISTS {schema_editor.quote_name(SEARCH_VECTOR)}"
        )

    def describe(self) -> str:
        return (
            f"Add {SEARCH_VECTOR} and its GIN index {self.index_name} to {self.model_name} "
            "(PostgreSQL only)"
        )

    @property
    def migration_name_fragment(self) -> str:
        return f"{self.model_name.lower()}_search_vector"


# --- the selector ---------------------------------------------------------------------


class FullTextMatch(Func):
    """``search_vector @@ to_tsquery('simple', query)`` (PostgreSQL), given the model's
    ``search_text`` column: its generated ``search_vector`` sits beside it, in the same
    table, and is what the GIN index holds."""

    output_field = BooleanField()
    conditional = True

    def as_sql(
        self,
        compiler: Any,
        connection: Any,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, list[Any]]:
        column, query = self.get_source_expressions()
        if not isinstance(column, Col):
            raise TypeError("FullTextMatch needs a model's search_text column")
        vector = (
            f"{compiler.quote_name_unless_alias(column.alias)}."
            f"{connection.ops.quote_name(SEARCH_VECTOR)}"
        )
        query_sql, query_params = compiler.compile(query)
        return (
            f"{vector} @@ to_tsquery('{SEARCH_CONFIG}'::regconfig, {query_sql})",
            list(query_params),
        )


def matches(words: Sequence[str], *, vendor: str, column: str = "search_text") -> Q | Func:
    """The condition "each of ``words`` begins a word of ``column``" for the database
    ``vendor``: full-text search on PostgreSQL, LIKE elsewhere."""
    if vendor == "postgresql":
        # The words are letters and digits only: nothing in them is tsquery syntax.
        tsquery = " & ".join(f"'{word}':*" for word in words)
        return FullTextMatch(F(column), Value(tsquery))
    condition = Q()
    for word in words:
        condition &= Q(**{f"{column}__startswith": word}) | Q(**{f"{column}__contains": f" {word}"})
    return condition


def check_query(query: str) -> None:
    """Refuse a query longer than ``MAX_QUERY_LENGTH`` (``ValidationError``)."""
    if len(query) > MAX_QUERY_LENGTH:
        raise ValidationError(
            _("The search is too long: at most %(limit)s characters.")
            % {"limit": MAX_QUERY_LENGTH},
            code=QUERY_TOO_LONG,
        )


def _place_in_edition(order_by: list[Any]) -> Window:
    """A row's place among the hits of its edition."""
    return Window(RowNumber(), partition_by=[F("edition_id")], order_by=order_by)


def _hits_in_edition() -> Window:
    """The number of hits in the row's edition."""
    return Window(Count("pk"), partition_by=[F("edition_id")])


def search(
    *,
    query: str,
    user: AbstractBaseUser | AnonymousUser | None,
    per_group: int = HITS_PER_GROUP,
) -> SearchResults:
    """Clauses, amendments and positions in which every word of ``query`` begins a word,
    among those ``user`` may see, grouped by edition (in the editions' order), then the
    general positions (linked to no clause).

    In each edition, at most ``per_group`` hits of each kind in document order (clauses
    by place, amendments by number, positions by paper and place in it), with the number
    of all of them. A query without a word of ``MIN_WORD_LENGTH`` characters has no
    results (and runs no query); one longer than ``MAX_QUERY_LENGTH`` raises
    ``ValidationError`` (code ``query-too-long``). At most six queries, whatever the
    number of rows (one reads the user's organisation, unless it was read already).
    """
    from amendments.models import Amendment
    from guidelines.models import Clause, Edition

    check_query(query)
    words = query_words(query)
    results = SearchResults(query=query, words=words, groups=[])
    if not words:
        return results
    vendor = connection.vendor
    groups = {
        edition.pk: EditionGroup(
            slug=edition.slug,
            label=edition.label,
            language=edition.language,
            partial=edition.is_partial,
            url=edition.get_absolute_url(),
        )
        for edition in Edition.objects.visible_to(user).only(  # type: ignore[arg-type]
            "slug", "label", "language", "completeness"
        )
    }
    if not groups:
        return results

    clauses = (
        Clause.objects.filter(matches(words, vendor=vendor), edition_id__in=list(groups))
        .annotate(
            place=_place_in_edition([F("order").asc(), F("pk").asc()]),
            in_edition=_hits_in_edition(),
        )
        .filter(place__lte=per_group)
        .order_by("edition_id", "order", "pk")
        .values("edition_id", "eid", "kind", "number", "heading", "text", "in_edition")
    )
    for row in clauses:
        group = groups[row["edition_id"]]
        group.clauses.total = row["in_edition"]
        group.clauses.hits.append(_clause_hit(row, group, words))

    in_number_order = [F("sequence").asc(nulls_last=True), F("pk").asc()]
    amendments = (
        Amendment.objects.visible_to(user)
        .filter(matches(words, vendor=vendor), edition_id__in=list(groups))
        .annotate(place=_place_in_edition(in_number_order), in_edition=_hits_in_edition())
        .filter(place__lte=per_group)
        .order_by("edition_id", *in_number_order)
        .values(
            "pk",
            "edition_id",
            "number",
            "status",
            "operation",
            "proposed_text",
            "justification",
            "clause__kind",
            "clause__number",
            "clause__eid",
            "in_edition",
        )
    )
    for row in amendments:
        group = groups[row["edition_id"]]
        group.amendments.total = row["in_edition"]
        group.amendments.hits.append(_amendment_hit(row, group, words))

    results.positions_capped = _linked_position_hits(words, vendor, groups, per_group)
    results.groups = [group for group in groups.values() if group.total]
    general = _general_position_hits(words, vendor, per_group)
    if general.total:
        results.groups.append(general)
    return results


def _clause_label(kind: str, number: str, eid: str) -> str:
    from guidelines.models import Clause

    if kind == Clause.Kind.ARTICLE:
        return _("Article %(number)s") % {"number": number}
    if number:
        return number
    parent, _point, bullet = eid.rpartition("__point_")
    if kind == Clause.Kind.POINT and parent and bullet:
        # An unnumbered bullet, "para_14-6__point_2": the second bullet of 14.6.
        return _("%(parent)s, bullet %(bullet)s") % {
            "parent": parent.rpartition("_")[2].replace("-", "."),
            "bullet": bullet,
        }
    if kind in Clause.Kind.values:
        return str(Clause.Kind(kind).label).capitalize()
    return eid


def _clause_hit(row: dict[str, Any], group: EditionGroup, words: Sequence[str]) -> Hit:
    snippets = [
        Snippet(highlight(row[name], words), lang=group.language)
        for name in ("heading", "text")
        if row[name]
    ]
    return Hit(
        url=reverse("clause_detail", kwargs={"slug": group.slug, "eid": row["eid"]}),
        title=_clause_label(row["kind"], row["number"], row["eid"]),
        meta="",
        snippets=tuple(snippets),
    )


def _amendment_hit(row: dict[str, Any], group: EditionGroup, words: Sequence[str]) -> Hit:
    from amendments.models import Amendment

    snippets = []
    if row["proposed_text"]:
        snippets.append(
            Snippet(highlight(row["proposed_text"], words), _("Proposed text"), group.language)
        )
    # The justification is in whoever wrote it's language: no ``lang``. Shown when it
    # holds a hit, or when there is nothing else to show (a deletion).
    justification = Snippet(highlight(row["justification"], words), _("Justification"))
    if row["justification"] and (justification.has_hit or not snippets):
        snippets.append(justification)
    operation = Amendment.Operation(row["operation"]).label
    return Hit(
        url=reverse("amendment_detail", kwargs={"pk": row["pk"]}),
        title=row["number"] or _("Draft amendment"),
        meta=_("%(operation)s: %(clause)s · %(status)s")
        % {
            "operation": str(operation).capitalize(),
            "clause": _clause_label(row["clause__kind"], row["clause__number"], row["clause__eid"]),
            "status": Amendment.Status(row["status"]).label,
        },
        snippets=tuple(snippets),
    )


_POSITION_FIELDS = (
    "stance",
    "summary",
    "paper_id",
    "paper__language",
    "organisation__name",
    "organisation__acronym",
)


def _excerpt(prefix: str = "") -> Substr:
    """The position's excerpt, cut from its paper by the database (as
    ``positions.selectors`` does), so that no whole paper is read."""
    return Substr(
        f"{prefix}paper__text",
        F(f"{prefix}excerpt_start") + 1,
        F(f"{prefix}excerpt_end") - F(f"{prefix}excerpt_start"),
    )


def _position_hit(
    row: dict[str, Any], words: Sequence[str], *, prefix: str, pk: int, on: Sequence[str]
) -> Hit:
    from positions.models import Position

    paper_url = reverse("paper_detail", kwargs={"pk": row[f"{prefix}paper_id"]})
    stance = row[f"{prefix}stance"]
    meta = str(dict(Position.Stance.choices).get(stance, stance)).capitalize()
    if on:
        meta = _("%(stance)s, on %(clauses)s") % {"stance": meta, "clauses": ", ".join(on)}
    return Hit(
        url=f"{paper_url}#position-{pk}",
        title=row[f"{prefix}organisation__acronym"] or row[f"{prefix}organisation__name"],
        meta=meta,
        snippets=(
            Snippet(highlight(row[f"{prefix}summary"], words), _("Summary")),
            Snippet(highlight(row["quoted"], words), _("Quoted"), row[f"{prefix}paper__language"]),
        ),
    )


def _linked_position_hits(
    words: Sequence[str], vendor: str, groups: dict[int, EditionGroup], per_group: int
) -> bool:
    """Fill each edition's positions: those linked to one of its clauses, through the
    links the user may see (``positions.selectors``' rule: a link to a clause of an
    edition the user cannot read is hidden with it). One query, capped at
    ``POSITION_LINK_ROWS`` links; True when the cap cut it."""
    from positions.models import Position, PositionLink

    matching = Position.objects.filter(matches(words, vendor=vendor)).values("pk")
    rows = list(
        PositionLink.objects.filter(clause__edition_id__in=list(groups), position_id__in=matching)
        .annotate(quoted=_excerpt("position__"))
        .order_by(
            "clause__edition_id",
            "position__paper_id",
            "position__excerpt_start",
            "position_id",
            "clause__order",
        )
        .values(
            "position_id",
            "clause__edition_id",
            "clause__kind",
            "clause__number",
            "clause__eid",
            "quoted",
            *(f"position__{name}" for name in _POSITION_FIELDS),
        )[: POSITION_LINK_ROWS + 1]
    )
    # A position linked to several clauses of an edition is one hit there, naming them.
    found: dict[tuple[int, int], tuple[dict[str, Any], list[str]]] = {}
    for row in rows[:POSITION_LINK_ROWS]:
        key = (row["clause__edition_id"], row["position_id"])
        label = _clause_label(row["clause__kind"], row["clause__number"], row["clause__eid"])
        found.setdefault(key, (row, []))[1].append(label)
    for (edition_id, position_id), (row, labels) in found.items():
        positions = groups[edition_id].positions
        positions.total += 1
        if len(positions.hits) < per_group:
            positions.hits.append(
                _position_hit(row, words, prefix="position__", pk=position_id, on=labels)
            )
    return len(rows) > POSITION_LINK_ROWS


def _general_position_hits(words: Sequence[str], vendor: str, per_group: int) -> EditionGroup:
    """The matching positions linked to no clause (public, as on ``/positions/``)."""
    from positions.models import Position

    general = EditionGroup(label=_("General positions"))
    rows = (
        Position.objects.filter(matches(words, vendor=vendor), links__isnull=True)
        .annotate(quoted=_excerpt(), matching=Window(Count("pk")))
        .order_by("paper_id", "excerpt_start", "pk")
        .values("pk", "quoted", "matching", *_POSITION_FIELDS)[:per_group]
    )
    for row in rows:
        general.positions.total = row["matching"]
        general.positions.hits.append(_position_hit(row, words, prefix="", pk=row["pk"], on=()))
    return general
