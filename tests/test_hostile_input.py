"""Hostile input to every importer: refused with a clear message, nothing written.

Already tested where the cases belong, and not repeated here: every hostile Word file
through the reader and ``import_edition`` (tests/guidelines/test_wordfiles.py, with the
memory bound), bad text files through ``import_edition``
(tests/guidelines/test_import_command.py) and ``import_paper``
(tests/positions/test_import_paper.py). Here: the request body limits, the Word upload
page and ``import_tracked_changes`` with the hostile Word files, files too large to be
read whole, and the API's bodies.
"""

from __future__ import annotations

import io
import json
import os
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from amendments.models import Amendment
from config import limits
from guidelines import wordfiles
from guidelines.importing import MAX_BYTES
from tests.amendments.conftest import TEXT, open_window
from tests.guidelines.test_wordfiles import HOSTILE
from tests.security_world import all_rows

pytestmark = pytest.mark.django_db

MB = 1024 * 1024

# The hostile Word files of the reader's tests that the upload paths must refuse too.
WORD_CASES = [
    "random bytes",
    "plain text",
    "zip bomb by ratio, 30 MB",
    "billion laughs",
    "external entity",
    "encrypted Word file",
    "not XML",
    "no word/document.xml",
]


@pytest.fixture
def draft(make_edition):
    edition = make_edition(TEXT, slug="revision-draft")
    open_window(edition)
    return edition


def test_the_request_limits_are_set_deliberately():
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 2 * MB
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE == 2 * MB
    assert settings.DATA_UPLOAD_MAX_NUMBER_FIELDS == 2000
    assert settings.DATA_UPLOAD_MAX_NUMBER_FILES == 1
    assert "config.limits.request_body_limit" in settings.MIDDLEWARE


# --- the Word upload page -----------------------------------------------------------------


def upload(client, edition, data: bytes, name: str = "markup.docx"):
    file = io.BytesIO(data)
    file.name = name
    return client.post(f"/editions/{edition.slug}/word-amendments/", {"file": file})


@pytest.mark.parametrize("case", WORD_CASES)
def test_the_upload_page_refuses_a_hostile_word_file(client, draft, ngo_user, case):
    build, words = HOSTILE[case]
    client.force_login(ngo_user)
    before = all_rows()
    response = upload(client, draft, build())
    assert response.status_code == 400
    page = response.content.decode()
    assert "markup.docx cannot be read" in page
    assert words[-1] in page.replace("&quot;", '"').replace("&#x27;", "'")
    assert "root:" not in page
    assert all_rows() == before


def test_the_upload_page_refuses_a_body_over_the_limit_before_reading_it(client, draft, ngo_user):
    client.force_login(ngo_user)
    before = all_rows()
    response = upload(client, draft, bytes(wordfiles.MAX_FILE_BYTES + limits.MULTIPART_ROOM))
    assert response.status_code == 413
    page = response.content.decode()
    assert "The request is too large: at most 20 MB is accepted." in page
    assert "Nothing was read or saved." in page
    assert "Content-Security-Policy" in response
    assert all_rows() == before


def test_a_file_just_over_the_word_limit_is_refused_by_the_form(client, draft, ngo_user):
    client.force_login(ngo_user)
    response = upload(client, draft, bytes(wordfiles.MAX_FILE_BYTES + 1))
    assert response.status_code == 400
    assert "The file is larger than 20 MB." in response.content.decode()
    assert not Amendment.objects.exists()


def test_a_form_over_the_body_limit_is_refused(client, draft, secretariat_user):
    client.force_login(secretariat_user)
    before = all_rows()
    body = urlencode({"text": "x" * (2 * MB), "reason": "Huge.", "version": "1"})
    response = client.post(
        "/editions/revision-draft/para_1/edit/",
        body,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    assert "at most 2 MB" in response.content.decode()
    assert all_rows() == before


def test_a_multipart_form_field_over_the_limit_is_refused_by_django(
    client, draft, secretariat_user
):
    client.force_login(secretariat_user)
    before = all_rows()
    response = client.post(
        "/editions/revision-draft/para_1/edit/",
        {"text": "x" * (2 * MB + 1), "reason": "Huge.", "version": "1"},
    )
    assert response.status_code == 400  # RequestDataTooBig
    assert all_rows() == before


def test_a_form_with_too_many_fields_is_refused(client, draft, secretariat_user):
    client.force_login(secretariat_user)
    before = all_rows()
    fields = {f"f{i}": "x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    response = client.post("/editions/revision-draft/consolidate/", {"create": "1", **fields})
    assert response.status_code == 400
    assert all_rows() == before


def test_a_length_that_is_no_number_is_refused(client, draft):
    response = client.post("/amendments/preview/", {}, CONTENT_LENGTH="12abc")
    assert response.status_code == 400


def test_a_chunked_body_is_refused_with_length_required(client, draft, ngo_user):
    """gunicorn hands a chunked body to Django with no Content-Length, which Django reads
    as empty: refused (411) rather than taken as a request that sent nothing."""
    client.force_login(ngo_user)
    before = all_rows()
    response = client.post(
        "/amendments/new/?edition=revision-draft&clause=para_1",
        {"edition": "revision-draft", "clause": "para_1", "operation": "replace",
         "proposed_text": "Chunked words.", "justification": "", "save": "1"},
        HTTP_TRANSFER_ENCODING="chunked",
    )  # fmt: skip
    assert response.status_code == 411
    assert "Content-Length" in response.content.decode()
    assert all_rows() == before


def test_a_chunked_api_call_without_a_length_is_refused(api, draft):
    """As gunicorn passes it: Transfer-Encoding and no CONTENT_LENGTH at all."""
    from django.test import RequestFactory

    request = RequestFactory().post("/api/amendments/", json.dumps(NEW), "application/json")
    del request.META["CONTENT_LENGTH"]
    request.META["HTTP_TRANSFER_ENCODING"] = "chunked"
    response = limits.request_body_limit(lambda r: pytest.fail("the view was reached"))(request)
    assert response.status_code == 411
    assert "chunked" in json.loads(response.content)["detail"]


# --- the command line ------------------------------------------------------------------------


@pytest.mark.parametrize("case", WORD_CASES)
def test_import_tracked_changes_refuses_a_hostile_word_file(draft, ngo, tmp_path, case):
    build, words = HOSTILE[case]
    path = tmp_path / "hostile.docx"
    path.write_bytes(build())
    before = all_rows()
    with pytest.raises(CommandError) as error:
        call_command(
            "import_tracked_changes", str(path), "--edition", draft.slug, "--organisation", "TC"
        )
    assert words[-1] in str(error.value)
    assert all_rows() == before


def huge(tmp_path, name: str, size: int = 4 * 1024 * MB) -> str:
    """A sparse 4 GB file: costs no disk, and would cost 4 GB of memory if read whole."""
    path = tmp_path / name
    with path.open("wb") as stream:
        stream.truncate(size)
    return str(path)


def test_import_edition_refuses_a_huge_text_file_without_reading_it(tmp_path, db):
    before = all_rows()
    with pytest.raises(CommandError, match="larger than 5 MB"):
        call_command(
            "import_edition", huge(tmp_path, "huge.md"), "--instrument", "i", "--edition", "e",
            "--label", "E", "--language", "en",
        )  # fmt: skip
    assert all_rows() == before


def test_import_edition_refuses_a_huge_word_file_without_reading_it(tmp_path, db):
    before = all_rows()
    with pytest.raises(CommandError, match="larger than 20 MB"):
        call_command(
            "import_edition", huge(tmp_path, "huge.docx"), "--instrument", "i", "--edition", "e",
            "--label", "E", "--language", "en",
        )  # fmt: skip
    assert all_rows() == before


def test_import_paper_refuses_a_huge_file_without_reading_it(tmp_path, ngo):
    before = all_rows()
    with pytest.raises(CommandError, match="larger than 5 MB"):
        call_command(
            "import_paper", huge(tmp_path, "huge.txt"), "--organisation", "TC",
            "--title", "Huge", "--language", "en",
        )  # fmt: skip
    assert all_rows() == before


def test_import_paper_refuses_a_file_just_over_its_limit(tmp_path, ngo):
    path = tmp_path / "big.txt"
    path.write_bytes(b"a" * (MAX_BYTES + 1))
    before = all_rows()
    with pytest.raises(CommandError, match="larger than 5 MB"):
        call_command(
            "import_paper", str(path), "--organisation", "TC", "--title", "Big", "--language", "en"
        )
    assert all_rows() == before


def test_import_tracked_changes_refuses_a_huge_file_without_reading_it(draft, ngo, tmp_path):
    before = all_rows()
    with pytest.raises(CommandError, match="larger than 20 MB"):
        call_command(
            "import_tracked_changes", huge(tmp_path, "huge.docx"), "--edition", draft.slug,
            "--organisation", "TC",
        )  # fmt: skip
    assert all_rows() == before


def test_a_huge_file_costs_no_memory(tmp_path):
    """What the commands read of a huge file: its limit and one byte, not the file."""
    from guidelines.importing import read_at_most

    path = huge(tmp_path, "huge.bin")
    assert os.path.getsize(path) == 4 * 1024 * MB
    assert len(read_at_most(tmp_path / "huge.bin", MAX_BYTES)) == MAX_BYTES + 1


# --- the API ---------------------------------------------------------------------------------


@pytest.fixture
def api(ngo_user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=ngo_user).key}")
    return client


NEW = {
    "edition": "revision-draft",
    "clause": "para_1",
    "operation": "replace",
    "proposed_text": "Parties cherish diversity.",
    "justification": "Say it better.",
}


def test_the_api_files_a_draft_from_a_good_body(api, draft):
    """The control for the refusals below: the same body, well formed, is accepted."""
    response = api.post("/api/amendments/", NEW, format="json")
    assert response.status_code == 201, response.content


def test_the_api_refuses_a_body_over_the_limit_before_parsing_it(api, draft):
    before = all_rows()
    body = json.dumps({**NEW, "justification": "x" * (2 * MB)})
    response = api.generic("POST", "/api/amendments/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["detail"] == "The request is too large: at most 2 MB is accepted."
    assert all_rows() == before


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b'{"edition": "revision-draft", "proposed_text": "caf\xe9"}', "JSON parse error"),
        (b"\x00\x01\x02 binary", "JSON parse error"),
        (b'{"edition": ', "JSON parse error"),
        (b"[1, 2, 3]", ""),
    ],
    ids=["invalid UTF-8", "binary", "truncated", "not an object"],
)
def test_the_api_refuses_a_body_that_is_not_json(api, draft, body, words):
    before = all_rows()
    response = api.generic("POST", "/api/amendments/", body, content_type="application/json")
    assert response.status_code == 400
    assert words in json.dumps(response.json())
    assert all_rows() == before


@pytest.mark.parametrize("field", ["proposed_text", "justification"])
def test_the_api_refuses_nul_bytes_in_a_text(api, draft, field):
    before = all_rows()
    response = api.post("/api/amendments/", {**NEW, field: "Parties\x00 cherish."}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert all_rows() == before
