"""clause_update: optimistic locking, adopted editions, rights, history."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from guidelines import services
from guidelines.models import Clause

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(make_edition):
    return make_edition("## Part\n\n1. Original text.\n\n2. Second.", status="draft")


def clause_of(edition, eid="para_1"):
    return Clause.objects.get(edition=edition, eid=eid)


def test_update_records_user_reason_and_new_version(draft, secretariat_user):
    clause = clause_of(draft)
    updated = services.clause_update(
        clause=clause,
        user=secretariat_user,
        expected_version=1,
        reason="Typo",
        text="  Original   text, corrected. ",
    )
    assert (updated.text, updated.version) == ("Original text, corrected.", 2)
    record = clause.history.order_by("-history_id").first()
    assert (record.history_user, record.history_change_reason, record.version) == (
        secretariat_user,
        "Typo",
        2,
    )


def test_stale_version_is_refused_and_the_first_change_is_kept(draft, secretariat_user):
    clause = clause_of(draft)
    services.clause_update(
        clause=clause, user=secretariat_user, expected_version=1, reason="A", text="First edit."
    )
    with pytest.raises(services.StaleVersion) as error:
        services.clause_update(
            clause=clause, user=secretariat_user, expected_version=1, reason="B", text="Second."
        )
    assert "you read version 1, it is now at version 2" in error.value.messages[0]
    fresh = clause_of(draft)
    assert (fresh.text, fresh.version) == ("First edit.", 2)
    assert fresh.history.count() == 2


def test_adopted_edition_is_read_only(make_edition, secretariat_user):
    adopted = make_edition("1. Adopted.", slug="adopted", status="adopted")
    with pytest.raises(ValidationError) as error:
        services.clause_update(
            clause=clause_of(adopted),
            user=secretariat_user,
            expected_version=1,
            reason="x",
            text="Changed.",
        )
    assert error.value.code == services.ADOPTED_READ_ONLY
    assert clause_of(adopted).text == "Adopted."


def test_reader_without_the_right_is_refused(draft, reader_user):
    with pytest.raises(PermissionDenied):
        services.clause_update(
            clause=clause_of(draft), user=reader_user, expected_version=1, reason="x", text="y"
        )
    assert clause_of(draft).version == 1


def test_reason_is_required(draft, secretariat_user):
    with pytest.raises(ValidationError) as error:
        services.clause_update(
            clause=clause_of(draft), user=secretariat_user, expected_version=1, reason=" ", text="y"
        )
    assert error.value.code == services.REASON_REQUIRED


def test_unchanged_text_writes_nothing(draft, secretariat_user):
    clause = clause_of(draft)
    services.clause_update(
        clause=clause,
        user=secretariat_user,
        expected_version=1,
        reason="x",
        text="Original text.",
    )
    assert clause.history.count() == 1
    assert clause_of(draft).version == 1


def test_import_requires_a_reason(db):
    from guidelines.importing import parse

    with pytest.raises(ValidationError):
        services.edition_import(
            parsed=parse("1. One."),
            instrument_slug="i",
            slug="e",
            label="E",
            language="en",
            reason="",
        )
    assert not Clause.objects.exists()
