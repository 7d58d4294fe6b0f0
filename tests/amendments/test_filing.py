"""amendment_create and amendment_update: who files, what a draft may say, frozen texts."""

from __future__ import annotations

import unicodedata

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from amendments import services
from amendments.models import Amendment
from guidelines import services as guidelines_services
from positions.models import Organisation, Position, PositionPaper
from tests.amendments.conftest import clause_of, history_count, member, open_window, state

pytestmark = pytest.mark.django_db

Operation = Amendment.Operation


def nothing_filed():
    return (Amendment.objects.count(), Amendment.history.count())


# --- amendment_create: success -------------------------------------------------------


def test_create_files_a_private_draft_for_the_users_organisation(window, edition, ngo, ngo_user):
    clause = clause_of(edition, "para_2")
    amendment = services.amendment_create(
        user=ngo_user,
        edition=edition,
        clause=clause,
        operation=Operation.REPLACE,
        proposed_text="  Parties  support   the development\nof skills. ",
        justification="  Shorter.  ",
    )
    amendment.refresh_from_db()
    assert amendment.status == Amendment.Status.DRAFT
    assert (amendment.number, amendment.sequence, amendment.submitted_at) == ("", None, None)
    assert amendment.proposer == ngo
    assert amendment.created_by == ngo_user
    assert amendment.proposed_text == "Parties support the development of skills."
    assert amendment.justification == "Shorter."
    assert (amendment.base_text, amendment.base_version) == (clause.text, clause.version)
    assert amendment.version == 1
    record = amendment.history.get()
    assert (record.history_type, record.history_user, record.history_change_reason) == (
        "+",
        ngo_user,
        "Filed as a draft",
    )


def test_base_is_the_clause_as_stored_at_filing_and_later_edits_make_it_stale(
    window, edition, ngo_user, secretariat_user, file_amendment
):
    clause = clause_of(edition)
    guidelines_services.clause_update(
        clause=clause, user=secretariat_user, expected_version=1, reason="x", text="Revised."
    )
    # The caller's instance is stale; the service reads the clause as stored.
    amendment = services.amendment_create(
        user=ngo_user,
        edition=edition,
        clause=clause,
        operation=Operation.REPLACE,
        proposed_text="Mine.",
        justification="",
    )
    assert (amendment.base_text, amendment.base_version) == ("Revised.", 2)
    assert not amendment.base_is_stale
    guidelines_services.clause_update(
        clause=clause, user=secretariat_user, expected_version=2, reason="y", text="Again."
    )
    amendment.refresh_from_db()
    assert amendment.base_text == "Revised."
    assert amendment.base_is_stale


@pytest.mark.parametrize(
    ("eid", "position"),
    [("para_2", Amendment.InsertPosition.AFTER), ("sec_2", Amendment.InsertPosition.START)],
)
def test_insert_after_a_clause_or_at_the_start_of_a_section(file_amendment, eid, position):
    amendment = file_amendment(
        eid=eid, operation=Operation.INSERT, proposed_text="A new clause.", insert_position=position
    )
    assert (amendment.operation, amendment.insert_position) == (Operation.INSERT, position)
    assert amendment.clause.eid == eid


def test_delete_proposes_no_text(file_amendment):
    amendment = file_amendment(eid="para_2-1", operation=Operation.DELETE, proposed_text="  ")
    assert (amendment.operation, amendment.proposed_text) == (Operation.DELETE, "")
    assert amendment.base_text == "Including artificial intelligence."


def test_a_partys_delegate_files_for_the_party_without_accreditation(
    file_amendment, delegate_user, party
):
    assert not party.accredited
    amendment = file_amendment(user=delegate_user)
    assert amendment.proposer == party


def test_a_clause_with_no_known_text_can_be_given_one(make_edition, ngo_user):
    partial = make_edition("1. Known.\n\n2.", slug="partial")
    open_window(partial)
    clause = clause_of(partial, "para_2")
    assert clause.text == ""
    amendment = services.amendment_create(
        user=ngo_user,
        edition=partial,
        clause=clause,
        operation=Operation.REPLACE,
        proposed_text="Now known.",
        justification="",
    )
    assert amendment.base_text == ""


def test_create_links_positions(window, edition, ngo, ngo_user):
    paper = PositionPaper.objects.create(title="Paper", language="en", text="We want diversity.")
    position = Position.objects.create(
        paper=paper,
        organisation=ngo,
        stance=Position.Stance.AMEND,
        summary="Diversity",
        excerpt_start=0,
        excerpt_end=7,
    )
    amendment = services.amendment_create(
        user=ngo_user,
        edition=edition,
        clause=clause_of(edition),
        operation=Operation.REPLACE,
        proposed_text="Parties cherish diversity.",
        justification="",
        positions=[position],
    )
    assert list(amendment.positions.all()) == [position]


# --- amendment_create: refusals ------------------------------------------------------


def test_adopted_edition_takes_no_amendment(make_edition, ngo_user):
    adopted = make_edition("1. In force.", slug="in-force", status="adopted")
    open_window(adopted)
    before = nothing_filed()
    with pytest.raises(ValidationError) as error:
        services.amendment_create(
            user=ngo_user,
            edition=adopted,
            clause=clause_of(adopted),
            operation=Operation.REPLACE,
            proposed_text="Changed.",
            justification="",
        )
    assert error.value.code == services.TARGET_ADOPTED
    assert "is adopted" in error.value.messages[0]
    assert nothing_filed() == before


def test_clause_of_another_edition_is_refused(window, edition, make_edition, ngo_user):
    other = make_edition("1. Elsewhere.", slug="elsewhere")
    before = nothing_filed()
    with pytest.raises(ValidationError) as error:
        services.amendment_create(
            user=ngo_user,
            edition=edition,
            clause=clause_of(other),
            operation=Operation.REPLACE,
            proposed_text="Changed.",
            justification="",
        )
    assert error.value.code == services.CLAUSE_OF_OTHER_EDITION
    assert nothing_filed() == before


@pytest.mark.parametrize(
    "proposed",
    [
        "Parties recognise the diversité of cultural expressions.",
        "  Parties recognise   the diversité\n of cultural expressions.  ",
        unicodedata.normalize("NFD", "Parties recognise the diversité of cultural expressions."),
    ],
    ids=["same", "whitespace", "decomposed"],
)
def test_replacing_a_text_by_itself_is_refused(file_amendment, proposed):
    before = nothing_filed()
    with pytest.raises(ValidationError) as error:
        file_amendment(proposed_text=proposed)
    assert error.value.code == services.TEXT_UNCHANGED
    assert "nothing to amend" in error.value.messages[0]
    assert nothing_filed() == before


@pytest.mark.parametrize(
    ("operation", "insert_position"),
    [(Operation.REPLACE, None), (Operation.INSERT, Amendment.InsertPosition.AFTER)],
)
@pytest.mark.parametrize("proposed", ["", "  \n\t "])
def test_replace_and_insert_need_a_text(file_amendment, operation, insert_position, proposed):
    before = nothing_filed()
    with pytest.raises(ValidationError) as error:
        file_amendment(operation=operation, insert_position=insert_position, proposed_text=proposed)
    assert error.value.code == services.TEXT_REQUIRED
    assert nothing_filed() == before


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"operation": Operation.DELETE, "proposed_text": "Some text."}, "delete-takes-no-text"),
        ({"operation": Operation.INSERT, "insert_position": None}, "insert-position-invalid"),
        ({"operation": Operation.INSERT, "insert_position": "above"}, "insert-position-invalid"),
        (
            {"operation": Operation.INSERT, "insert_position": "start", "eid": "para_2"},
            "insert-position-invalid",
        ),
        ({"operation": Operation.REPLACE, "insert_position": "after"}, "insert-position-invalid"),
        ({"operation": "rewrite"}, "operation-invalid"),
    ],
)
def test_the_operation_and_its_position_must_fit(file_amendment, kwargs, code):
    before = nothing_filed()
    with pytest.raises(ValidationError) as error:
        file_amendment(**kwargs)
    assert error.value.code == code
    assert nothing_filed() == before


@pytest.mark.parametrize(
    "who", ["secretariat_user", "reader_user", "unaccredited_user", "other_kind_user"]
)
def test_only_accredited_ngos_and_parties_file(request, django_user_model, window, edition, who):
    if who == "unaccredited_user":
        organisation = Organisation.objects.create(name="New NGO", kind=Organisation.Kind.NGO)
        user = member(django_user_model, who, organisation)
    elif who == "other_kind_user":
        organisation = Organisation.objects.create(
            name="A university", kind=Organisation.Kind.OTHER, accredited=True
        )
        user = member(django_user_model, who, organisation)
    else:
        user = request.getfixturevalue(who)
    before = nothing_filed()
    with pytest.raises(PermissionDenied) as error:
        services.amendment_create(
            user=user,
            edition=edition,
            clause=clause_of(edition),
            operation=Operation.REPLACE,
            proposed_text="Changed.",
            justification="",
        )
    assert str(error.value) == services.FILING_NOT_ALLOWED
    assert nothing_filed() == before


def test_unpublished_edition_cannot_be_amended_by_who_cannot_see_it(make_edition, ngo_user):
    hidden = make_edition("1. Hidden.", slug="hidden", published=False)
    open_window(hidden)
    before = nothing_filed()
    with pytest.raises(PermissionDenied) as error:
        services.amendment_create(
            user=ngo_user,
            edition=hidden,
            clause=clause_of(hidden),
            operation=Operation.REPLACE,
            proposed_text="Changed.",
            justification="",
        )
    assert str(error.value) == services.EDITION_NOT_VISIBLE
    assert nothing_filed() == before


# --- amendment_update ----------------------------------------------------------------


def test_update_changes_the_draft_with_a_new_version_and_history(draft, ngo_user):
    updated = services.amendment_update(
        amendment=draft,
        user=ngo_user,
        expected_version=1,
        proposed_text="Parties  treasure diversity.",
        justification="Stronger.",
    )
    fresh = Amendment.objects.get(pk=draft.pk)
    assert (updated.version, fresh.version) == (2, 2)
    assert (fresh.proposed_text, fresh.justification) == (
        "Parties treasure diversity.",
        "Stronger.",
    )
    record = fresh.history.order_by("-history_id").first()
    assert (record.history_user, record.history_change_reason, record.version) == (
        ngo_user,
        "Draft edited",
        2,
    )


def test_a_colleague_of_the_same_organisation_edits_the_draft(draft, ngo_colleague):
    services.amendment_update(
        amendment=draft,
        user=ngo_colleague,
        expected_version=1,
        proposed_text="Colleague's text.",
        justification="",
    )
    assert Amendment.objects.get(pk=draft.pk).proposed_text == "Colleague's text."


def test_update_without_change_writes_nothing(draft, ngo_user):
    services.amendment_update(
        amendment=draft,
        user=ngo_user,
        expected_version=1,
        proposed_text=" Parties cherish  diversity.",
        justification="Say it better.",
    )
    fresh = Amendment.objects.get(pk=draft.pk)
    assert (fresh.version, history_count(fresh)) == (1, 1)


def test_update_links_and_unlinks_positions(draft, ngo, ngo_user):
    paper = PositionPaper.objects.create(title="Paper", language="en", text="We want diversity.")
    position = Position.objects.create(
        paper=paper, organisation=ngo, stance="amend", summary="x", excerpt_start=0, excerpt_end=2
    )
    kwargs = {"proposed_text": draft.proposed_text, "justification": draft.justification}
    services.amendment_update(
        amendment=draft, user=ngo_user, expected_version=1, positions=[position], **kwargs
    )
    assert list(draft.positions.all()) == [position]
    services.amendment_update(
        amendment=draft, user=ngo_user, expected_version=2, positions=[], **kwargs
    )
    assert (draft.positions.count(), Amendment.objects.get(pk=draft.pk).version) == (0, 3)


def test_stale_version_is_refused_and_the_first_change_kept(draft, ngo_user, ngo_colleague):
    services.amendment_update(
        amendment=draft,
        user=ngo_user,
        expected_version=1,
        proposed_text="First change.",
        justification="",
    )
    before = state(draft)
    with pytest.raises(services.StaleVersion) as error:
        services.amendment_update(
            amendment=draft,
            user=ngo_colleague,
            expected_version=1,
            proposed_text="Second change.",
            justification="",
        )
    assert error.value.code == services.STALE_VERSION == "stale-version"
    assert isinstance(error.value, ValidationError)
    assert isinstance(error.value, guidelines_services.StaleVersion)
    assert "you read version 1, it is now at version 2" in error.value.messages[0]
    assert state(draft) == before
    assert Amendment.objects.get(pk=draft.pk).proposed_text == "First change."


def test_text_is_frozen_after_submission(submitted, ngo_user):
    before = state(submitted)
    with pytest.raises(ValidationError) as error:
        services.amendment_update(
            amendment=submitted,
            user=ngo_user,
            expected_version=submitted.version,
            proposed_text="Late change.",
            justification="",
        )
    assert error.value.code == services.FROZEN
    assert "frozen" in error.value.messages[0]
    assert state(submitted) == before


def test_update_rechecks_the_text(draft, ngo_user):
    before = state(draft)
    with pytest.raises(ValidationError) as error:
        services.amendment_update(
            amendment=draft,
            user=ngo_user,
            expected_version=1,
            proposed_text=draft.base_text,
            justification="",
        )
    assert error.value.code == services.TEXT_UNCHANGED
    assert state(draft) == before


def test_another_organisation_cannot_see_nor_edit_a_draft(draft, other_ngo_user, secretariat_user):
    before = state(draft)
    for user in (other_ngo_user, secretariat_user):
        with pytest.raises(PermissionDenied) as error:
            services.amendment_update(
                amendment=draft,
                user=user,
                expected_version=1,
                proposed_text="Hijack.",
                justification="",
            )
        assert str(error.value) == services.AMENDMENT_NOT_VISIBLE
    assert state(draft) == before
