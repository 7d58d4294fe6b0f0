"""import_paper as a user runs it: clear errors, nothing written on error, idempotent."""

from __future__ import annotations

import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from positions.models import PositionPaper

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def write(tmp_path: Path, content: str | bytes, name: str = "paper.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def args(path: Path | str, *extra: str) -> list[str]:
    return [
        "import_paper",
        str(path),
        "--organisation",
        "TC",
        "--title",
        "Our position",
        "--language",
        "en",
        *extra,
    ]


def test_import_paper_stores_the_paper(tmp_path, ngo, other_ngo):
    path = write(tmp_path, "Our position\r\n\r\nWe  support   it.\r\n")
    out = run(
        *args(path, "--organisation", "other federation", "--date", "2025-02-11"),
        "--meeting",
        "18.IGC item 7",
    )
    paper = PositionPaper.objects.get()
    assert f"Created paper {paper.pk}: Our position" in out
    assert paper.text == "Our position\n\nWe  support   it.\n"
    assert (paper.title, paper.language, paper.date) == (
        "Our position",
        "en",
        datetime.date(2025, 2, 11),
    )
    assert (paper.meeting_reference, paper.source_file) == ("18.IGC item 7", "paper.txt")
    assert set(paper.organisations.all()) == {ngo, other_ngo}


def test_import_paper_without_a_date_leaves_it_empty(tmp_path, ngo):
    run(*args(write(tmp_path, "Text.")))
    assert PositionPaper.objects.get().date is None


def test_import_paper_twice_is_a_no_op(tmp_path, ngo):
    path = write(tmp_path, "Text.")
    run(*args(path))
    paper = PositionPaper.objects.get()
    out = run(*args(path))
    assert f"Paper {paper.pk} is unchanged: nothing written." in out
    assert PositionPaper.objects.count() == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\n  \n", "empty"),
        (b"PK\x03\x04\x00\x00binary", "binary"),
        (b"caf\xe9 au lait", "not valid UTF-8"),
    ],
)
def test_import_paper_refuses_a_bad_file_and_writes_nothing(tmp_path, ngo, content, message):
    with pytest.raises(CommandError, match=message):
        run(*args(write(tmp_path, content)))
    assert PositionPaper.objects.count() == 0


def test_import_paper_refuses_a_missing_file(tmp_path, ngo):
    with pytest.raises(CommandError, match="cannot read the file"):
        run(*args(tmp_path / "nope.txt"))
    assert PositionPaper.objects.count() == 0


def test_import_paper_refuses_an_unknown_organisation(tmp_path, ngo):
    path = write(tmp_path, "Text.")
    with pytest.raises(CommandError, match="no organisation is named 'Nobody'"):
        run(*args(path, "--organisation", "Nobody"))
    assert PositionPaper.objects.count() == 0


@pytest.mark.parametrize("date", ["2025-13-01", "11/02/2025", "soon"])
def test_import_paper_refuses_a_bad_date(tmp_path, ngo, date):
    with pytest.raises(CommandError, match="--date must be YYYY-MM-DD"):
        run(*args(write(tmp_path, "Text."), "--date", date))
    assert PositionPaper.objects.count() == 0


def test_import_paper_refuses_a_bad_language(tmp_path, ngo):
    path = write(tmp_path, "Text.")
    with pytest.raises(CommandError, match="invalid choice"):
        call_command(
            "import_paper", str(path), "--organisation", "TC", "--title", "T", "--language", "de"
        )
    assert PositionPaper.objects.count() == 0


def test_import_paper_refuses_another_text_under_the_same_title(tmp_path, ngo):
    run(*args(write(tmp_path, "First text.")))
    with pytest.raises(CommandError, match="another text"):
        run(*args(write(tmp_path, "Second text.", name="second.txt")))
    assert list(PositionPaper.objects.values_list("text", flat=True)) == ["First text."]
