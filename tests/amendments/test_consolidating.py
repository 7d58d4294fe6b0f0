"""The consolidation planner, on small texts of its own (no database)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from amendments.consolidating import (
    APPLIED,
    CONFLICT,
    FAILED,
    FUZZ,
    RESOLVED,
    SET_ASIDE,
    PlanAmendment,
    PlanClause,
    Resolution,
    plan_consolidation,
)

BASE = [
    PlanClause("sec_1", "", "section", None, "Part", "", 0),
    PlanClause("para_1", "1", "paragraph", "sec_1", "", "Parties shall support artists.", 1),
    PlanClause("para_1-1", "1.1", "subparagraph", "para_1", "", "in the digital domain;", 2),
    PlanClause("para_2", "2", "paragraph", "sec_1", "", "Remuneration shall be fair.", 1),
]


def replace(number, eid, base, text):
    return PlanAmendment(number, "replace", "", eid, base, text)


def texts(plan):
    return [(c.eid, c.number, c.text) for c in plan.clauses]


def states(plan):
    return {o.amendment: o.state for o in plan.outcomes}


def test_replace_applies_exactly():
    plan = plan_consolidation(BASE, [replace("A-1", "para_2", BASE[3].text, "Pay shall be fair.")])
    assert texts(plan)[3] == ("para_2", "2", "Pay shall be fair.")
    assert states(plan) == {"A-1": APPLIED}
    assert plan.changed == {"para_2": "A-1"}


def test_changed_clause_gets_the_amendment_as_a_patch_with_fuzz():
    current = [*BASE[:3], PlanClause("para_2", "2", "paragraph", "sec_1", "",
                                     "Remuneration shall be fair and prompt.", 1)]  # fmt: skip
    filed = replace("A-1", "para_2", "Remuneration shall be fair.", "Remuneration must be fair.")
    plan = plan_consolidation(current, [filed])
    assert texts(plan)[3][2] == "Remuneration must be fair and prompt."
    assert states(plan) == {"A-1": FUZZ}


def test_patch_that_no_longer_fits_is_not_applied_and_said():
    current = [*BASE[:3], PlanClause("para_2", "2", "paragraph", "sec_1", "",
                                     "Entirely different wording now stands here.", 1)]  # fmt: skip
    filed = replace("A-1", "para_2", "Remuneration shall be fair.", "Remuneration must be fair.")
    plan = plan_consolidation(current, [filed])
    assert texts(plan)[3][2] == "Entirely different wording now stands here."
    assert states(plan) == {"A-1": FAILED}


def test_two_amendments_on_different_words_both_apply():
    base = BASE[1].text
    plan = plan_consolidation(
        BASE,
        [
            replace("A-1", "para_1", base, "Parties must support artists."),
            replace("A-2", "para_1", base, "Parties shall support all artists."),
        ],
    )
    assert texts(plan)[1][2] == "Parties must support all artists."
    # Each was filed against the clause as it stands: both apply as filed.
    assert states(plan) == {"A-1": APPLIED, "A-2": APPLIED}


def test_overlapping_amendments_are_a_conflict_until_resolved():
    base = BASE[1].text
    a1 = replace("A-1", "para_1", base, "Parties must support artists.")
    a2 = replace("A-2", "para_1", base, "Parties should support artists.")
    plan = plan_consolidation(BASE, [a1, a2])
    assert not plan.ok
    (conflict,) = plan.conflicts
    assert conflict.amendments == ("A-1", "A-2")
    assert conflict.texts == ("Parties must support artists.", "Parties should support artists.")
    assert states(plan) == {"A-1": CONFLICT, "A-2": CONFLICT}
    assert texts(plan)[1][2] == base  # nothing merged silently

    kept = plan_consolidation(BASE, [a1, a2], {"para_1": Resolution(keep="A-2")})
    assert kept.ok and texts(kept)[1][2] == "Parties should support artists."
    assert states(kept) == {"A-1": SET_ASIDE, "A-2": APPLIED}

    by_hand = plan_consolidation(BASE, [a1, a2], {"para_1": Resolution(text="Parties support.")})
    assert texts(by_hand)[1][2] == "Parties support."
    assert states(by_hand) == {"A-1": RESOLVED, "A-2": RESOLVED}


def test_delete_and_replace_of_one_clause_conflict():
    plan = plan_consolidation(
        BASE,
        [
            PlanAmendment("A-1", "delete", "", "para_2", BASE[3].text, ""),
            replace("A-2", "para_2", BASE[3].text, "Pay shall be fair."),
        ],
    )
    assert [c.amendments for c in plan.conflicts] == [("A-1", "A-2")]


def test_delete_removes_the_clause_and_what_it_contains():
    plan = plan_consolidation(
        BASE, [PlanAmendment("A-1", "delete", "", "para_1", BASE[1].text, "")]
    )
    assert [c.eid for c in plan.clauses] == ["sec_1", "para_2"]
    assert plan.deleted == ["para_1"]


def test_inserts_get_numbers_and_eids_that_do_not_collide():
    plan = plan_consolidation(
        BASE,
        [
            PlanAmendment("A-1", "insert", "after", "para_1", "", "First new."),
            PlanAmendment("A-2", "insert", "after", "para_1", "", "Second new."),
            PlanAmendment("A-3", "insert", "before", "para_2", "", "Just before 2."),
            PlanAmendment("A-4", "insert", "start", "sec_1", "", "Opening."),
        ],
    )
    assert texts(plan) == [
        ("sec_1", "", ""),
        ("para_1A", "1 A", "Opening."),
        ("para_1", "1", BASE[1].text),
        ("para_1-1", "1.1", BASE[2].text),
        ("para_1bis", "1 bis", "First new."),
        ("para_1ter", "1 ter", "Second new."),
        ("para_2A", "2 A", "Just before 2."),
        ("para_2", "2", BASE[3].text),
    ]
    assert all(o.state == APPLIED for o in plan.outcomes)
    assert len({c.eid for c in plan.clauses}) == len(plan.clauses)


def test_insert_next_to_a_deleted_clause_goes_where_it_stood():
    plan = plan_consolidation(
        BASE,
        [
            PlanAmendment("A-1", "insert", "before", "para_1", "", "Replaces it."),
            PlanAmendment("A-2", "delete", "", "para_1", BASE[1].text, ""),
        ],
    )
    assert states(plan) == {"A-1": APPLIED, "A-2": APPLIED}
    assert texts(plan) == [
        ("sec_1", "", ""),
        ("para_1A", "1 A", "Replaces it."),
        ("para_2", "2", BASE[3].text),
    ]


def test_insert_at_the_start_of_a_deleted_section_is_not_applied():
    plan = plan_consolidation(
        BASE,
        [
            PlanAmendment("A-1", "delete", "", "sec_1", "", ""),
            PlanAmendment("A-2", "insert", "start", "sec_1", "", "Orphan."),
        ],
    )
    assert states(plan) == {"A-1": APPLIED, "A-2": FAILED}


WORDS = st.lists(
    st.sampled_from(["les", "Parties", "art", "œuvre", "l’", "shall", ","]), min_size=1, max_size=6
).map(" ".join)


@given(st.lists(WORDS, min_size=1, max_size=4))
def test_every_amendment_gets_exactly_one_outcome(new_texts):
    amendments = [
        replace(f"A-{i + 1}", "para_1", BASE[1].text, text) for i, text in enumerate(new_texts)
    ]
    plan = plan_consolidation(BASE, amendments)
    assert sorted(o.amendment for o in plan.outcomes) == sorted(a.number for a in amendments)
    assert len({c.eid for c in plan.clauses}) == len(plan.clauses)


def test_two_deletions_of_one_clause_agree():
    deletion = PlanAmendment("A-1", "delete", "", "para_2", BASE[3].text, "")
    plan = plan_consolidation(
        BASE, [deletion, PlanAmendment("A-2", "delete", "", "para_2", BASE[3].text, "")]
    )
    assert plan.ok and plan.deleted == ["para_2"]
    assert states(plan) == {"A-1": APPLIED, "A-2": APPLIED}
