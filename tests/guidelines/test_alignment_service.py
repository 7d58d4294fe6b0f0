"""editions_align and align_editions on the database."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from guidelines import services
from guidelines.models import Clause, ClauseCorrespondence

pytestmark = pytest.mark.django_db

TEXT_A = "## Part\n\n1. Artists shall be supported.\n\n2. Remuneration shall be fair.\n"
TEXT_B = (
    "## Part\n\n1. Remuneration shall be fair.\n\n2. Artists shall be supported well.\n\n"
    "3. A new idea.\n"
)


def kinds(a, b):
    rows = ClauseCorrespondence.objects.filter(edition_a=a, edition_b=b)
    return sorted(
        (r.source.eid if r.source else "", r.target.eid if r.target else "", r.kind)
        for r in rows.select_related("source", "target")
    )


def test_same_language_aligns_by_words(make_edition):
    a = make_edition(TEXT_A, slug="a")
    b = make_edition(TEXT_B, slug="b")
    result = services.editions_align(a=a, b=b)
    assert result.method == "text"
    assert kinds(a, b) == sorted(
        [
            ("sec_1", "sec_1", "same"),
            ("para_1", "para_2", "modified"),
            ("para_2", "para_1", "renumbered"),
            ("", "para_3", "new"),
        ]
    )


def test_fork_aligns_by_eid(edition_2017, secretariat_user):
    fork = services.edition_fork(base=edition_2017, user=secretariat_user, slug="w", label="W")
    clause = Clause.objects.get(edition=fork, eid="para_5")
    services.clause_update(
        clause=clause, user=secretariat_user, expected_version=1, reason="r", text="Changed."
    )
    result = services.editions_align(a=edition_2017, b=fork, user=secretariat_user)
    assert result.method == "eid"
    assert result.kinds == {"same": 102, "modified": 1}


def test_across_languages_nothing_is_proposed(make_edition):
    a = make_edition(TEXT_A, slug="fr", language="fr")
    b = make_edition(TEXT_A, slug="en", language="en")
    with pytest.raises(ValidationError) as error:
        services.editions_align(a=a, b=b)
    assert error.value.code == services.CROSS_LANGUAGE
    assert not ClauseCorrespondence.objects.exists()


def test_realigning_keeps_confirmed_and_manual_correspondences(make_edition):
    a = make_edition(TEXT_A, slug="a")
    b = make_edition(TEXT_B, slug="b")
    services.editions_align(a=a, b=b)
    new = ClauseCorrespondence.objects.get(kind="new")
    new.source = Clause.objects.get(edition=a, eid="para_1")
    new.method, new.confirmed, new.kind = "manual", True, "modified"
    new.save()
    result = services.editions_align(a=a, b=b)
    assert result.kept == 1
    assert ClauseCorrespondence.objects.filter(method="manual").count() == 1
    assert ("", "para_3", "new") not in kinds(a, b)


def test_only_the_secretariat_aligns(make_edition, ngo_user):
    a = make_edition(TEXT_A, slug="a")
    b = make_edition(TEXT_B, slug="b")
    with pytest.raises(PermissionDenied):
        services.editions_align(a=a, b=b, user=ngo_user)


def test_command_prints_a_summary_and_refuses_bad_input(make_edition):
    make_edition(TEXT_A, slug="a")
    make_edition(TEXT_B, slug="b")
    out = StringIO()
    call_command("align_editions", "a", "b", stdout=out)
    assert "Aligned a → b by text: 4 proposals" in out.getvalue()
    with pytest.raises(CommandError, match="No edition 'zz'"):
        call_command("align_editions", "a", "zz")
    with pytest.raises(CommandError, match="two different editions"):
        call_command("align_editions", "a", "a")
