"""Back-channel logout with a real Celery worker and broker, on PostgreSQL.

The task is queued on Redis and run by a worker thread with its own
database connection, so the retry countdowns of Back-Channel Logout §2.8
really elapse between attempts; and a session's end is handled once even
when its signals race. Skipped unless the database is PostgreSQL and
REDIS_URL is set.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from better_auth_oauth_provider.services import backchannel_logout
from tests.concurrency import race
from tests.oauth_provider.conftest import OAUTH_TEST_SETTINGS
from tests.oauth_provider.test_backchannel_logout import Receiver
from tests.oauth_provider.test_token import login_tokens, session_of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

REDIS_URL = os.environ.get("REDIS_URL")


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")


@pytest.fixture
def receiver(better_auth_settings: Any) -> Iterator[Receiver]:
    better_auth_settings(
        OUTBOUND={"ALLOW_LOOPBACK": True},
        OAUTH_PROVIDER={
            **OAUTH_TEST_SETTINGS,
            "BACKCHANNEL_LOGOUT_RETRY_BACKOFF": 1,
            "BACKCHANNEL_LOGOUT_MAX_RETRIES": 3,
        },
    )
    server = Receiver()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


def _reset_broker_state(app: Any) -> None:
    """Forget the queues and connections built from the eager configuration."""
    app.__dict__.pop("amqp", None)
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None


@pytest.fixture
def worker() -> Iterator[None]:
    """A Celery worker thread consuming a private queue on the Redis broker."""
    if not REDIS_URL:
        pytest.skip("needs REDIS_URL for the Celery broker")
    from celery.contrib.testing.worker import start_worker

    from demo.celery import app

    queue = f"bcl-test-{os.getpid()}"
    keys = ("task_always_eager", "broker_url", "task_default_queue")
    saved = {k: app.conf.get(k) for k in keys}
    app.conf.update(
        task_always_eager=False, broker_url=REDIS_URL, task_default_queue=queue
    )
    _reset_broker_state(app)
    try:
        with start_worker(
            app,
            pool="solo",
            perform_ping_check=False,
            queues=[queue],
            loglevel="WARNING",
        ):
            yield
    finally:
        app.conf.update(saved)
        _reset_broker_state(app)


def _wait_for(check: Any, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


def test_worker_retries_with_backoff(
    signed_in_api: Any,
    oauth_client_factory: Any,
    receiver: Receiver,
    worker: None,
) -> None:
    """§2.8: two failures, then success; the attempts are spaced by the
    backoff (1 s, then 2 s) rather than sent back to back."""
    app, secret = oauth_client_factory(
        skip_consent=True, backchannel_logout_uri=receiver.url
    )
    login_tokens(app, secret, signed_in_api.user)
    receiver.statuses = [500, 500]
    started = time.monotonic()
    assert signed_in_api.post("/sign-out").status_code == 200
    assert _wait_for(lambda: len(receiver.requests) >= 3, 30)
    elapsed = time.monotonic() - started
    assert elapsed >= 2.5
    time.sleep(0.5)
    assert len(receiver.requests) == 3


def test_concurrent_notices_of_one_session_send_once(
    signed_in_api: Any,
    oauth_client_factory: Any,
    receiver: Receiver,
    better_auth_settings: Any,
) -> None:
    """A session's end is claimed by one atomic cache ``add``: of ten
    concurrent notices exactly one plans and sends."""
    better_auth_settings(
        OUTBOUND={"ALLOW_LOOPBACK": True},
        OAUTH_PROVIDER={**OAUTH_TEST_SETTINGS, "BACKCHANNEL_LOGOUT_USE_CELERY": False},
    )
    app, secret = oauth_client_factory(
        skip_consent=True, backchannel_logout_uri=receiver.url
    )
    login_tokens(app, secret, signed_in_api.user)
    session = session_of(signed_in_api.user)
    user_id, session_id = str(signed_in_api.user.pk), str(session.id)
    race(10, lambda: backchannel_logout.sessions_ended(user_id, [session_id]))
    assert len(receiver.requests) == 1
