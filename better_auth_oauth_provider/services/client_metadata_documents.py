"""Clients identified by their metadata document URL: fetch, check, store.

With ``CLIENT_ID_METADATA_DOCUMENTS`` on, a ``client_id`` that is a
metadata document URL (:mod:`..oauth.client_id_metadata`) and is not owned
by a registered client resolves to a client made from the document found
there. The client is persisted as a django-oauth-toolkit ``Application``
keyed by the URL and marked ``registration_source = "cimd"``, because
grants, tokens, consents and the admin all refer to an ``Application``;
``cimd_expires_at`` says when the document is due for a refetch, after
which the next lookup fetches it again and rewrites the row from it.
Operator settings on the row (``disabled``, ``skip_consent``, ...) are
never taken from the document and survive refreshes.

Fetches go through the one outbound client: SSRF guard, a timeout, a size
cap (the draft suggests 5 KB) and no redirects (the document is identified
by its URL). Freshness is the response's ``Cache-Control: max-age``
clamped to the configured floor and ceiling. A failed fetch fails the
lookup (a stale row is not used) and is not retried for
``CLIENT_ID_METADATA_DOCUMENT_FAILURE_BACKOFF`` seconds, so a broken or
hostile URL costs one fetch per backoff period.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Any

import requests
from django.db import IntegrityError, transaction

from better_auth import clock
from better_auth.conf import auth_settings
from better_auth.outbound import OutboundURLRefused, fetch

from .. import capabilities
from ..conf import section
from ..errors import OAuthError
from ..models import ClientProfile
from ..oauth.client_id_metadata import is_metadata_document_url, metadata_from_document

logger = logging.getLogger("better_auth.security.client_metadata_documents")

__all__ = ["freshness", "is_enabled", "reset_backoff", "resolve"]

MAX_BACKOFF_ENTRIES = 1000
_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)\"?\s*(?:,|$)", re.IGNORECASE)
_NOT_STORED = re.compile(r"(?:^|,)\s*(no-store|no-cache|private)\b", re.IGNORECASE)

_lock = threading.Lock()
_backoff: OrderedDict[str, float] = OrderedDict()


class DocumentRefused(Exception):
    """The document could not be fetched or is not acceptable."""


def is_enabled() -> bool:
    return bool(section().CLIENT_ID_METADATA_DOCUMENTS)


def reset_backoff() -> None:
    with _lock:
        _backoff.clear()


def freshness(cache_control: str | None) -> int:
    """Seconds the document stays fresh: ``max-age`` within floor and ceiling."""
    cfg = section()
    floor = int(cfg.CLIENT_ID_METADATA_DOCUMENT_MIN_CACHE_SECONDS)
    ceiling = max(floor, int(cfg.CLIENT_ID_METADATA_DOCUMENT_MAX_CACHE_SECONDS))
    if not cache_control or _NOT_STORED.search(cache_control):
        return floor
    match = _MAX_AGE.search(cache_control)
    if match is None:
        return floor
    return min(max(int(match.group(1)), floor), ceiling)


def _backed_off(url: str) -> bool:
    with _lock:
        until = _backoff.get(url)
        if until is None:
            return False
        if until <= time.monotonic():
            del _backoff[url]
            return False
        return True


def _record_failure(url: str) -> None:
    delay = float(section().CLIENT_ID_METADATA_DOCUMENT_FAILURE_BACKOFF)
    with _lock:
        _backoff[url] = time.monotonic() + delay
        _backoff.move_to_end(url)
        while len(_backoff) > MAX_BACKOFF_ENTRIES:
            _backoff.popitem(last=False)


def _json_type(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def _download(url: str) -> tuple[Any, int]:
    """The parsed document and its freshness in seconds."""
    cfg = section()
    try:
        response = fetch(
            url,
            headers={"Accept": "application/json"},
            timeout=float(cfg.CLIENT_ID_METADATA_DOCUMENT_TIMEOUT),
            max_bytes=int(cfg.CLIENT_ID_METADATA_DOCUMENT_MAX_BYTES),
            follow_redirects=False,
        )
    except OutboundURLRefused as error:
        raise DocumentRefused(f"fetch refused: {error}") from None
    except requests.RequestException as error:
        raise DocumentRefused(f"fetch failed: {type(error).__name__}") from None
    if response.status != 200:
        raise DocumentRefused(f"answered HTTP {response.status}")
    headers = {k.lower(): v for k, v in response.headers.items()}
    if not _json_type(headers.get("content-type", "")):
        raise DocumentRefused("not a JSON document")
    try:
        document = json.loads(response.content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise DocumentRefused("not valid JSON") from None
    return document, freshness(headers.get("cache-control"))


def _lookup(client_id: str) -> Any | None:
    from .client_lookup import Application

    return (
        Application.objects.select_related("better_auth_profile")
        .filter(client_id=client_id)
        .first()
    )


def _mark(app: Any, expires_at: datetime) -> None:
    from .client_lookup import Application

    Application.objects.filter(pk=app.pk).update(
        registration_source=Application.RegistrationSource.CIMD,
        cimd_expires_at=expires_at,
    )


def _create(url: str, metadata: dict[str, Any], expires_at: datetime) -> Any:
    from .clients import create_client

    try:
        with transaction.atomic():
            app, _ = create_client(
                metadata, dynamic=True, authenticated=False, client_id=url
            )
            _mark(app, expires_at)
    except IntegrityError:
        # Another request created the row first; use theirs.
        return _lookup(url)
    logger.info("created client %s from its metadata document", url)
    return _lookup(url)


def _refresh(app: Any, metadata: dict[str, Any], expires_at: datetime) -> Any:
    """Rewrite the row from the document, keeping operator settings."""
    from .client_lookup import Application, profile_of
    from .clients import normalize_metadata

    normalized = normalize_metadata(metadata, dynamic=True, authenticated=False)
    fields = dict(normalized.fields)
    name = fields.pop("client_name")
    public = fields["token_endpoint_auth_method"] == "none"
    with transaction.atomic():
        profile: ClientProfile = profile_of(app)
        for key, value in fields.items():
            setattr(profile, key, value)
        profile.scopes = normalized.scopes
        profile.save()
        Application.objects.filter(pk=app.pk).update(
            name=name,
            redirect_uris=" ".join(normalized.redirect_uris),
            post_logout_redirect_uris=" ".join(normalized.post_logout_redirect_uris),
            client_type=(
                Application.CLIENT_PUBLIC if public else Application.CLIENT_CONFIDENTIAL
            ),
            registration_source=Application.RegistrationSource.CIMD,
            cimd_expires_at=expires_at,
        )
    return _lookup(app.client_id)


def _fetch_and_store(url: str, existing: Any | None) -> Any:
    document, fresh_for = _download(url)
    try:
        metadata = metadata_from_document(document, url)
        expires_at = clock.now() + timedelta(seconds=fresh_for)
        if existing is None:
            return _create(url, metadata, expires_at)
        return _refresh(existing, metadata, expires_at)
    except OAuthError as error:
        raise DocumentRefused(error.description or error.error) from None


def _is_document_row(app: Any) -> bool:
    from .client_lookup import Application

    return app.registration_source == Application.RegistrationSource.CIMD


def resolve(client_id: str, existing: Any | None) -> Any | None:
    """The client for ``client_id`` once documents are considered.

    ``existing`` is the row the plain lookup found. A registered client that
    owns the URL is returned untouched and never fetched; a document row is
    returned while fresh, refetched when due, and None when its document
    cannot be had; with the feature off a document row is None (fail
    closed) and other ids are left alone.
    """
    if existing is not None and not _is_document_row(existing):
        return existing
    if not is_enabled():
        return None
    allow_loopback = bool(auth_settings.OUTBOUND.ALLOW_LOOPBACK)
    if not is_metadata_document_url(client_id, allow_loopback=allow_loopback):
        return None
    if existing is not None and existing.cimd_expires_at is not None:
        if existing.cimd_expires_at > clock.now():
            return existing
    # TODO(cimd): Better Auth also governs fetches (per-origin budgets,
    # concurrent lookups of one URL coalesced into one fetch, 429
    # temporarily_unavailable when over budget); here only the failure
    # backoff and the row's freshness bound how often a URL is fetched.
    if _backed_off(client_id):
        logger.info("metadata document fetch for %s is backed off", client_id)
        return None
    try:
        return _fetch_and_store(client_id, existing)
    except DocumentRefused as refused:
        logger.warning("metadata document of %s refused: %s", client_id, refused)
        _record_failure(client_id)
        return None


capabilities.declare("client_id_metadata_document")
