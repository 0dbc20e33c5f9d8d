"""First lookups of one metadata document URL under real concurrency.

Several requests meet an unknown document client at once, each on its own
PostgreSQL connection: they all fetch, one creates the row, the others hit
the unique client_id and use that row. Skipped unless the database is
PostgreSQL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
from django.db import connection

from better_auth_oauth_provider.services import client_metadata_documents
from better_auth_oauth_provider.services.client_lookup import Application, get_client
from tests.concurrency import race
from tests.oauth_provider.test_client_id_metadata import (
    DocumentServer,
    enable,
    fixture_document,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def served(better_auth_settings: Callable[..., None]) -> Iterator[DocumentServer]:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")
    enable(better_auth_settings)
    client_metadata_documents.reset_backoff()
    server = DocumentServer()
    thread = threading.Thread(
        target=server.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


def test_concurrent_first_lookups_converge_on_one_row(served: DocumentServer) -> None:
    """Unique client_id: every request gets the same client, one row exists."""
    url = served.publish("/c.json", fixture_document("claude.json"))
    results = race(5, lambda: getattr(get_client(url), "pk", None))
    assert None not in results
    assert len(set(results)) == 1
    assert Application.objects.filter(client_id=url).count() == 1
