"""bench/load.py reads the product's pages as a browser would: these tests keep what it
looks for (CSRF tokens, the submit form, gunicorn's access log line, Secure cookies)
in step with the pages, so a template change cannot quietly turn the load test into a
run of refused requests."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from bench import load
from guidelines.models import Clause

pytestmark = pytest.mark.django_db


def test_the_submit_form_and_its_token_are_found_on_a_draft(client, draft, ngo_user):
    client.force_login(ngo_user)
    page = client.get(f"/amendments/{draft.pk}/").content.decode()
    found = load.SUBMIT_VERSION.search(page)
    assert found is not None
    assert (int(found[1]), int(found[2])) == (draft.pk, draft.version)
    assert load.CSRF_INPUT.search(page) is not None


def test_no_submit_form_is_found_once_submitted(client, submitted, ngo_user):
    client.force_login(ngo_user)
    page = client.get(f"/amendments/{submitted.pk}/").content.decode()
    assert load.SUBMIT_VERSION.search(page) is None


def test_the_filing_and_login_forms_carry_a_token(client, window, ngo_user):
    clause = Clause.objects.filter(edition=window.edition).numbered().first()
    assert clause is not None
    client.force_login(ngo_user)
    page = client.get(f"/amendments/new/?edition={window.edition.slug}&clause={clause.eid}")
    assert page.status_code == 200
    assert load.CSRF_INPUT.search(page.content.decode()) is not None
    client.logout()
    assert load.CSRF_INPUT.search(client.get("/accounts/login/").content.decode()) is not None


def test_a_session_carries_its_secure_cookies_and_drops_deleted_ones():
    session = load.Session(http=None, origin="https://127.0.0.1:8150")  # type: ignore[arg-type]
    session.keep(
        httpx.Response(
            302,
            headers=[
                ("set-cookie", "csrftoken=abc; Path=/; SameSite=Lax; Secure"),
                ("set-cookie", "sessionid=s1; HttpOnly; Path=/; Secure"),
            ],
        )
    )
    assert session.headers() == {"Cookie": "csrftoken=abc; sessionid=s1"}
    posted = session.headers(post=True)
    assert posted["Origin"] == "https://127.0.0.1:8150"
    assert posted["Referer"] == "https://127.0.0.1:8150/"
    session.keep(
        httpx.Response(
            302,
            headers=[
                (
                    "set-cookie",
                    'sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/',
                )
            ],
        )
    )
    assert session.cookies == {"csrftoken": "abc"}


def test_the_access_log_is_read_in_the_makefile_format(tmp_path):
    log = tmp_path / "serve.log"
    log.write_text(
        "[INFO] Booting worker with pid: 12\n"
        '127.0.0.1 [04/Dec/2026:03:09:37 +0000] "GET /compare/a/b/ HTTP/1.1" 200 1234 '
        '"python-httpx/0.28.1" 153ms\n'
        '127.0.0.1 [04/Dec/2026:03:09:37 +0000] "GET /editions/a/para_1/ HTTP/1.1" 200 99 '
        '"python-httpx/0.28.1" 31ms\n'
        '127.0.0.1 [04/Dec/2026:03:09:38 +0000] "POST /amendments/7/submit/ HTTP/1.1" 302 0 '
        '"python-httpx/0.28.1" 48ms\n'
        '127.0.0.1 [04/Dec/2026:03:09:38 +0000] "POST /accounts/login/ HTTP/1.1" 302 0 '
        '"python-httpx/0.28.1" 900ms\n'
    )
    assert load.server_side(log, 0) == {
        "compare": [153.0],
        "clause": [31.0],
        "write": [48.0],
        "login": [900.0],
    }
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    assert "%(M)sms'" in makefile  # the time spent ends the line, in ms


def test_percentiles_and_the_held_rule():
    values = [float(v) for v in range(1, 101)]
    assert [load.percentile(values, f) for f in (0.5, 0.95, 0.99)] == [50.0, 95.0, 99.0]
    samples = [load.Sample("read", 1, 100.0, 200) for _ in range(19)]
    samples.append(load.Sample("read", 1, 900.0, 200))  # one slow read in twenty: p95 holds
    samples += [load.Sample("write", 1, 50.0, 302)] * 10
    assert load.holds(samples, 1)
    samples += [load.Sample("write", 1, 400.0, 302)] * 10  # writers' p95 over 300 ms
    assert not load.holds(samples, 1)
    figures = load.summarise([*samples, load.Sample("read", 1, 10.0, 0)], 10.0)
    assert (figures.requests, figures.errors, figures.server_errors) == (41, 1, 0)


@pytest.mark.parametrize(
    "url",
    [
        "postgres://postgres@127.0.0.1:5432/test",
        "postgres://postgres@127.0.0.1:5432/test_test",
        "sqlite:///var/load.sqlite3",
    ],
)
def test_the_load_test_refuses_ci_databases_and_sqlite(url):
    with pytest.raises(SystemExit):
        load.prepare_database(url)
