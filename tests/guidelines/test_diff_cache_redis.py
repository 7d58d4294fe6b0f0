"""The diff cache and the comparison-table cache through Django's RedisCache, as several
app hosts share them (CACHE_URL=redis://…). Marked ``redis``: CI runs them once, in the
PostgreSQL pass, against the Redis server at 127.0.0.1:6379 (database 3), and they fail
there, never skip, when that server cannot be reached."""

from __future__ import annotations

import pytest
import redis
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

from amendments import services as amendment_services
from guidelines import selectors
from guidelines.models import Clause
from tests.guidelines.test_compare import annotated_pair, compare, without_csrf

pytestmark = [pytest.mark.redis, pytest.mark.django_db]

REDIS_URL = "redis://127.0.0.1:6379/3"


@pytest.fixture
def redis_client():
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.fail(f"the Redis server at {REDIS_URL} cannot be reached: {exc}")
    return client


@pytest.fixture(autouse=True)
def redis_cache(settings, redis_client):
    """Django's cache is the Redis server for the test (database 3 is this project's)."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    cache.clear()
    yield redis_client
    cache.clear()


def stored_keys(client: redis.Redis, prefix: str) -> list[bytes]:
    # Django prefixes every key with its version (":1:").
    return sorted(client.scan_iter(match=f":1:{prefix}*"))


def test_the_cache_is_the_redis_server(redis_client):
    assert isinstance(caches["default"], RedisCache)
    cache.set("redraft:probe", {"ops": [("insert", "x")]}, 60)
    assert redis_client.exists(":1:redraft:probe") == 1
    assert cache.get("redraft:probe") == {"ops": [("insert", "x")]}


def test_warm_diffs_come_from_redis_and_do_no_diff_work(redis_client, monkeypatch):
    pairs = [("a b c", "a x c"), ("same", "same"), ("one", "two")]
    cold = selectors.word_diffs(pairs)
    # The two pairs that differ are stored in Redis (equal texts are never cached).
    assert len(stored_keys(redis_client, "redraft:diff:v1:")) == 2

    def refuse(*args, **kwargs):
        raise AssertionError("a cached diff was computed again")

    monkeypatch.setattr(selectors, "word_diff", refuse)
    assert selectors.word_diffs(pairs) == cold


def test_another_app_host_reads_the_diffs_this_one_stored(redis_client, monkeypatch):
    """A second host has its own Django cache object but the same Redis server."""
    selectors.word_diffs([("the text as adopted", "the text as revised")])
    other_host = RedisCache(REDIS_URL, {})
    monkeypatch.setattr(selectors, "cache", other_host)
    monkeypatch.setattr(selectors, "word_diff", lambda *a, **k: pytest.fail("diffed again"))
    [ops] = selectors.word_diffs([("the text as adopted", "the text as revised")])
    assert [(op.op, op.text) for op in ops] == [
        ("equal", "the text as "),
        ("delete", "adopted"),
        ("insert", "revised"),
    ]


def test_warm_comparison_table_comes_from_redis_until_what_it_shows_changes(
    client, make_edition, ngo, ngo_user, monkeypatch, redis_client
):
    a, b = annotated_pair(make_edition, ngo, ngo_user, slug="redis", paragraphs=5, annotate=2)
    cold = compare(client, a, b)
    assert cold.status_code == 200
    assert len(stored_keys(redis_client, "redraft:compare-cells:v1:")) == 1
    real = selectors.compare_editions

    def refuse(**kwargs):
        raise AssertionError("a warm table was computed again")

    monkeypatch.setattr(selectors, "compare_editions", refuse)
    warm = compare(client, a, b)
    assert without_csrf(warm.content) == without_csrf(cold.content)
    # A new submitted amendment changes the notes only: they are read afresh, the text
    # cells still come from redis (nothing computed again, no new key).
    amendment = amendment_services.amendment_create(
        user=ngo_user, edition=b, clause=Clause.objects.get(edition=b, eid="para_3-1"),
        operation="replace", proposed_text="A proposal filed while cached.", justification="",
    )  # fmt: skip
    amendment_services.amendment_submit(
        amendment=amendment, user=ngo_user, expected_version=amendment.version
    )
    fresh = compare(client, a, b).content.decode()
    assert fresh.count('class="note-amendment"') == 3
    assert len(stored_keys(redis_client, "redraft:compare-cells:v1:")) == 1
    monkeypatch.setattr(selectors, "compare_editions", real)
