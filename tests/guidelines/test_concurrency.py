"""Two editors save the same clause from the same version at the same instant."""

from __future__ import annotations

import pytest

from guidelines import services
from guidelines.models import Clause
from tests.concurrency import run_together
from tests.conftest import member


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_saves_one_wins_the_other_is_refused(
    postgresql_only, make_edition, secretariat_user, django_user_model, secretariat
):
    draft = make_edition("1. Original text.", slug="draft")
    clause = Clause.objects.get(edition=draft, eid="para_1")
    editors = [secretariat_user, member(django_user_model, "second", secretariat)]
    texts = ["The first editor's text.", "The second editor's text."]

    def save(i: int) -> object:
        return services.clause_update(
            clause=clause, user=editors[i], expected_version=1, reason=f"edit {i}", text=texts[i]
        ).text

    results, errors = run_together(2, save)

    assert len(results) == 1 and len(errors) == 1
    assert all(isinstance(e, services.StaleVersion) for e in errors.values())
    winner = next(iter(results.values()))
    stored = Clause.objects.get(pk=clause.pk)
    assert (stored.text, stored.version) == (winner, 2)
    assert stored.history.count() == 2  # the import and the one accepted save
