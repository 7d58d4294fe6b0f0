"""LibreOffice opens Redraft's Word files: the tracked-changes export and the plain one,
converted to PDF by ``libreoffice --headless``, hold the words they should.

LibreOffice is a requirement of the test suite (``make office-deps``): when it is
missing these tests fail, they are not skipped.
"""

from __future__ import annotations

import datetime
import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import timezone

from amendments import services as amendment_services
from amendments.models import AmendmentWindow
from guidelines import selectors
from guidelines.exporting import to_docx
from guidelines.models import Clause, Edition

pytestmark = [pytest.mark.office, pytest.mark.django_db]

LIBREOFFICE = "/usr/bin/libreoffice"
PDFTOTEXT = "pdftotext"
TIMEOUT = 180  # seconds: a cold start of LibreOffice on a loaded CI machine

# Distinctive words, so that finding them in the PDF means the change was rendered.
TEXT = """## Principles

1. Parties recognise the diversity of cultural expressions.

2. Parties support the development of quokkalike skills.

## Measures

3. Parties report every zebrafinch season.
"""
REPLACED = "marmalade"  # replaces "recognise"
INSERTED = "Parties convene the xylophonic assembly."
DELETED_WORDS = ("zebrafinch", "recognise")


def convert(docx: Path, out_dir: Path) -> str:
    """The document converted to PDF by LibreOffice, as text (pdftotext)."""
    assert Path(LIBREOFFICE).exists(), (
        f"{LIBREOFFICE} is missing: install it with `make office-deps` "
        "(Debian's libreoffice-writer-nogui); the Word round-trip tests need it"
    )
    assert shutil.which(PDFTOTEXT), "pdftotext is missing (Debian's poppler-utils)"
    profile = out_dir / "lo-profile"
    result = subprocess.run(
        [
            LIBREOFFICE,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out_dir),
            str(docx),
        ],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, (result.stdout, result.stderr)
    pdf = out_dir / f"{docx.stem}.pdf"
    assert pdf.exists() and pdf.stat().st_size > 0, (result.stdout, result.stderr)
    text = subprocess.run(
        [PDFTOTEXT, "-layout", str(pdf), "-"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    return " ".join(text.split())


def adopt(edition, user, secretariat_user, *, eid, operation, text="", position=None):
    amendment = amendment_services.amendment_create(
        user=user,
        edition=edition,
        clause=Clause.objects.get(edition=edition, eid=eid),
        operation=operation,
        proposed_text=text,
        justification="Because.",
        insert_position=position,
    )
    amendment = amendment_services.amendment_submit(
        amendment=amendment, user=user, expected_version=amendment.version
    )
    amendment = amendment_services.amendment_screen(
        amendment=amendment, user=secretariat_user, admissible=True, reason=""
    )
    return amendment_services.amendment_decide(
        amendment=amendment, user=secretariat_user, outcome="adopted", reason="19.IGC"
    )


@pytest.fixture
def base(make_edition) -> Edition:
    edition = make_edition(TEXT, slug="revision-draft")
    now = timezone.now()
    AmendmentWindow.objects.create(
        edition=edition,
        opens_at=now - datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=1),
    )
    return edition


@pytest.fixture
def consolidation(base, ngo_user, secretariat_user) -> Edition:
    adopt(
        base,
        ngo_user,
        secretariat_user,
        eid="para_1",
        operation="replace",
        text=f"Parties {REPLACED} the diversity of cultural expressions.",
    )
    adopt(
        base,
        ngo_user,
        secretariat_user,
        eid="para_2",
        operation="insert",
        text=INSERTED,
        position="after",
    )
    adopt(base, ngo_user, secretariat_user, eid="para_3", operation="delete")
    fork, _plan = amendment_services.edition_consolidate(
        base=base, user=secretariat_user, slug="consolidated", label="Consolidated"
    )
    return fork


def test_libreoffice_renders_the_tracked_changes(base, consolidation, tmp_path):
    docx = tmp_path / "tracked.docx"
    docx.write_bytes(selectors.edition_tracked_docx(base=base, edition=consolidation))
    text = convert(docx, tmp_path)
    # LibreOffice shows the changes as it opens the file: the inserted words and the
    # deleted ones (struck through) are both on the page.
    assert REPLACED in text
    assert INSERTED in text
    for word in DELETED_WORDS:
        assert word in text
    assert "quokkalike" in text  # unchanged text too
    assert "Changes against Revision Draft are shown as tracked changes" in text


def test_libreoffice_renders_the_plain_export(consolidation, tmp_path):
    docx = tmp_path / "plain.docx"
    docx.write_bytes(to_docx(selectors.edition_export_data(edition=consolidation)))
    text = convert(docx, tmp_path)
    assert "Consolidated — working draft" in text
    assert f"1. Parties {REPLACED} the diversity of cultural expressions." in text
    assert "2. Parties support the development of quokkalike skills." in text
    assert INSERTED in text
    # Without tracked changes, nothing deleted is left on the page.
    for word in DELETED_WORDS:
        assert word not in text
