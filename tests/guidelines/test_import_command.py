"""import_edition, export_edition and load_seed as a user runs them."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from guidelines.models import Clause, Edition, Instrument

pytestmark = pytest.mark.django_db

SEED_NUMBERS = [str(n) for n in range(1, 28)]


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def import_args(path: Path, *extra: str, edition: str = "draft-x") -> list[str]:
    return [
        "import_edition",
        str(path),
        "--instrument",
        "test-inst",
        "--edition",
        edition,
        "--label",
        "Draft X",
        "--language",
        "en",
        *extra,
    ]


def test_load_seed_imports_the_2017_edition_and_is_idempotent():
    out, _ = run("load_seed")
    assert "og-2017-fr: created, 103 clauses." in out
    edition = Edition.objects.get(slug="og-2017-fr")
    assert edition.instrument.slug == "og-digital"
    assert (edition.status, edition.language, edition.published) == ("adopted", "fr", True)
    history_rows = Clause.history.count()
    out, _ = run("load_seed")
    assert "og-2017-fr: unchanged, 103 clauses." in out
    assert Clause.history.count() == history_rows
    assert Edition.objects.filter(slug="og-2017-fr").count() == 1


def test_export_json_lists_the_2017_numbers_in_document_order():
    run("load_seed")
    out, _ = run("export_edition", "og-2017-fr", "--format", "json")
    data = json.loads(out)
    assert data["instrument"] == "og-digital"
    assert data["edition"] == {
        "slug": "og-2017-fr",
        "label": "2017 Operational Guidelines (FR)",
        "language": "fr",
        "status": "adopted",
        "completeness": "complete",
    }
    numbered = [c["number"] for c in data["clauses"] if c["kind"] in ("paragraph", "subparagraph")]
    assert len(numbered) == 90
    assert [n for n in numbered if "." not in n] == SEED_NUMBERS
    assert numbered[7:19] == ["8"] + [f"8.{k}" for k in range(1, 12)]
    assert len([c for c in data["clauses"] if c["kind"] == "section"]) == 8
    for clause in data["clauses"]:
        for value in (clause["text"], clause["heading"]):
            assert "**" not in value and "#" not in value and "---" not in value
            assert not value.startswith("- ")
    assert data["clauses"][0]["parent_eid"] is None
    assert data["clauses"][1]["parent_eid"] == "sec_1"


def test_markdown_export_imported_as_new_edition_gives_identical_json(tmp_path):
    run("load_seed")
    md = tmp_path / "og.md"
    run("export_edition", "og-2017-fr", "--format", "md", "-o", str(md))
    run(
        "import_edition", str(md), "--instrument", "og-digital", "--edition", "og-2017-copy",
        "--label", "2017 Operational Guidelines (FR)", "--language", "fr", "--status", "adopted",
    )  # fmt: skip
    original = json.loads(run("export_edition", "og-2017-fr", "--format", "json")[0])
    copy = json.loads(run("export_edition", "og-2017-copy", "--format", "json")[0])
    assert copy["edition"].pop("slug") == "og-2017-copy"
    original["edition"].pop("slug")
    assert copy == original
    first = Edition.objects.get(slug="og-2017-fr")
    second = Edition.objects.get(slug="og-2017-copy")
    assert (second.title, second.subtitle) == (first.title, first.subtitle)


def test_export_unknown_edition_is_a_clear_error():
    with pytest.raises(CommandError, match="No edition 'nope'"):
        run("export_edition", "nope", "--format", "json")


def test_import_creates_a_draft_and_prints_warnings(tmp_path):
    path = write(tmp_path, "draft.md", "# Draft\n\n1. One.\n\n3. Three.\n")
    out, err = run(*import_args(path, "--date", "2025-02-11"))
    assert "Created draft-x: 2 clauses." in out
    assert "line 5: paragraph 3 follows 1" in err
    edition = Edition.objects.get(slug="draft-x")
    assert (edition.status, str(edition.date), edition.title) == ("draft", "2025-02-11", "Draft")


def test_dry_run_prints_the_tree_and_writes_nothing(tmp_path):
    path = write(tmp_path, "draft.md", "## Part\n\n1. One:\n- 1.1 sub.\n")
    out, _ = run(*import_args(path, "--dry-run"))
    assert "para_1-1" in out and "nothing written" in out
    assert not Edition.objects.exists()
    assert not Instrument.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "line 3: the file is binary"),
        (b"1. Clause\n2. caf\xe9", "line 2: the file is not valid UTF-8"),
        (b"# Title\n\nSome prose, no clause.\n", "no numbered clause found"),
        (b"1. One.\n2. Two.\n2. Again.\n", "line 3: the number 2 is used twice (first at line 2)"),
    ],
)
def test_bad_input_is_refused_with_the_line_and_nothing_is_written(tmp_path, content, message):
    path = write(tmp_path, "bad.md", content)
    with pytest.raises(CommandError) as error:
        run(*import_args(path))
    assert message in str(error.value)
    assert not Edition.objects.exists()
    assert not Clause.objects.exists()
    assert not Instrument.objects.exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--language", "de"], "invalid choice: 'de'"),
        (["--date", "11/02/2025"], "--date must be YYYY-MM-DD"),
        (["--status", "working"], "invalid choice: 'working'"),
    ],
)
def test_bad_options_are_refused(tmp_path, extra, message):
    path = write(tmp_path, "ok.md", "1. One.\n")
    with pytest.raises(CommandError, match=message):
        run(*import_args(path), *extra)
    assert not Edition.objects.exists()


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="cannot read the file"):
        run(*import_args(tmp_path / "missing.md"))


def test_reimporting_an_identical_file_is_a_no_op(tmp_path):
    path = write(tmp_path, "draft.md", "## Part\n\n1. One:\n- 1.1 sub;\n- bullet.\n")
    run(*import_args(path))
    rows = Clause.history.count()
    out, _ = run(*import_args(path))
    assert "draft-x is unchanged: nothing written." in out
    assert Clause.history.count() == rows
    assert set(Clause.objects.values_list("version", flat=True)) == {1}


def test_changed_file_updates_only_the_changed_clauses_with_a_reason(tmp_path):
    path = write(tmp_path, "draft.md", "## Part\n\n1. One.\n\n2. Two.\n\n3. Three.\n")
    run(*import_args(path))
    path.write_text("## Part\n\n1. One.\n\n2. Two, amended.\n\n2.1 new child.\n\n3. Three.\n")
    out, _ = run(*import_args(path, "--reason", "Second reading"))
    assert "Updated draft-x: 1 changed, 1 added, 0 removed, 1 moved." in out
    two = Clause.objects.get(eid="para_2")
    assert (two.text, two.version) == ("Two, amended.", 2)
    last = two.history.order_by("-history_id").first()
    assert last.history_change_reason == "Second reading"
    assert (
        Clause.objects.get(eid="para_1").version,
        Clause.objects.get(eid="para_3").version,
    ) == (1, 1)
    assert list(Clause.objects.order_by("order").values_list("eid", flat=True)) == [
        "sec_1",
        "para_1",
        "para_2",
        "para_2-1",
        "para_3",
    ]
    parent = Clause.objects.get(eid="para_2-1").parent
    assert parent is not None and parent.eid == "para_2"


def test_removed_clause_is_deleted_with_a_history_row(tmp_path):
    path = write(tmp_path, "draft.md", "1. One.\n\n2. Two.\n")
    run(*import_args(path))
    path.write_text("1. One.\n")
    out, _ = run(*import_args(path, "--reason", "Paragraph 2 dropped"))
    assert "0 changed, 0 added, 1 removed" in out
    deleted = Clause.history.filter(eid="para_2", history_type="-").get()
    assert deleted.history_change_reason == "Paragraph 2 dropped"


def test_changed_file_is_refused_for_an_adopted_edition(tmp_path):
    run("load_seed")
    path = write(tmp_path, "changed.txt", "1. Changed text.\n")
    before = Clause.history.count()
    with pytest.raises(CommandError, match="is adopted: its text cannot be changed"):
        run(
            "import_edition", str(path), "--instrument", "og-digital", "--edition",
            "og-2017-fr", "--label", "x", "--language", "fr",
        )  # fmt: skip
    assert Clause.history.count() == before
    assert Clause.objects.filter(edition__slug="og-2017-fr").count() == 103


def test_edition_of_another_instrument_is_refused(tmp_path):
    path = write(tmp_path, "ok.md", "1. One.\n")
    run(*import_args(path))
    with pytest.raises(CommandError, match="belongs to the instrument test-inst"):
        run(
            "import_edition", str(path), "--instrument", "other", "--edition", "draft-x",
            "--label", "x", "--language", "en",
        )  # fmt: skip


def test_demo_users_refused_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only with DEBUG on"):
        run("demo_users")


def test_demo_users_created_with_debug(settings, django_user_model):
    settings.DEBUG = True
    out, _ = run("demo_users")
    assert "secretariat [redraft-demo-secretariat]" in out
    from guidelines.permissions import role_of

    roles = {u.username: role_of(u) for u in django_user_model.objects.all()}
    assert roles == {
        "admin": "admin",
        "secretariat": "secretariat",
        "ngo": "ngo",
        "delegate": "delegate",
    }
    run("demo_users")  # idempotent
    assert django_user_model.objects.count() == 4


def test_reimport_that_drops_a_clause_with_positions_is_refused(tmp_path):
    run("load_seed")
    draft_file = tmp_path / "draft.md"
    draft_file.write_text("1.2 right [...] to use AI in the name of artistic freedom\n")
    with pytest.raises(CommandError, match=r"drops 2\.1\.1, but positions or amendments refer"):
        run(
            "import_edition", str(draft_file), "--instrument", "og-digital", "--edition",
            "og-draft-19igc-en", "--label", "x", "--language", "en",
        )  # fmt: skip
    assert Clause.objects.filter(edition__slug="og-draft-19igc-en").count() == 7
