"""export_all / import_all: a world of editions, histories, amendments and users goes
out to one file and comes back, row by row, into an empty database; bad files write
nothing."""

from __future__ import annotations

import datetime
import errno
import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import models
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from amendments import following
from amendments import services as amendment_services
from amendments.models import Amendment
from guidelines import backup_archive
from guidelines import services as guideline_services
from guidelines.backup import NOT_DUMPED, dumped_models, occupied_tables
from guidelines.backup_archive import BackupReader
from guidelines.models import Clause, ClauseCorrespondence, Edition
from positions.models import Invitation
from tests.amendments.conftest import TEXT, open_window
from tests.conftest import password_login

Status = Amendment.Status


# --- the world -------------------------------------------------------------------------


def _amendment(
    edition: Edition, status: str, *, proposer, secretariat_user, eid: str = "para_1"
) -> Amendment:
    """An amendment brought to ``status`` through the services, as the procedure would."""
    amendment = amendment_services.amendment_create(
        user=proposer,
        edition=edition,
        clause=Clause.objects.get(edition=edition, eid=eid),
        operation=Amendment.Operation.REPLACE,
        proposed_text=f"Parties cherish diversity ({status}).",
        justification="Say it better.",
    )
    if status == Status.DRAFT:
        return amendment
    amendment = amendment_services.amendment_submit(
        amendment=amendment, user=proposer, expected_version=amendment.version
    )
    if status == Status.SUBMITTED:
        return amendment
    if status == Status.WITHDRAWN:
        return amendment_services.amendment_withdraw(
            amendment=amendment, user=proposer, expected_version=amendment.version, reason="Later."
        )
    amendment = amendment_services.amendment_screen(
        amendment=amendment,
        user=secretariat_user,
        admissible=status != Status.INADMISSIBLE,
        reason="Out of scope." if status == Status.INADMISSIBLE else "",
    )
    if status in (Status.ADMISSIBLE, Status.INADMISSIBLE):
        return amendment
    return amendment_services.amendment_decide(
        amendment=amendment,
        user=secretariat_user,
        outcome=status,
        adopted_text="Parties value diversity." if status == Status.ADOPTED_AS_AMENDED else None,
        reason="Decision 19.IGC 7",
    )


@pytest.fixture
def world(
    make_edition,
    secretariat_user,
    ngo_user,
    other_ngo_user,
    delegate_user,
    django_user_model,
):
    """Every dumped table holds rows: the seed (editions, clause histories, papers,
    positions, seed amendments), a draft edition with amendments in every status,
    co-sponsors, supports, follows and notifications, users, groups, permissions, a
    token, an invitation, a correspondence and an admin log entry."""
    call_command("load_seed", stdout=io.StringIO())
    edition = make_edition(TEXT, slug="revision-draft")
    open_window(edition)
    clause = Clause.objects.get(edition=edition, eid="para_2")
    guideline_services.clause_update(
        clause=clause,
        user=secretariat_user,
        expected_version=clause.version,
        reason="Typo",
        text="Parties support the development of digital skills and literacy.",
    )
    following.follow(user=delegate_user, target=edition)
    following.follow(user=other_ngo_user, target=clause)
    amendments = {
        status: _amendment(edition, status, proposer=ngo_user, secretariat_user=secretariat_user)
        for status in Status.values
    }
    submitted = amendments[Status.SUBMITTED]
    amendment_services.amendment_cosign(amendment=submitted, user=other_ngo_user)
    amendment_services.amendment_support(amendment=submitted, user=delegate_user, stance="support")
    following.follow(user=ngo_user, target=submitted)
    Token.objects.create(user=ngo_user)
    # Two-factor devices: after a restore the secretariat still logs in with its phone.
    TOTPDevice.objects.create(user=secretariat_user, name="Phone", confirmed=True)
    StaticDevice.objects.create(user=secretariat_user, name="Backup codes").token_set.create(
        token="abcd1234"
    )
    group = Group.objects.create(name="Editors")
    group.permissions.add(Permission.objects.get(codename="change_clause"))
    secretariat_user.groups.add(group)
    secretariat_user.user_permissions.add(Permission.objects.get(codename="view_amendment"))
    Invitation.objects.create(
        organisation=ngo_user.membership.organisation,
        email="new@example.org",
        token_hash="a" * 64,
        invited_by=secretariat_user,
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )
    draft_2017 = Edition.objects.get(slug="og-2017-fr")
    ClauseCorrespondence.objects.create(
        edition_a=draft_2017,
        edition_b=edition,
        source=draft_2017.clauses.first(),
        target=clause,
        kind=ClauseCorrespondence.Kind.MODIFIED,
        method=ClauseCorrespondence.Method.MANUAL,
        updated_by=secretariat_user,
    )
    LogEntry.objects.create(
        user=secretariat_user,
        content_type=ContentType.objects.get_for_model(Amendment),
        object_id=str(submitted.pk),
        object_repr=str(submitted),
        action_flag=ADDITION,
        change_message="[]",
    )
    return {"edition": edition, "amendments": amendments}


def _natural(model: type[models.Model]) -> dict[str, dict[Any, Any]]:
    """For references to tables migrate recreates: id -> natural key."""
    keys: dict[str, dict[Any, Any]] = {}
    for field in model._meta.concrete_fields:
        target = field.related_model
        if (
            field.is_relation
            and isinstance(target, type)
            and target._meta.label_lower in NOT_DUMPED
        ):
            rows: Any = target._base_manager.all()
            keys[field.attname] = {obj.pk: obj.natural_key() for obj in rows}
    return keys


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every dumped table, row by row, as Python values (ids of content types and
    permissions as their natural keys: migrate gives them new ids)."""
    tables = {}
    for model in dumped_models():
        natural = _natural(model)
        rows = []
        for row in model._base_manager.order_by("pk").values():
            for column, keys in natural.items():
                row[column] = keys.get(row[column])
            rows.append(row)
        tables[model._meta.label_lower] = rows
    return tables


def max_ids() -> dict[str, int]:
    """The highest id of every table with an auto-incremented key."""
    ids = {}
    for model in dumped_models():
        pk = model._meta.pk
        if isinstance(pk, models.AutoField) and model._base_manager.exists():
            ids[model._meta.label_lower] = model._base_manager.order_by("-pk")[0].pk
    return ids


def test_dumped_models_cover_the_apps_and_leave_out_what_migrate_recreates():
    labels = {model._meta.label_lower for model in dumped_models()}
    from django.apps import apps

    for app in ("guidelines", "positions", "amendments"):
        for model in apps.get_app_config(app).get_models(include_auto_created=True):
            assert model._meta.label_lower in labels
    assert {"auth.user", "auth.group", "auth.user_groups", "authtoken.token"} <= labels
    assert "guidelines.historicalclause" in labels
    assert "amendments.historicalamendment" in labels
    assert not labels & {"contenttypes.contenttype", "auth.permission", "sessions.session"}
    assert "authtoken.tokenproxy" not in labels  # a proxy: its rows are the token's
    order = [model._meta.label_lower for model in dumped_models()]
    assert order.index("guidelines.edition") < order.index("guidelines.clause")
    assert order.index("guidelines.clause") < order.index("guidelines.historicalclause")
    assert order.index("auth.user") < order.index("amendments.amendment")


@pytest.mark.django_db(transaction=True)
def test_round_trip_into_an_empty_database(world, tmp_path, client, ngo_user, delegate_user):
    before = snapshot()
    empty = [label for label, rows in before.items() if not rows]
    assert not empty, (
        f"the world leaves {empty} empty: add their rows so the round trip covers them"
    )
    ids = max_ids()
    path = tmp_path / "redraft.zip"
    out = io.StringIO()
    call_command("export_all", str(path), stdout=out)
    assert "Wrote" in out.getvalue()

    call_command("flush", interactive=False, verbosity=0)
    assert occupied_tables() == []
    out = io.StringIO()
    call_command("import_all", str(path), stdout=out)
    rows = sum(len(table) for table in before.values())
    assert f"Restored {rows} rows" in out.getvalue()

    after = snapshot()
    assert after.keys() == before.keys()
    for label in before:
        assert after[label] == before[label], label

    # The audit chain came back whole: it verifies, up to the same last hash.
    records = len(before["amendments.auditrecord"])
    assert records > 10
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert f"Audit trail OK: {records} records" in out.getvalue()

    # New rows get fresh ids: the sequences moved past the restored rows.
    edition = Edition.objects.get(slug="revision-draft")
    numbers = sorted(
        int(number[2:])
        for number in Amendment.objects.filter(edition=edition)
        .exclude(number="")
        .values_list("number", flat=True)
    )
    assert password_login(client, "ngo", "ngo-pass-123")  # the password hash is back
    newcomer = _amendment(
        edition, Status.SUBMITTED, proposer=ngo_user, secretariat_user=None, eid="para_3"
    )
    assert newcomer.pk > ids["amendments.amendment"]
    assert newcomer.number == f"A-{numbers[-1] + 1}"
    assert Amendment.history.latest("history_id").history_id > ids["amendments.historicalamendment"]
    clause = Clause.objects.get(edition=edition, eid="para_3")
    guideline_services.clause_update(
        clause=clause, user=None, expected_version=clause.version, reason="After", text="New."
    )
    assert Clause.history.latest("history_id").history_id > ids["guidelines.historicalclause"]
    # The new filing and submission extend the restored chain, which still verifies.
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert f"Audit trail OK: {records + 2} records" in out.getvalue()

    # The app still works on the restored data.
    submitted = world["amendments"][Status.SUBMITTED]
    response = client.get(f"/amendments/{submitted.pk}/")
    assert response.status_code == 200
    assert submitted.number in response.content.decode()
    client.logout()
    draft = world["amendments"][Status.DRAFT]
    assert client.get(f"/api/amendments/{draft.pk}/").status_code == 404  # private draft
    token = Token.objects.get(user=ngo_user).key
    response = client.get(f"/api/amendments/{draft.pk}/", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200
    assert delegate_user.follows.count() == 1
    # Search reads the restored search text (and, on PostgreSQL, the vector the
    # database computes from it).
    response = client.get("/search/", {"q": "literacy"})
    assert response.status_code == 200
    assert "Revision Draft" in response.content.decode()  # the edition of the hit
    assert "Revision Draft" not in client.get("/search/", {"q": "zzyzx"}).content.decode()
    assert Group.objects.get(name="Editors").permissions.get().codename == "change_clause"


@pytest.mark.django_db(transaction=True)
def test_round_trip_keeps_what_is_restored_byte_for_byte(world, tmp_path):
    first, second = tmp_path / "first.zip", tmp_path / "second.zip"
    call_command("export_all", str(first), stdout=io.StringIO())
    call_command("flush", interactive=False, verbosity=0)
    call_command("import_all", str(first), stdout=io.StringIO())
    call_command("export_all", str(second), stdout=io.StringIO())
    with BackupReader(first) as a, BackupReader(second) as b:
        assert a.manifest.tables == b.manifest.tables
        assert a.manifest.sha256 == b.manifest.sha256


# --- bad input -------------------------------------------------------------------------


@pytest.fixture
def backup(world, tmp_path) -> Path:
    """A good backup of the world, and the database emptied of every dumped row (the
    test's transaction: foreign keys are checked at its end, which never comes)."""
    path = tmp_path / "good.zip"
    call_command("export_all", str(path), stdout=io.StringIO())
    for model in reversed(dumped_models()):
        model._base_manager.all()._raw_delete(model._base_manager.db)
    assert occupied_tables() == []
    return path


def rewrite(
    source: Path,
    target: Path,
    *,
    rows: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    manifest: dict[str, Any] | None = None,
    keep_checksums: bool = False,
) -> Path:
    """Copy a backup, changing a table's rows (``{label: function(rows) -> rows}``) or
    its bytes (``data``), with counts and checksums made consistent again (unless
    ``keep_checksums``), then entries of the manifest (``manifest``)."""
    with zipfile.ZipFile(source) as old:
        raw = json.loads(old.read(backup_archive.MANIFEST))
        members = {t["label"]: old.read(f"data/{t['label']}.jsonl") for t in raw["tables"]}
    for label, change in (rows or {}).items():
        parsed = [json.loads(line) for line in members[label].splitlines()]
        members[label] = b"".join(backup_archive.encode_row(row) for row in change(parsed))
    for label, change in (data or {}).items():
        members[label] = change(members[label])
    if not keep_checksums:
        total = hashlib.sha256()
        for table in raw["tables"]:
            content = members[table["label"]]
            table["rows"] = content.count(b"\n")
            table["sha256"] = hashlib.sha256(content).hexdigest()
            total.update(content)
        raw["sha256"] = total.hexdigest()
    raw.update(manifest or {})
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for table in raw["tables"]:
            new.writestr(f"data/{table['label']}.jsonl", members.get(table["label"], b""))
        new.writestr(backup_archive.MANIFEST, json.dumps(raw))
    return target


def manifest_of(path: Path) -> dict[str, Any]:
    with BackupReader(path) as reader:
        return reader.manifest.to_json()


def _replace_member(path: Path, name: str, data: bytes | None) -> None:
    with zipfile.ZipFile(path) as old:
        members = [(info, old.read(info)) for info in old.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for info, content in members:
            if info.filename == name:
                if data is not None:
                    new.writestr(name, data)
            else:
                new.writestr(info, content)


def refused(path: Path, *message: str) -> None:
    with pytest.raises(CommandError) as raised:
        call_command("import_all", str(path), stdout=io.StringIO())
    for part in message:
        assert part in str(raised.value)
    assert "Nothing was written" in str(raised.value)
    assert occupied_tables() == []


def test_import_refuses_a_missing_file(db, tmp_path):
    refused(tmp_path / "nowhere.zip", "no such file")


def test_import_refuses_a_file_that_is_not_a_zip(db, tmp_path):
    path = tmp_path / "notes.zip"
    path.write_text("hello\n")
    refused(path, "not a Redraft backup")


def test_import_refuses_another_zip(db, tmp_path):
    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as other:
        other.writestr("word/document.xml", "<w:document/>")
    refused(path, "not a Redraft backup", "manifest.json")


def test_import_refuses_a_truncated_file(backup):
    data = backup.read_bytes()
    backup.write_bytes(data[: len(data) // 2])
    refused(backup, "truncated")


def test_import_refuses_a_damaged_file(backup):
    data = bytearray(backup.read_bytes())
    with zipfile.ZipFile(backup) as archive:
        info = archive.getinfo("data/guidelines.clause.jsonl")
    # The middle of the clauses' compressed bytes (after the local header).
    middle = info.header_offset + 30 + len(info.filename) + info.compress_size // 2
    for offset in range(middle, middle + 16):
        data[offset] ^= 0xFF
    backup.write_bytes(bytes(data))
    refused(backup, "guidelines.clause")


def test_import_refuses_altered_rows(backup, tmp_path):
    def alter(rows):
        rows[0][-1] = "altered"
        return rows

    altered = rewrite(
        backup,
        tmp_path / "altered.zip",
        rows={"positions.organisation": alter},
        keep_checksums=True,
    )
    refused(altered, "checksum of positions.organisation does not match")


def test_import_refuses_a_wrong_total_checksum(backup, tmp_path):
    path = rewrite(backup, tmp_path / "total.zip", manifest={"sha256": "0" * 64})
    refused(path, "checksum of the data does not match")


def test_import_refuses_a_wrong_count(backup, tmp_path):
    tables = manifest_of(backup)["tables"]
    tables[0]["rows"] += 1
    path = rewrite(backup, tmp_path / "count.zip", manifest={"tables": tables})
    refused(path, f"{tables[0]['label']} has {tables[0]['rows'] - 1} rows")


@pytest.mark.parametrize("version", [2, 0, "1", None])
def test_import_refuses_another_format_version(backup, tmp_path, version):
    path = rewrite(backup, tmp_path / "version.zip", manifest={"format_version": version})
    refused(path, "format version", "reads version 1")


def test_import_refuses_another_format(backup, tmp_path):
    path = rewrite(backup, tmp_path / "format.zip", manifest={"format": "other"})
    refused(path, "not Redraft's")


def test_import_refuses_a_manifest_that_is_not_json(backup):
    _replace_member(backup, backup_archive.MANIFEST, b"{not json")
    refused(backup, "manifest is not JSON")


def test_import_refuses_an_unknown_model(backup, tmp_path):
    tables = manifest_of(backup)["tables"]
    tables.append({"label": "amendments.ghost", "columns": ["id"], "rows": 0, "sha256": "0" * 64})
    path = rewrite(backup, tmp_path / "ghost.zip", manifest={"tables": tables})
    refused(path, "amendments.ghost")


def test_import_refuses_an_unexpected_member(backup):
    with zipfile.ZipFile(backup, "a") as archive:
        archive.writestr("../../etc/passwd", b"x")
    refused(backup, "unexpected member")


def test_import_refuses_a_migration_mismatch(backup, tmp_path):
    migrations = manifest_of(backup)["migrations"]
    migrations["amendments"] = ["0099_future"]
    path = rewrite(backup, tmp_path / "future.zip", manifest={"migrations": migrations})
    refused(path, "other migrations", "amendments: backup 0099_future")


def test_import_refuses_other_columns(backup, tmp_path):
    tables = manifest_of(backup)["tables"]
    organisation = next(t for t in tables if t["label"] == "positions.organisation")
    organisation["columns"] = list(reversed(organisation["columns"]))
    path = rewrite(backup, tmp_path / "columns.zip", manifest={"tables": tables})
    refused(path, "columns of positions.organisation")


def test_import_refuses_a_database_that_holds_data(world, tmp_path):
    path = tmp_path / "good.zip"
    call_command("export_all", str(path), stdout=io.StringIO())
    before = snapshot()
    with pytest.raises(CommandError, match="not empty"):
        call_command("import_all", str(path), stdout=io.StringIO())
    assert snapshot() == before


def test_import_refuses_a_line_too_long(backup, monkeypatch):
    monkeypatch.setattr(backup_archive, "MAX_LINE_BYTES", 200)
    refused(backup, "too long")


def test_import_refuses_a_zip_bomb(db, tmp_path, monkeypatch):
    monkeypatch.setattr(backup_archive, "MAX_RATIO", 50)
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("manifest.json", b" " * 5_000_000)
    refused(path, "zip bomb")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda rows: [*rows[:-1], "not a list"], "does not have its"),
        (lambda rows: [*rows[:-1], rows[-1][:-1]], "does not have its"),
        (lambda rows: [[row[0], {"a": 1}, *row[2:]] for row in rows], "bad value in"),
        (lambda rows: [["x", *row[1:]] for row in rows], "bad value in id"),
    ],
)
def test_import_refuses_bad_rows(backup, tmp_path, change, message):
    path = rewrite(backup, tmp_path / "rows.zip", rows={"positions.organisation": change})
    refused(path, "positions.organisation", message)


def test_import_refuses_a_row_that_is_not_json(backup, tmp_path):
    def garble(content: bytes) -> bytes:
        return b"[1, 2\n" + content.split(b"\n", 1)[1]

    path = rewrite(backup, tmp_path / "json.zip", data={"positions.organisation": garble})
    refused(path, "row 1 of positions.organisation is not JSON")


def test_a_failure_half_way_writes_nothing(backup, tmp_path):
    """A membership near the end refers to a user that is not there: the tables before
    it were loaded, and the foreign-key check at the end undoes it all."""
    order = [model._meta.label_lower for model in dumped_models()]
    assert order.index("positions.membership") > order.index("guidelines.historicalclause")
    tables = {table["label"]: table for table in manifest_of(backup)["tables"]}
    user_id = tables["positions.membership"]["columns"].index("user_id")

    def orphan(rows):
        rows[0][user_id] = 10**9
        return rows

    path = rewrite(backup, tmp_path / "orphan.zip", rows={"positions.membership": orphan})
    refused(path, "refused")


def test_import_refuses_an_unknown_permission(backup, tmp_path):
    def unknown(rows):
        return [[row[0], row[1], ["no_such_right", "amendments", "amendment"]] for row in rows]

    path = rewrite(backup, tmp_path / "right.zip", rows={"auth.group_permissions": unknown})
    refused(path, "auth.Permission", "no_such_right", "run migrate")


# --- export ----------------------------------------------------------------------------


def test_export_refuses_to_overwrite_unless_forced(world, tmp_path):
    path = tmp_path / "backup.zip"
    path.write_bytes(b"previous")
    with pytest.raises(CommandError, match="exists"):
        call_command("export_all", str(path), stdout=io.StringIO())
    assert path.read_bytes() == b"previous"
    call_command("export_all", str(path), "--force", stdout=io.StringIO())
    assert path.stat().st_mode & 0o077 == 0  # password hashes: readable by its owner only
    with BackupReader(path) as reader:
        assert reader.manifest.table("guidelines.clause").rows == Clause.objects.count()
        reader.verify()


def test_export_into_a_missing_directory_fails_cleanly(world, tmp_path):
    with pytest.raises(CommandError, match="Cannot write"):
        call_command("export_all", str(tmp_path / "no" / "backup.zip"), stdout=io.StringIO())
    assert not (tmp_path / "no").exists()


def test_a_failed_export_leaves_no_file(world, tmp_path, monkeypatch):
    from guidelines import backup as backup_module

    def broken(model):
        yield [1]
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(backup_module, "_table_rows", broken)
    with pytest.raises(CommandError, match=r"cannot write \(No space left on device\)"):
        call_command("export_all", str(tmp_path / "backup.zip"), stdout=io.StringIO())
    assert list(tmp_path.iterdir()) == []


@pytest.mark.django_db(transaction=True)
def test_a_failure_half_way_writes_nothing_outside_a_test_transaction(world, tmp_path):
    """The same in a real transaction: the restore's own, rolled back for good."""
    good, bad = tmp_path / "good.zip", tmp_path / "bad.zip"
    call_command("export_all", str(good), stdout=io.StringIO())
    tables = {table["label"]: table for table in manifest_of(good)["tables"]}
    user_id = tables["positions.membership"]["columns"].index("user_id")
    call_command("flush", interactive=False, verbosity=0)

    def orphan(rows):
        rows[0][user_id] = 10**9
        return rows

    rewrite(good, bad, rows={"positions.membership": orphan})
    refused(bad, "refused")
    call_command("import_all", str(good), stdout=io.StringIO())  # the good one still loads
    assert "positions.membership" in occupied_tables()


def test_import_refuses_a_backup_that_lacks_a_table(backup, tmp_path):
    tables = [t for t in manifest_of(backup)["tables"] if t["label"] != "amendments.follow"]
    path = rewrite(backup, tmp_path / "lacking.zip", manifest={"tables": tables})
    with zipfile.ZipFile(path) as archive:  # the member is gone with its table
        assert "data/amendments.follow.jsonl" not in archive.namelist()
    refused(path, "lacks tables: amendments.follow")


def test_import_refuses_a_deeply_nested_row(backup, tmp_path):
    def nest(content: bytes) -> bytes:
        return b"[" * 100_000 + b"]" * 100_000 + b"\n" + content.split(b"\n", 1)[1]

    path = rewrite(backup, tmp_path / "nested.zip", data={"positions.organisation": nest})
    refused(path, "row 1 of positions.organisation is not JSON")


@pytest.mark.django_db(transaction=True)
def test_export_reads_one_moment_while_others_write(
    postgresql_only, secretariat, tmp_path, monkeypatch
):
    """A row committed by another connection during the export is not in the file: the
    tables are read from one snapshot (REPEATABLE READ), not each as of its own time."""
    import threading

    from django.db import connection

    from guidelines import backup as backup_module
    from positions.models import Organisation

    original = backup_module._table_rows
    written = []

    def write_elsewhere() -> None:
        try:
            written.append(Organisation.objects.create(name="Late", kind="ngo").pk)
        finally:
            connection.close()

    def rows_then_write(model):
        yield from original(model)
        if not written:  # the first table is read (the snapshot taken): another writes
            thread = threading.Thread(target=write_elsewhere)
            thread.start()
            thread.join(timeout=30)

    monkeypatch.setattr(backup_module, "_table_rows", rows_then_write)
    path = tmp_path / "moment.zip"
    call_command("export_all", str(path), stdout=io.StringIO())
    assert written and Organisation.objects.count() == 2
    tables = {table["label"]: table for table in manifest_of(path)["tables"]}
    assert tables["positions.organisation"]["rows"] == 1
