"""Numbers: A-1, A-2, … per target edition, in submission order, without gaps, also
when twenty submissions arrive at once (PostgreSQL, where rows are really locked)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from amendments import services
from amendments.models import Amendment
from tests.amendments.conftest import open_window
from tests.concurrency import run_together

S = Amendment.Status


def submit(amendment, user):
    return services.amendment_submit(
        amendment=amendment, user=user, expected_version=amendment.version
    )


@pytest.mark.django_db
def test_numbers_follow_submission_order_not_filing_order(file_amendment, ngo_user):
    first, second, third = (file_amendment() for _ in range(3))
    assert [submit(a, ngo_user).number for a in (third, first, second)] == ["A-1", "A-2", "A-3"]


@pytest.mark.django_db
def test_numbers_are_per_target_edition(file_amendment, make_edition, ngo_user, delegate_user):
    other = make_edition("1. Other text.", slug="other-edition")
    open_window(other)
    assert submit(file_amendment(), ngo_user).number == "A-1"
    assert submit(file_amendment(user=delegate_user), delegate_user).number == "A-2"
    assert submit(file_amendment(edition=other, proposed_text="X."), ngo_user).number == "A-1"
    assert submit(file_amendment(), ngo_user).number == "A-3"


@pytest.mark.django_db
def test_withdrawn_amendments_keep_their_number_and_the_next_follows(file_amendment, ngo_user):
    first = submit(file_amendment(), ngo_user)
    second = submit(file_amendment(), ngo_user)
    services.amendment_withdraw(
        amendment=second, user=ngo_user, expected_version=second.version, reason="x"
    )
    # A withdrawn draft never takes a number.
    draft = file_amendment()
    services.amendment_withdraw(amendment=draft, user=ngo_user, expected_version=1, reason="y")
    third = submit(file_amendment(), ngo_user)
    numbers = list(Amendment.objects.in_number_order().values_list("number", "status"))
    assert numbers == [
        ("A-1", S.SUBMITTED),
        ("A-2", S.WITHDRAWN),
        ("A-3", S.SUBMITTED),
        ("", S.WITHDRAWN),
    ]
    assert (first.sequence, third.sequence) == (1, 3)


@pytest.mark.django_db
def test_the_database_refuses_a_number_twice_in_an_edition(file_amendment, ngo_user):
    first = submit(file_amendment(), ngo_user)
    other = submit(file_amendment(), ngo_user)
    with pytest.raises(IntegrityError), transaction.atomic():
        Amendment.objects.filter(pk=other.pk).update(sequence=first.sequence)


# --- concurrency (PostgreSQL) --------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_submissions_get_twenty_gapless_numbers(
    postgresql_only, file_amendment, ngo_user
):
    drafts = [file_amendment() for _ in range(20)]

    results, errors = run_together(20, lambda i: submit(drafts[i], ngo_user).number)

    assert errors == {}
    assert sorted(results.values(), key=lambda n: int(n[2:])) == [f"A-{i}" for i in range(1, 21)]
    assert not Amendment.objects.filter(sequence__isnull=True).exists()
    stored = sorted(n for n in Amendment.objects.values_list("sequence", flat=True) if n)
    assert stored == list(range(1, 21))


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_updates_of_one_draft_one_wins_the_other_is_stale(
    postgresql_only, draft, ngo_user, ngo_colleague
):
    texts = ["Text of the first editor.", "Text of the second editor."]
    users = [ngo_user, ngo_colleague]

    def update(i):
        return services.amendment_update(
            amendment=draft,
            user=users[i],
            expected_version=1,
            proposed_text=texts[i],
            justification="",
        )

    results, errors = run_together(2, update)

    assert len(results) == 1 and len(errors) == 1
    (winner,) = results
    (loser,) = errors
    assert isinstance(errors[loser], services.StaleVersion)
    assert errors[loser].code == "stale-version"
    fresh = Amendment.objects.get(pk=draft.pk)
    assert (fresh.proposed_text, fresh.version) == (texts[winner], 2)
    records = list(fresh.history.order_by("history_id"))
    assert [(r.version, r.proposed_text) for r in records] == [
        (1, draft.proposed_text),
        (2, texts[winner]),
    ]
    assert records[-1].history_user == users[winner]
