"""Faults with real components: the test starts its own redis-server on a spare port and stops it mid-test."""

import shutil

import pytest
from django.test import override_settings

from tests.support import OwnRedis

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")]


@pytest.fixture
def own_redis(tmp_path):
    redis = OwnRedis(tmp_path)
    redis.start()
    yield redis
    redis.stop()


def test_redis_down_mid_test_assign_still_answers_and_counts_again_when_it_returns(assign, visitor_pool, own_redis):
    caches = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": f"redis://127.0.0.1:{own_redis.port}/0"}}
    with override_settings(CACHES=caches, DNI_RATE_LIMIT=3):
        # Redis up: the limiter counts there (the 4th request in the minute is refused).
        assert [assign().status_code for _ in range(4)] == [200, 200, 200, 429]
        own_redis.stop()
        # Redis down: the limiter fails open, the visitor still gets numbers.
        down = [assign(REMOTE_ADDR="198.51.100.20") for _ in range(5)]
        assert [r.status_code for r in down] == [200] * 5
        assert all("numbers" in r.json() for r in down)
        own_redis.start()
        # Back (empty, no persistence): counting resumes.
        assert [assign(REMOTE_ADDR="198.51.100.21").status_code for _ in range(4)] == [200, 200, 200, 429]
