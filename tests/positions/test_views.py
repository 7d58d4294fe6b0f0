"""/positions/ and /papers/<id>/: grouped, filtered, highlighted, escaped, pinned queries."""

from __future__ import annotations

import pytest

from positions import services
from positions.models import Position

pytestmark = pytest.mark.django_db

# Filter choices (organisations, editions), the links, the general positions, the
# papers and their organisations: the same whatever the number of positions.
LIST_QUERIES = 6


def add_position(paper, excerpt, *clauses, stance="oppose", summary="S"):
    return services.position_create(
        paper=paper,
        stance=stance,
        summary=summary,
        excerpt=excerpt,
        links=[(clause, f"Names {clause.number}.") for clause in clauses],
    )


@pytest.fixture
def positions(paper, draft, make_paper, other_ngo):
    one, two = draft.clauses.get(eid="para_1"), draft.clauses.get(eid="para_2")
    other = make_paper(other_ngo, text="Clause 2 must go.", title="Other paper")
    return [
        add_position(paper, "We ask that clause 1 be deleted.", one, summary="Delete one"),
        add_position(paper, "Clause 2 is fine.", two, stance="support", summary="Two is fine"),
        add_position(other, "Clause 2 must go.", one, two, summary="Two must go"),
        add_position(paper, "Capacity-building matters.", stance="concern", summary="Capacity"),
    ]


def test_position_list_groups_by_clause_with_counts_and_general_positions(client, positions):
    response = client.get("/positions/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "4 positions." in content
    one = content.index('href="/editions/draft/para_1/"')
    two = content.index('href="/editions/draft/para_2/"')
    general = content.index("General positions")
    assert one < two < general
    assert content[one:two].count('class="position position-') == 2
    assert "oppose: 2" in content[one:two]
    assert "support: 1" in content[two:general] and "oppose: 1" in content[two:general]
    assert "Capacity" in content[general:]
    assert f'href="/papers/{positions[0].paper_id}/#position-{positions[0].pk}"' in content
    assert "Why this clause: Names 1." in content


def test_position_list_filters(client, positions, other_ngo, draft):
    content = client.get("/positions/", {"stance": "support"}).content.decode()
    assert "Two is fine" in content and "Delete one" not in content
    content = client.get("/positions/", {"organisation": other_ngo.pk}).content.decode()
    assert "Two must go" in content and "Delete one" not in content and "Capacity" not in content
    content = client.get("/positions/", {"edition": "draft"}).content.decode()
    assert "Delete one" in content and "General positions" not in content


@pytest.mark.parametrize(
    "query",
    [{"stance": "maybe"}, {"organisation": "999"}, {"organisation": "x"}, {"edition": "nope"}],
)
def test_position_list_refuses_bad_filters_with_400(client, positions, query):
    response = client.get("/positions/", query)
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    assert "Delete one" not in response.content.decode()


def test_a_private_edition_is_no_filter_and_its_links_are_hidden_to_the_public(
    client, paper, make_edition, secretariat_user
):
    private = make_edition("1. Private.", slug="private", published=False)
    add_position(paper, "Clause 2 is fine.", private.clauses.get(), summary="On a private one")
    assert client.get("/positions/", {"edition": "private"}).status_code == 400
    assert "On a private one" not in client.get("/positions/").content.decode()
    client.force_login(secretariat_user)
    response = client.get("/positions/", {"edition": "private"})
    assert response.status_code == 200
    assert "On a private one" in response.content.decode()


def test_position_list_query_count_does_not_grow_with_positions(
    client, django_assert_num_queries, positions, paper, draft, make_paper, other_ngo, ngo
):
    with django_assert_num_queries(LIST_QUERIES):
        assert client.get("/positions/").status_code == 200
    clauses = list(draft.clauses.all())
    for n in range(20):
        more = make_paper(ngo, other_ngo, text=f"Paper {n}: quote {n}.", title=f"Paper {n}")
        services.position_create(
            paper=more,
            organisation=ngo if n % 2 else other_ngo,
            stance="amend",
            summary=f"More {n}",
            excerpt=f"quote {n}",
            links=[(c, "R") for c in clauses[: n % 4]],
        )
    with django_assert_num_queries(LIST_QUERIES):
        content = client.get("/positions/").content.decode()
    assert "More 19" in content
    # Plus the two filter look-ups, minus the general positions (they have no edition).
    with django_assert_num_queries(LIST_QUERIES + 1):
        assert (
            client.get("/positions/", {"organisation": ngo.pk, "edition": "draft"}).status_code
            == 200
        )


def test_position_list_paginates_clause_groups(client, make_edition, paper, monkeypatch):
    from positions import views

    monkeypatch.setattr(views, "GROUPS_PER_PAGE", 2)
    edition = make_edition("1. A.\n\n2. B.\n\n3. C.", slug="three")
    for clause in edition.clauses.all():
        add_position(paper, "Clause 2 is fine.", clause, summary=f"On {clause.number}")
    first = client.get("/positions/").content.decode()
    assert "On 1" in first and "On 2" in first and "On 3" not in first
    assert 'href="?page=2"' in first
    second = client.get("/positions/", {"page": 2, "stance": "oppose"}).content.decode()
    assert "On 3" in second and "On 1" not in second
    assert 'href="?stance=oppose&amp;page=1"' in second


def test_paper_page_highlights_each_excerpt_and_links_its_clauses(client, paper, positions):
    response = client.get(paper.get_absolute_url())
    assert response.status_code == 200
    content = response.content.decode()
    first, second, _other, general = positions
    assert (
        f'<mark class="excerpt excerpt-oppose" id="position-{first.pk}">'
        "We ask that clause 1 be deleted.</mark>"
    ) in content
    assert f'id="position-{second.pk}">Clause 2 is fine.</mark>' in content
    assert f'id="position-{general.pk}">Capacity-building matters.</mark>' in content
    assert content.count("<mark ") == 3
    assert 'href="/editions/draft/para_1/"' in content
    assert 'href="/editions/draft/para_2/"' in content
    # The text around the excerpts is all there, in order.
    assert "A Paper on the Draft<br><br>" in content
    assert "</sup> Clause 2" not in content  # the second quote starts right after a space
    assert "deleted, again.<br>" in content


def test_paper_page_escapes_the_text_and_the_excerpts(client, make_paper, ngo):
    text = 'Intro <script>alert("x")</script> & <b>bold</b> end.'
    hostile = make_paper(ngo, text=text, title="<i>Title</i>")
    services.position_create(
        paper=hostile, stance="oppose", summary="<em>sum</em>", excerpt='<script>alert("x")'
    )
    content = client.get(hostile.get_absolute_url()).content.decode()
    assert "<script>alert" not in content
    assert "<b>bold</b>" not in content and "<i>Title</i>" not in content
    assert "<em>sum</em>" not in content
    assert '">&lt;script&gt;alert(&quot;x&quot;)</mark>' in content
    assert "&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt; end." in content
    assert "&lt;em&gt;sum&lt;/em&gt;" in content


def test_overlapping_excerpts_are_all_highlighted(client, paper):
    outer = add_position(paper, "We ask that clause 1 be deleted. Clause 2", summary="Outer")
    inner = add_position(paper, "clause 1 be deleted. Clause 2 is fine.", summary="Inner")
    content = client.get(paper.get_absolute_url()).content.decode()
    assert f'<mark class="excerpt excerpt-oppose" id="position-{outer.pk}">We ask that </mark>' in (
        content
    )
    assert f'id="position-{inner.pk}">clause 1 be deleted. Clause 2</mark>' in content
    assert ">clause 1 be deleted. Clause 2</mark><sup" in content


def test_unknown_paper_is_404(client, db):
    assert client.get("/papers/999/").status_code == 404


def test_paper_page_query_count_is_pinned(client, django_assert_num_queries, paper, positions):
    # The paper, its organisations, its positions, their visible links.
    with django_assert_num_queries(4):
        assert client.get(paper.get_absolute_url()).status_code == 200
    assert Position.objects.filter(paper=paper).count() == 3
