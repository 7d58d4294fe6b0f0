"""Model details (address, names, constraints) and the admin's read-only procedure fields."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from amendments.models import Amendment

pytestmark = pytest.mark.django_db


def test_absolute_url_is_the_amendments_page(draft):
    assert draft.get_absolute_url() == f"/amendments/{draft.pk}/"


def test_str_is_the_number_once_submitted(draft, submitted):
    assert str(draft) == f"draft amendment {draft.pk}"
    assert str(submitted) == "A-1"


@pytest.mark.parametrize(
    "changes",
    [
        {"sequence": None},  # a number without its sequence
        {"submitted_at": None},  # submitted yet never submitted
        {"status": Amendment.Status.DRAFT},  # a draft with a number
        {"insert_position": "after"},  # a replacement with a position
    ],
)
def test_the_database_keeps_numbers_and_statuses_consistent(submitted, changes):
    with pytest.raises(IntegrityError), transaction.atomic():
        Amendment.objects.filter(pk=submitted.pk).update(**changes)


def test_admin_lists_and_shows_amendments_with_the_procedure_read_only(
    admin_client, draft, submitted
):
    response = admin_client.get("/admin/amendments/amendment/")
    assert response.status_code == 200
    assert "A-1" in response.content.decode()
    page = admin_client.get(f"/admin/amendments/amendment/{submitted.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    for name in ("status", "number", "sequence", "proposed_text", "version"):
        assert f'name="{name}"' not in html
    assert 'name="justification"' in html
    # A draft's text may still be corrected; its status may not.
    draft_html = admin_client.get(f"/admin/amendments/amendment/{draft.pk}/change/").content
    assert b'name="proposed_text"' in draft_html
    assert b'name="status"' not in draft_html


def test_admin_cannot_add_nor_delete_a_numbered_amendment(admin_client, submitted):
    assert admin_client.get("/admin/amendments/amendment/add/").status_code == 403
    delete = f"/admin/amendments/amendment/{submitted.pk}/delete/"
    assert admin_client.get(delete).status_code == 403


def test_an_admin_edit_bumps_the_version_and_is_in_the_history(admin_client, admin_user, submitted):
    url = f"/admin/amendments/amendment/{submitted.pk}/change/"
    data = {
        "justification": "Corrected typo.",
        "inadmissibility_reason": "",
        "adopted_text": "",
        "recommendation": "",
        "recommended_outcome": "",
        "positions": "",
        "cosponsorships-TOTAL_FORMS": "0",
        "cosponsorships-INITIAL_FORMS": "0",
        "supports-TOTAL_FORMS": "0",
        "supports-INITIAL_FORMS": "0",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    fresh = Amendment.objects.get(pk=submitted.pk)
    assert (fresh.justification, fresh.version, fresh.status) == (
        "Corrected typo.",
        submitted.version + 1,
        Amendment.Status.SUBMITTED,
    )
    record = fresh.history.order_by("-history_id").first()
    assert (record.history_user, record.history_change_reason) == (
        admin_user,
        "Edited in the admin",
    )
