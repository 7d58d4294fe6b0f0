"""The audit trail: every step of the procedure appends a hash-chained record in the
service's own transaction; ``verify_audit`` finds the first record tampered with behind
the application's back; the amendment page and ``receipt.json`` give the filing receipt."""

from __future__ import annotations

import datetime
import hashlib
import itertools
import json
from dataclasses import replace
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from amendments import auditing, services
from amendments.models import Amendment, AuditChain, AuditRecord
from positions.models import Organisation
from tests.amendments.conftest import clause_of
from tests.amendments.test_tracked_import import marked_up
from tests.concurrency import run_together
from tests.conftest import member

Action = AuditRecord.Action
TABLE = AuditRecord._meta.db_table


def records() -> list[AuditRecord]:
    return list(AuditRecord.objects.order_by("sequence"))


def actions() -> list[str]:
    return [r.action for r in records()]


def last() -> AuditRecord:
    return AuditRecord.objects.order_by("-sequence").first()  # type: ignore[return-value]


def verify(*args: str) -> str:
    out = StringIO()
    call_command("verify_audit", *args, stdout=out)
    return out.getvalue()


def broken() -> str:
    with pytest.raises(CommandError) as error:
        verify()
    return str(error.value)


def head() -> tuple[int, str]:
    chain = AuditChain.objects.get()
    return chain.sequence, chain.last_hash


def sql(statement: str, params: list | None = None) -> None:
    """Write behind the application's back, as someone with database access would."""
    with connection.cursor() as cursor:
        cursor.execute(statement.format(table=connection.ops.quote_name(TABLE)), params or [])


# --- what each service appends ----------------------------------------------------------


@pytest.mark.django_db
def test_filing_a_draft_appends_its_wording_in_the_organisations_name(draft, ngo, ngo_user):
    (record,) = records()
    assert (record.sequence, record.action) == (1, Action.FILED)
    assert (record.amendment_id, record.edition_id) == (draft.pk, draft.edition_id)
    assert (record.organisation_id, record.user_id) == (ngo.pk, ngo_user.pk)
    assert record.content == {
        "amendment": draft.pk,
        "number": "",
        "edition": "revision-draft",
        "status": "draft",
        "operation": "replace",
        "insert_position": "",
        "clause": "para_1",
        "base_text": "Parties recognise the diversité of cultural expressions.",
        "base_version": 1,
        "proposed_text": "Parties cherish diversity.",
        "justification": "Say it better.",
        "proposer": {"id": ngo.pk, "name": "Test Coalition"},
        "positions": [],
        "organisation": {"id": ngo.pk, "name": "Test Coalition"},
    }
    canonical = json.dumps(
        record.content, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")
    assert record.content_hash == hashlib.sha256(canonical).hexdigest()
    assert "diversité" in canonical.decode("utf-8")  # not escaped: UTF-8 as it is
    assert record.previous_hash == auditing.GENESIS_HASH
    assert record.recorded_at.microsecond % 1000 == 0
    assert head() == (1, record.record_hash)


@pytest.mark.django_db
def test_every_step_of_the_procedure_appends_one_record(
    file_amendment, ngo_user, other_ngo_user, other_ngo, delegate_user, party, secretariat_user
):
    amendment = file_amendment()
    amendment = services.amendment_update(
        amendment=amendment,
        user=ngo_user,
        expected_version=amendment.version,
        proposed_text="Parties value diversity.",
        justification="Shorter.",
    )
    amendment = services.amendment_submit(
        amendment=amendment, user=ngo_user, expected_version=amendment.version
    )
    services.amendment_cosign(amendment=amendment, user=other_ngo_user)
    services.amendment_withdraw_signature(amendment=amendment, user=other_ngo_user, reason="")
    services.amendment_support(amendment=amendment, user=delegate_user, stance="support")
    services.amendment_support(amendment=amendment, user=delegate_user, stance="support")  # same
    services.amendment_support(amendment=amendment, user=delegate_user, stance="oppose")
    services.amendment_support_withdraw(amendment=amendment, user=delegate_user)
    services.amendment_screen(
        amendment=amendment, user=secretariat_user, admissible=True, reason=""
    )
    services.amendment_recommend(
        amendment=amendment, user=secretariat_user, recommendation="Adopt it.", outcome="adopted"
    )
    services.amendment_decide(
        amendment=amendment,
        user=secretariat_user,
        outcome="adopted_as_amended",
        adopted_text="Parties treasure diversity.",
        reason="Decision 19.IGC 7",
    )
    fork, _plan = services.edition_consolidate(
        base=amendment.edition, user=secretariat_user, slug="consolidated", label="Consolidated"
    )

    trail = records()
    assert [r.action for r in trail] == [
        Action.FILED,
        Action.EDITED,
        Action.SUBMITTED,
        Action.COSIGNED,
        Action.SIGNATURE_WITHDRAWN,
        Action.SUPPORTED,
        Action.SUPPORTED,  # giving the same stance again changes nothing and records nothing
        Action.SUPPORT_WITHDRAWN,
        Action.SCREENED,
        Action.RECOMMENDED,
        Action.DECIDED,
        Action.CONSOLIDATED,
    ]
    assert [r.sequence for r in trail] == list(range(1, 13))
    edited, submitted = trail[1].content, trail[2].content
    assert (edited["proposed_text"], edited["justification"]) == (
        "Parties value diversity.",
        "Shorter.",
    )
    assert (submitted["number"], submitted["status"]) == ("A-1", "submitted")
    assert submitted["proposed_text"] == "Parties value diversity."
    assert trail[3].content["organisation"] == {"id": other_ngo.pk, "name": "Other Federation"}
    assert trail[3].organisation_id == other_ngo.pk
    assert trail[4].content["reason"] == "Signature withdrawn"
    assert [trail[5].content["stance"], trail[6].content["stance"]] == ["support", "oppose"]
    assert trail[5].content["organisation"]["name"] == "Testland"
    assert trail[7].content["stance"] == "oppose"
    assert (trail[8].content["from_status"], trail[8].content["status"]) == (
        "submitted",
        "admissible",
    )
    assert trail[8].content["reason"] == "Declared admissible"
    assert trail[9].content["recommendation"] == "Adopt it."
    assert trail[9].content["recommended_outcome"] == "adopted"
    decided = trail[10].content
    assert (decided["status"], decided["adopted_text"], decided["reason"]) == (
        "adopted_as_amended",
        "Parties treasure diversity.",
        "Decision 19.IGC 7",
    )
    consolidated = trail[11]
    assert (consolidated.amendment_id, consolidated.edition_id) == (None, amendment.edition_id)
    assert consolidated.content["new_edition"] == fork.slug == "consolidated"
    assert consolidated.content["amendments"] == ["A-1"]
    assert consolidated.content["changed"] == {"para_1": "A-1"}
    assert all(r.amendment_id == amendment.pk for r in trail[:11])
    assert "Audit trail OK: 12 records" in verify()


@pytest.mark.django_db
def test_withdrawal_and_inadmissibility_record_their_reasons(amendment_in):
    amendment_in(Amendment.Status.WITHDRAWN)
    withdrawn = last().content
    assert (withdrawn["from_status"], withdrawn["status"], withdrawn["reason"]) == (
        "submitted",
        "withdrawn",
        "Superseded.",
    )
    amendment_in(Amendment.Status.INADMISSIBLE)
    screened = last()
    assert screened.action == Action.SCREENED
    assert (screened.content["status"], screened.content["reason"]) == (
        "inadmissible",
        "Out of scope.",
    )


@pytest.mark.django_db
def test_the_command_line_records_a_submitted_amendment_without_a_user(edition, ngo):
    amendment = services.amendment_record(
        proposer=ngo,
        edition=edition,
        clause=clause_of(edition, "para_3"),
        operation="delete",
        proposed_text="",
        justification="As the paper asks.",
        reason="Filed in the joint paper",
    )
    record = last()
    assert (record.action, record.amendment_id) == (Action.RECORDED, amendment.pk)
    assert (record.organisation_id, record.user_id) == (None, None)
    assert record.content["organisation"] is None
    assert record.content["proposer"] == {"id": ngo.pk, "name": "Test Coalition"}
    assert (record.content["number"], record.content["reason"]) == (
        "A-1",
        "Filed in the joint paper",
    )


@pytest.mark.django_db
def test_a_word_file_files_one_record_per_draft(edition, window, ngo_user):
    result = services.amendments_from_word(
        edition=edition, data=marked_up(edition), filename="markup.docx", user=ngo_user
    )
    trail = records()
    assert [r.action for r in trail] == [Action.FILED, Action.FILED]
    assert {r.amendment_id for r in trail} == {a.pk for a in result.amendments}
    assert {r.content["file"] for r in trail} == {"markup.docx"}
    assert {r.content["clause"] for r in trail} == {"para_1", "para_3"}


@pytest.mark.django_db
def test_a_refused_service_appends_nothing(draft, ngo_user, other_ngo_user, secretariat_user):
    before = (records(), head())
    with pytest.raises(services.StaleVersion):
        services.amendment_submit(amendment=draft, user=ngo_user, expected_version=99)
    with pytest.raises(ValidationError):
        services.amendment_withdraw(
            amendment=draft, user=ngo_user, expected_version=draft.version, reason=" "
        )
    with pytest.raises(PermissionDenied):
        services.amendment_submit(amendment=draft, user=other_ngo_user, expected_version=1)
    with pytest.raises(ValidationError):
        services.amendment_cosign(amendment=draft, user=ngo_user)  # its own amendment
    with pytest.raises(PermissionDenied):
        services.amendment_screen(
            amendment=draft, user=secretariat_user, admissible=True, reason=""
        )
    assert (records(), head()) == before


@pytest.mark.django_db
def test_a_service_rolled_back_after_its_write_leaves_no_record(draft, ngo_user):
    before = (records(), head())
    with pytest.raises(RuntimeError), transaction.atomic():
        services.amendment_submit(amendment=draft, user=ngo_user, expected_version=draft.version)
        assert last().action == Action.SUBMITTED  # appended inside the transaction…
        raise RuntimeError("the request fails after the service")
    assert (records(), head()) == before  # …and gone with it
    services.amendment_submit(amendment=draft, user=ngo_user, expected_version=draft.version)
    assert [r.sequence for r in records()] == [1, 2]  # no gap where the rollback was
    assert "Audit trail OK: 2 records" in verify()


@pytest.mark.django_db
def test_a_missing_head_is_rebuilt_from_the_records_so_the_chain_goes_on(file_amendment):
    file_amendment()
    AuditChain.objects.all().delete()
    file_amendment()
    trail = records()
    assert [r.sequence for r in trail] == [1, 2]
    assert trail[1].previous_hash == trail[0].record_hash
    assert head() == (2, trail[1].record_hash)
    assert "OK: 2 records" in verify()


def admin_change_data(client: Client, url: str, **changes: str) -> dict[str, Any]:
    """The admin's change form as the page fills it, with ``changes``, ready to post."""
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if name == "positions":
            value = ",".join(str(p.pk) for p in value or [])
        data[name] = "" if value is None else value
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({management.add_prefix(k): v for k, v in management.initial.items()})
        for subform in inline.formset.forms:
            data.update({subform.add_prefix(k): v for k, v in subform.initial.items()})
    return {**data, **changes}


@pytest.mark.django_db
def test_a_draft_edited_in_the_admin_appends_its_new_wording(draft, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="root-pass-123")
    client = client_for(admin)
    url = reverse("admin:amendments_amendment_change", args=[draft.pk])
    data = admin_change_data(client, url, proposed_text="Words the admin typed.")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert actions() == [Action.FILED, Action.EDITED]
    assert last().content["proposed_text"] == "Words the admin typed."
    assert last().user_id == admin.pk
    assert "OK: 2 records" in verify()
    # The draft's receipt is of the wording it now holds.
    receipt = receipt_json(client_for(draft.created_by), draft).json()
    assert receipt["content"]["proposed_text"] == "Words the admin typed."


@pytest.mark.django_db
def test_a_submitted_amendment_corrected_in_the_admin_is_on_the_record(
    submitted, django_user_model
):
    """A typo corrected in the admin is appended; the filing receipt stays the one of
    the submission (what was filed)."""
    admin = django_user_model.objects.create_superuser("root", password="root-pass-123")
    client = client_for(admin)
    url = reverse("admin:amendments_amendment_change", args=[submitted.pk])
    filed = receipt_json(client, submitted).json()
    data = admin_change_data(client, url, justification="Corrected after filing.")
    assert client.post(url, data).status_code == 302
    record = last()
    assert (record.action, record.amendment_id, record.user_id) == (
        Action.EDITED,
        submitted.pk,
        admin.pk,
    )
    assert record.content["justification"] == "Corrected after filing."
    assert record.content["status"] == "submitted"
    assert receipt_json(client, submitted).json() == filed
    assert "Audit trail OK" in verify()


@pytest.mark.django_db
def test_an_admin_page_saved_unchanged_appends_nothing(draft, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="root-pass-123")
    client = client_for(admin)
    url = reverse("admin:amendments_amendment_change", args=[draft.pk])
    assert client.post(url, admin_change_data(client, url)).status_code == 302
    assert actions() == [Action.FILED]


@pytest.mark.django_db
def test_the_records_outlive_a_draft_deleted_in_the_admin(draft, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="root-pass-123")
    delete = reverse("admin:amendments_amendment_delete", args=[draft.pk])
    assert client_for(admin).post(delete, {"post": "yes"}).status_code == 302
    assert not Amendment.objects.filter(pk=draft.pk).exists()
    assert [(r.action, r.amendment_id) for r in records()] == [(Action.FILED, draft.pk)]
    assert "OK: 1 records" in verify()


# --- verify_audit -------------------------------------------------------------------------


@pytest.fixture
def trail(file_amendment, ngo_user, delegate_user) -> list[AuditRecord]:
    """Five records: two filings, a submission, a support and its withdrawal."""
    file_amendment()
    amendment = file_amendment(eid="para_2", proposed_text="Parties développent les compétences.")
    amendment = services.amendment_submit(
        amendment=amendment, user=ngo_user, expected_version=amendment.version
    )
    services.amendment_support(amendment=amendment, user=delegate_user, stance="support")
    services.amendment_support_withdraw(amendment=amendment, user=delegate_user)
    return records()


@pytest.mark.django_db
def test_verify_audit_reports_ok_with_the_count_and_the_last_hash(trail):
    assert verify() == f"Audit trail OK: 5 records, last hash {trail[-1].record_hash}.\n"
    assert verify("--chunk-size", "1") == verify()


@pytest.mark.django_db
def test_verify_audit_on_an_empty_trail():
    assert verify() == f"Audit trail OK: 0 records, last hash {auditing.GENESIS_HASH}.\n"


@pytest.mark.django_db
def test_verify_audit_refuses_a_bad_chunk_size():
    with pytest.raises(CommandError, match="at least 1"):
        verify("--chunk-size", "0")


@pytest.mark.django_db
def test_changed_content_is_caught_at_its_record(trail):
    content = dict(trail[2].content, proposed_text="Something never filed.")
    sql("UPDATE {table} SET content = %s WHERE sequence = 3", [json.dumps(content)])
    message = broken()
    assert message.startswith("Audit trail broken at record 3 (content-changed)")
    assert f"last good hash is {trail[1].record_hash}" in message


@pytest.mark.django_db
def test_changed_content_with_its_content_hash_recomputed_is_caught(trail):
    content = dict(trail[2].content, proposed_text="Something never filed.")
    sql(
        "UPDATE {table} SET content = %s, content_hash = %s WHERE sequence = 3",
        [json.dumps(content), auditing.content_hash(content)],
    )
    assert broken().startswith("Audit trail broken at record 3 (record-changed)")


@pytest.mark.django_db
def test_a_changed_record_hash_is_caught(trail):
    sql("UPDATE {table} SET record_hash = %s WHERE sequence = 2", ["f" * 64])
    assert broken().startswith("Audit trail broken at record 2 (record-changed)")


@pytest.mark.django_db
def test_a_backdated_record_is_caught(trail):
    AuditRecord.objects.filter(sequence=4).update(
        recorded_at=trail[3].recorded_at - datetime.timedelta(days=1)
    )
    assert broken().startswith("Audit trail broken at record 4 (record-changed)")


@pytest.mark.django_db
def test_a_record_rewritten_with_all_its_hashes_breaks_the_link_of_the_next(trail):
    record = trail[1]
    content = dict(record.content, justification="Another justification.")
    fields = {
        "sequence": 2,
        "recorded_at": record.recorded_at,
        "action": record.action,
        "amendment_id": record.amendment_id,
        "edition_id": record.edition_id,
        "content_hash": auditing.content_hash(content),
        "previous_hash": record.previous_hash,
    }
    sql(
        "UPDATE {table} SET content = %s, content_hash = %s, record_hash = %s WHERE sequence = 2",
        [json.dumps(content), fields["content_hash"], auditing.record_hash(**fields)],
    )
    assert broken().startswith("Audit trail broken at record 3 (link-broken)")


@pytest.mark.django_db
def test_a_deleted_record_is_caught_as_missing(trail):
    sql("DELETE FROM {table} WHERE sequence = 3")
    message = broken()
    assert message.startswith("Audit trail broken at record 3 (missing)")
    assert "the next record found is 4" in message


@pytest.mark.django_db
def test_a_deleted_last_record_is_caught_by_the_head(trail):
    sql("DELETE FROM {table} WHERE sequence = 5")
    assert broken().startswith("Audit trail broken at record 5 (head-mismatch)")


@pytest.mark.django_db
def test_swapped_records_are_caught_where_the_order_changes(trail):
    sql("UPDATE {table} SET sequence = 1000 WHERE sequence = 2")
    sql("UPDATE {table} SET sequence = 2 WHERE sequence = 3")
    sql("UPDATE {table} SET sequence = 3 WHERE sequence = 1000")
    assert broken().startswith("Audit trail broken at record 2 (link-broken)")


@pytest.mark.django_db
def test_a_removed_head_is_reported(trail):
    AuditChain.objects.all().delete()
    message = broken()
    assert message.startswith("Audit trail broken after record 5 (head-missing)")
    assert trail[-1].record_hash in message


@pytest.mark.django_db
def test_records_added_beyond_the_head_are_caught(trail):
    AuditChain.objects.update(sequence=4, last_hash=trail[3].record_hash)
    assert broken().startswith("Audit trail broken at record 5 (head-mismatch)")


# --- the filing receipt ---------------------------------------------------------------------


def client_for(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def receipt_json(client: Client, amendment: Amendment):
    return client.get(reverse("amendment_receipt", args=[amendment.pk]))


@pytest.mark.django_db
def test_a_submitted_amendment_shows_the_receipt_of_its_submission(submitted):
    filing = AuditRecord.objects.get(amendment_id=submitted.pk, action=Action.SUBMITTED)
    response = client_for().get(submitted.get_absolute_url())  # the public
    assert response.status_code == 200
    page = response.content.decode()
    assert "Filing receipt" in page
    assert filing.record_hash in page and filing.content_hash in page
    local = timezone.localtime(filing.recorded_at)  # Europe/Paris, as the site shows times
    assert f'datetime="{local.isoformat()}"' in page
    assert f" {local:%Z}</time>" in page  # CET or CEST
    assert reverse("amendment_receipt", args=[submitted.pk]) in page
    draft_record = AuditRecord.objects.get(amendment_id=submitted.pk, action=Action.FILED)
    assert draft_record.record_hash not in page


@pytest.mark.django_db
def test_receipt_json_lets_anyone_recompute_both_hashes(submitted, ngo_user):
    response = receipt_json(client_for(), submitted)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    receipt = response.json()
    filing = AuditRecord.objects.get(amendment_id=submitted.pk, action=Action.SUBMITTED)
    content_bytes = receipt["canonical_content"].encode("utf-8")
    header_bytes = receipt["canonical_header"].encode("utf-8")
    assert hashlib.sha256(content_bytes).hexdigest() == receipt["content_hash"]
    assert hashlib.sha256(header_bytes).hexdigest() == receipt["record_hash"]
    assert receipt["record_hash"] == filing.record_hash
    assert json.loads(receipt["canonical_content"]) == receipt["content"] == filing.content
    sealed = json.loads(receipt["canonical_header"])
    assert sealed == {
        "sequence": filing.sequence,
        "recorded_at": receipt["recorded_at"],
        "action": "submitted",
        "amendment_id": submitted.pk,
        "edition_id": submitted.edition_id,
        "content_hash": receipt["content_hash"],
        "previous_hash": receipt["previous_hash"],
    }
    assert receipt["recorded_at"].endswith("+00:00")
    # Public: organisations are named, never users.
    assert "user" not in response.content.decode()
    assert ngo_user.username not in json.dumps(receipt["content"]["organisation"])


@pytest.mark.django_db
def test_a_draft_receipt_is_for_its_members_only(draft, ngo_user, other_ngo_user):
    filing = last()
    page = client_for(ngo_user).get(draft.get_absolute_url())
    assert page.status_code == 200 and filing.record_hash in page.content.decode()
    assert receipt_json(client_for(ngo_user), draft).json()["action"] == "filed"
    for outsider in (None, other_ngo_user):
        assert client_for(outsider).get(draft.get_absolute_url()).status_code == 404
        assert receipt_json(client_for(outsider), draft).status_code == 404


@pytest.mark.django_db
def test_an_edited_draft_shows_the_receipt_of_its_current_wording(draft, ngo_user):
    services.amendment_update(
        amendment=draft,
        user=ngo_user,
        expected_version=draft.version,
        proposed_text="Parties value diversity.",
        justification="",
    )
    receipt = receipt_json(client_for(ngo_user), draft).json()
    assert receipt["action"] == "edited"
    assert receipt["content"]["proposed_text"] == "Parties value diversity."


@pytest.mark.django_db
def test_an_amendment_without_a_record_says_so_and_has_no_receipt_file(draft, ngo_user):
    AuditRecord.objects.all().delete()  # as if filed before the audit trail began
    page = client_for(ngo_user).get(draft.get_absolute_url())
    assert "filed before the audit trail began" in page.content.decode()
    assert receipt_json(client_for(ngo_user), draft).status_code == 404


@pytest.mark.django_db
def test_receipt_json_unknown_amendment_and_wrong_method(submitted):
    assert client_for().get(reverse("amendment_receipt", args=[999999])).status_code == 404
    assert client_for().post(reverse("amendment_receipt", args=[submitted.pk])).status_code == 405


@pytest.mark.django_db
def test_the_admin_shows_records_read_only(trail, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="root-pass-123")
    client = client_for(admin)
    record = trail[0]
    assert client.get(reverse("admin:amendments_auditrecord_changelist")).status_code == 200
    change = reverse("admin:amendments_auditrecord_change", args=[record.pk])
    assert client.get(change).status_code == 200
    client.post(change, {"action": "withdrawn"})
    assert AuditRecord.objects.get(pk=record.pk).action == record.action
    delete = reverse("admin:amendments_auditrecord_delete", args=[record.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:amendments_auditrecord_add")).status_code == 403
    assert AuditRecord.objects.count() == 5


# --- concurrency (PostgreSQL) ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_simultaneous_filings_and_supports_leave_one_gapless_chain(
    postgresql_only, file_amendment, submitted, ngo_user, django_user_model
):
    drafts = [file_amendment(eid="para_2") for _ in range(6)]
    delegates = [
        member(
            django_user_model,
            f"delegate-{i}",
            Organisation.objects.create(name=f"Party {i}", kind=Organisation.Kind.PARTY),
        )
        for i in range(6)
    ]
    before = AuditRecord.objects.count()

    def work(i: int) -> object:
        if i < 6:
            return services.amendment_submit(
                amendment=drafts[i], user=ngo_user, expected_version=1
            ).number
        return services.amendment_support(
            amendment=submitted, user=delegates[i - 6], stance="support"
        ).pk

    results, errors = run_together(12, work)

    assert errors == {}
    assert len(results) == 12
    trail = records()
    assert len(trail) == before + 12
    assert [r.sequence for r in trail] == list(range(1, len(trail) + 1))
    assert all(b.previous_hash == a.record_hash for a, b in itertools.pairwise(trail))
    assert head() == (len(trail), trail[-1].record_hash)
    assert f"Audit trail OK: {len(trail)} records" in verify()


# --- the pure chain, and a dump and load of the trail -----------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@given(st.dictionaries(st.text(max_size=8), json_values, max_size=6))
def test_the_content_hash_depends_on_the_content_not_on_its_key_order(content):
    reordered = dict(reversed(list(content.items())))
    assert auditing.content_hash(reordered) == auditing.content_hash(content)
    again = json.loads(auditing.canonical_json(content))
    assert auditing.canonical_json(again) == auditing.canonical_json(content)


def test_a_record_time_must_be_aware_and_is_hashed_in_utc_to_the_millisecond():
    paris = timezone.get_fixed_timezone(60)
    instant = datetime.datetime(2026, 3, 12, 18, 0, 0, 123456, tzinfo=paris)
    assert auditing.recorded_at_text(instant) == "2026-03-12T17:00:00.123+00:00"
    with pytest.raises(ValueError):
        auditing.recorded_at_text(instant.replace(tzinfo=None))


def test_verify_chain_stops_at_the_first_break_only():
    chain, previous = [], auditing.GENESIS_HASH
    instant = datetime.datetime(2026, 3, 1, tzinfo=timezone.get_fixed_timezone(0))
    for sequence in (1, 2, 3):
        content = {"n": sequence}
        fields: dict[str, Any] = {
            "sequence": sequence,
            "recorded_at": instant,
            "action": "filed",
            "amendment_id": sequence,
            "edition_id": 1,
            "content_hash": auditing.content_hash(content),
            "previous_hash": previous,
        }
        previous = auditing.record_hash(**fields)
        chain.append(auditing.StoredRecord(**fields, content=content, record_hash=previous))
    assert auditing.verify_chain(chain, head_sequence=3, head_hash=previous).ok
    tampered = [chain[0], replace(chain[1], content={"n": 9}), replace(chain[2], action="x")]
    result = auditing.verify_chain(tampered)
    assert (result.broken_sequence, result.problem, result.count) == (
        2,
        auditing.CONTENT_CHANGED,
        1,
    )
    assert result.last_hash == chain[0].record_hash


@pytest.mark.django_db
def test_a_dump_and_load_of_the_trail_still_verifies(trail, tmp_path):
    """What a backup does: Django's JSON serialiser keeps milliseconds, as the hash does."""
    dump = tmp_path / "audit.json"
    call_command("dumpdata", "amendments.auditrecord", "amendments.auditchain", output=str(dump))
    AuditRecord.objects.all().delete()
    AuditChain.objects.all().delete()
    call_command("loaddata", str(dump), stdout=StringIO())
    assert records() == trail
    assert [r.record_hash for r in records()] == [r.record_hash for r in trail]
    assert verify() == f"Audit trail OK: 5 records, last hash {trail[-1].record_hash}.\n"
