"""Protected resources: the stored policy, its seeding and its management.

The ``Resource`` table is authoritative (Better Auth's ``oauthResource``,
oauth-provider surface §4). ``RESOURCES`` entries in the settings are
seeded into it at ``migrate`` (post_migrate), by the
``seed_oauth_resources`` command, and once per process and configuration
the first time a resource is looked up, so a settings-only deployment works
without running anything. ``RESOURCE_SEED_MODE`` decides what seeding does
to an existing row.

:func:`resolve_resource_policy` is the one place issuance asks what the
requested resources allow: one query loads the rows and the client's links
together, and :func:`..oauth.resource_indicators.combine_policy` applies
Better Auth's rules.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.signals import setting_changed
from django.db import DatabaseError, IntegrityError, router, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from ..conf import endpoint_url, hook, section
from ..errors import InvalidRequest, InvalidTarget, NotFound
from ..models import SIGNING_ALGORITHMS, ClientResource, Resource
from ..oauth.resource_indicators import (
    ResourcePolicy,
    ResourceSnapshot,
    combine_policy,
    resource_problem,
)

logger = logging.getLogger(__name__)

__all__ = [
    "POLICY_FIELDS",
    "SEED_MODES",
    "check_resource_privileges",
    "create_resource",
    "delete_resource",
    "ensure_seeded",
    "entry_problems",
    "existing_identifiers",
    "get_resource",
    "link_client",
    "linked_to_any",
    "normalise_entry",
    "resolve_resource_policy",
    "resource_custom_claims",
    "resource_json",
    "seed_resources",
    "unlink_client",
    "update_resource",
    "userinfo_resource",
]

SEED_MODES = ("insert_only", "merge", "overwrite")
# Settings/body member -> model field; Better Auth's camelCase names are
# accepted in management bodies as well (surface §3 oauthResource).
POLICY_FIELDS: dict[str, str] = {
    "name": "name",
    "enabled": "enabled",
    "access_token_ttl": "access_token_ttl",
    "refresh_token_ttl": "refresh_token_ttl",
    "allowed_scopes": "allowed_scopes",
    "custom_claims": "custom_claims",
    "signing_algorithm": "signing_algorithm",
    "signing_key_id": "signing_key_id",
    "dpop_required": "dpop_required",
    "metadata": "metadata",
}
_ALIASES = {
    "accessTokenTtl": "access_token_ttl",
    "refreshTokenTtl": "refresh_token_ttl",
    "allowedScopes": "allowed_scopes",
    "customClaims": "custom_claims",
    "signingAlgorithm": "signing_algorithm",
    "signingKeyId": "signing_key_id",
    "dpopBoundAccessTokensRequired": "dpop_required",
    "dpop_bound_access_tokens_required": "dpop_required",
}
_DEFAULTS: dict[str, Any] = {
    "name": "",
    "enabled": True,
    "access_token_ttl": None,
    "refresh_token_ttl": None,
    "allowed_scopes": None,
    "custom_claims": None,
    "signing_algorithm": "",
    "signing_key_id": "",
    "dpop_required": False,
    "metadata": None,
}
MAX_IDENTIFIER = 512


def userinfo_resource(iss: str | None = None) -> str:
    """The implicit audience of OpenID requests: the UserInfo endpoint."""
    if iss:
        return f"{iss}/oauth2/userinfo"
    return endpoint_url("/oauth2/userinfo")


# --- entries: settings and management bodies ---------------------------------


def identifier_problem(value: Any) -> str | None:
    """Why ``value`` cannot identify a resource (RFC 8707 §2), or None."""
    problem = resource_problem(value)
    if problem:
        return problem
    if len(value) > MAX_IDENTIFIER:
        return f"resource identifier is longer than {MAX_IDENTIFIER} characters"
    return None


def _ttl_problem(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return f"{name} must be a positive integer or null"
    return None


def _field_problem(name: str, value: Any) -> str | None:
    if name in ("access_token_ttl", "refresh_token_ttl"):
        return _ttl_problem(name, value)
    if name == "allowed_scopes":
        if value is None:
            return None
        if not isinstance(value, list) or not all(
            isinstance(s, str) and s and " " not in s for s in value
        ):
            return "allowed_scopes must be a list of scope names or null"
    elif name in ("custom_claims", "metadata"):
        if value is not None and not isinstance(value, dict):
            return f"{name} must be an object or null"
    elif name == "signing_algorithm":
        if value not in ("", None, *SIGNING_ALGORITHMS):
            return f"signing_algorithm must be one of: {', '.join(SIGNING_ALGORITHMS)}"
    elif name in ("enabled", "dpop_required"):
        if not isinstance(value, bool):
            return f"{name} must be a boolean"
    elif name in ("name", "signing_key_id"):
        if value is not None and not isinstance(value, str):
            return f"{name} must be a string"
    return None


def normalise_entry(entry: Any) -> dict[str, Any]:
    """A settings entry or management body as model field values.

    A bare string is an identifier with default policy; ``disabled`` (Better
    Auth's column) is the opposite of ``enabled``. Unknown members are
    ignored. Raises ``ValueError`` naming the first problem.
    """
    if isinstance(entry, str):
        entry = {"identifier": entry}
    if not isinstance(entry, Mapping):
        raise ValueError("a resource entry is an identifier or a mapping")
    out: dict[str, Any] = {"identifier": entry.get("identifier")}
    problem = identifier_problem(out["identifier"])
    if problem:
        raise ValueError(problem)
    for key, value in entry.items():
        name = _ALIASES.get(key, key)
        if name == "disabled":
            if not isinstance(value, bool):
                raise ValueError("disabled must be a boolean")
            name, value = "enabled", not value
        if name not in POLICY_FIELDS:
            continue
        problem = _field_problem(name, value)
        if problem:
            raise ValueError(problem)
        if name in ("name", "signing_algorithm", "signing_key_id"):
            value = value or ""
        out[name] = value
    return out


def entry_problems(entries: Any) -> list[str]:
    """What is wrong with a ``RESOURCES`` setting, one line per entry."""
    if entries is None:
        return []
    if isinstance(entries, (str, Mapping)) or not isinstance(entries, Iterable):
        return ["RESOURCES must be a list of identifiers or mappings"]
    problems = []
    for index, entry in enumerate(entries):
        try:
            normalise_entry(entry)
        except ValueError as error:
            problems.append(f"RESOURCES[{index}]: {error}")
    return problems


# --- seeding -----------------------------------------------------------------

_seeded: set[str] = set()
_seed_lock = threading.Lock()


def _reset_seeded(**kwargs: Any) -> None:
    if kwargs.get("setting") in (None, "BETTER_AUTH"):
        _seeded.clear()


setting_changed.connect(_reset_seeded, dispatch_uid="better_auth_oauth_resources")


def _valid_entries(entries: Any) -> list[dict[str, Any]]:
    out = []
    for entry in entries or []:
        try:
            out.append(normalise_entry(entry))
        except ValueError as error:
            logger.warning("RESOURCES entry skipped: %s", error)
    return out


def seed_resources(entries: Any = None, mode: str | None = None) -> dict[str, int]:
    """Write ``RESOURCES`` entries to the table; counts per outcome.

    ``insert_only`` creates missing rows in one statement and leaves
    existing ones alone; ``merge`` also sets, on existing rows, the fields
    an entry names; ``overwrite`` resets existing rows to the entry.
    """
    cfg = section()
    entries = cfg.RESOURCES if entries is None else entries
    mode = mode or cfg.RESOURCE_SEED_MODE or "insert_only"
    if mode not in SEED_MODES:
        raise ValueError(f"RESOURCE_SEED_MODE must be one of {', '.join(SEED_MODES)}")
    valid = _valid_entries(entries)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    if not valid:
        return counts
    identifiers = [e["identifier"] for e in valid]
    existing = set(
        Resource.objects.filter(identifier__in=identifiers).values_list(
            "identifier", flat=True
        )
    )
    fresh = [
        Resource(**{**_DEFAULTS, **e}) for e in valid if e["identifier"] not in existing
    ]
    if fresh:
        Resource.objects.bulk_create(fresh, ignore_conflicts=True)
        counts["created"] = len(fresh)
    for entry in valid:
        if entry["identifier"] not in existing:
            continue
        if mode == "insert_only":
            counts["unchanged"] += 1
            continue
        values = {k: v for k, v in entry.items() if k != "identifier"}
        if mode == "overwrite":
            values = {**_DEFAULTS, **values}
        values["updated_at"] = timezone.now()
        Resource.objects.filter(identifier=entry["identifier"]).update(**values)
        counts["updated"] += 1
    return counts


def _config_key() -> str:
    cfg = section()
    return json.dumps(
        [cfg.RESOURCES or [], cfg.RESOURCE_SEED_MODE], sort_keys=True, default=str
    )


def ensure_seeded() -> None:
    """Seed the configured resources once per process and configuration.

    Better Auth seeds at start-up and retries lazily when the table is not
    there yet; a failure here is logged and retried on the next lookup.
    """
    if not section().RESOURCES:
        return
    key = _config_key()
    if key in _seeded:
        return
    with _seed_lock:
        if key in _seeded:
            return
        try:
            with transaction.atomic(using=router.db_for_write(Resource)):
                seed_resources()
        except DatabaseError:
            logger.exception("seeding RESOURCES failed; retrying on next use")
            return
        _seeded.add(key)


# --- policy ------------------------------------------------------------------


def _snapshot(values: Mapping[str, Any]) -> ResourceSnapshot:
    allowed = values["allowed_scopes"]
    return ResourceSnapshot(
        identifier=values["identifier"],
        enabled=values["enabled"],
        access_token_ttl=values["access_token_ttl"],
        refresh_token_ttl=values["refresh_token_ttl"],
        allowed_scopes=tuple(allowed) if isinstance(allowed, list) else None,
        custom_claims=values["custom_claims"],
        signing_algorithm=values["signing_algorithm"] or "",
        signing_key_id=values["signing_key_id"] or "",
        dpop_required=values["dpop_required"],
        linked=bool(values.get("linked", False)),
    )


_SNAPSHOT_FIELDS = (
    "identifier",
    "enabled",
    "access_token_ttl",
    "refresh_token_ttl",
    "allowed_scopes",
    "custom_claims",
    "signing_algorithm",
    "signing_key_id",
    "dpop_required",
)


def load_snapshots(
    identifiers: Sequence[str], client_pk: Any = None
) -> dict[str, ResourceSnapshot]:
    """The stored resources among ``identifiers``, with the client's links,
    in one query."""
    ensure_seeded()
    qs = Resource.objects.filter(identifier__in=list(identifiers))
    fields: tuple[str, ...] = _SNAPSHOT_FIELDS
    if client_pk is not None:
        links = ClientResource.objects.filter(resource=OuterRef("pk"), client=client_pk)
        qs = qs.annotate(linked=Exists(links))
        fields = (*fields, "linked")
    return {v["identifier"]: _snapshot(v) for v in qs.values(*fields)}


def resolve_resource_policy(
    resources: Sequence[str],
    client: Any,
    scopes: Sequence[str],
    *,
    iss: str | None = None,
) -> ResourcePolicy:
    """What ``resources`` allow ``client`` for ``scopes`` (surface §4).

    No resources cost nothing; otherwise one query. Raises
    ``invalid_target``, ``invalid_scope`` or ``invalid_request``.
    """
    if not resources:
        return ResourcePolicy(scopes=list(scopes))
    userinfo = userinfo_resource(iss)
    wanted = [r for r in dict.fromkeys(resources) if r != userinfo]
    enforce = bool(section().ENFORCE_PER_CLIENT_RESOURCES)
    rows = load_snapshots(wanted, client.pk if enforce else None) if wanted else {}
    return combine_policy(
        resources,
        rows,
        client_id=client.client_id,
        scopes=scopes,
        userinfo=userinfo,
        enforce_links=enforce,
    )


def existing_identifiers(identifiers: Iterable[str]) -> set[str]:
    """Which of ``identifiers`` are stored resources (disabled ones too)."""
    wanted = list(dict.fromkeys(identifiers))
    if not wanted:
        return set()
    ensure_seeded()
    return set(
        Resource.objects.filter(identifier__in=wanted).values_list(
            "identifier", flat=True
        )
    )


def linked_to_any(client_pk: Any, identifiers: Iterable[str]) -> bool:
    """Whether the client serves any of these resources (RFC 7662 §2.1:
    a resource server may introspect tokens meant for it)."""
    wanted = list(identifiers)
    if not wanted:
        return False
    return ClientResource.objects.filter(
        client=client_pk, resource__identifier__in=wanted
    ).exists()


def resource_custom_claims(identifiers: Sequence[str]) -> dict[str, Any]:
    """The current ``custom_claims`` of these resources, merged in order."""
    if not identifiers:
        return {}
    rows = dict(
        Resource.objects.filter(identifier__in=list(identifiers)).values_list(
            "identifier", "custom_claims"
        )
    )
    merged: dict[str, Any] = {}
    for identifier in identifiers:
        claims = rows.get(identifier)
        if isinstance(claims, dict):
            merged.update(claims)
    return merged


# --- management --------------------------------------------------------------


def check_resource_privileges(
    action: str,
    *,
    user: Any,
    session: Any = None,
    request: Any = None,
    resource: Any = None,
) -> bool:
    """Whether ``user`` may manage resources (``RESOURCE_PRIVILEGES``;
    staff only without a hook, since Better Auth keeps these server-only)."""
    gate = hook("RESOURCE_PRIVILEGES")
    if gate is not None:
        return bool(
            gate(
                {
                    "action": action,
                    "user": user,
                    "session": session,
                    "request": request,
                    "resource": resource,
                }
            )
        )
    return bool(user is not None and getattr(user, "is_staff", False))


def resource_json(row: Resource) -> dict[str, Any]:
    """A resource as Better Auth's management endpoints answer it."""
    return {
        "identifier": row.identifier,
        "name": row.display_name,
        "accessTokenTtl": row.access_token_ttl,
        "refreshTokenTtl": row.refresh_token_ttl,
        "signingAlgorithm": row.signing_algorithm or None,
        "signingKeyId": row.signing_key_id or None,
        "allowedScopes": row.allowed_scopes,
        "customClaims": row.custom_claims,
        "dpopBoundAccessTokensRequired": row.dpop_required,
        "disabled": not row.enabled,
        "metadata": row.metadata,
        "createdAt": row.created_at.isoformat().replace("+00:00", "Z"),
        "updatedAt": row.updated_at.isoformat().replace("+00:00", "Z"),
        "clients": sorted(row.client_links.values_list("client__client_id", flat=True)),
    }


def get_resource(identifier: str) -> Resource | None:
    if not isinstance(identifier, str) or not identifier:
        return None
    return Resource.objects.filter(identifier=identifier).first()


def _require(identifier: str) -> Resource:
    row = get_resource(identifier)
    if row is None:
        raise NotFound("resource not found", no_store=False)
    return row


def create_resource(body: Mapping[str, Any]) -> Resource:
    """Create a resource from a management body; ``invalid_target`` for a
    bad identifier, ``invalid_request`` for a bad field or a duplicate."""
    problem = identifier_problem(body.get("identifier"))
    if problem:
        raise InvalidTarget(problem, no_store=False)
    try:
        values = normalise_entry(dict(body))
    except ValueError as error:
        raise InvalidRequest(str(error), no_store=False) from None
    try:
        with transaction.atomic(using=router.db_for_write(Resource)):
            return Resource.objects.create(**{**_DEFAULTS, **values})
    except IntegrityError:
        raise InvalidRequest("resource already exists", no_store=False) from None


def update_resource(identifier: str, update: Mapping[str, Any]) -> Resource:
    """Apply the named policy fields; the identifier cannot change."""
    row = _require(identifier)
    try:
        values = normalise_entry({**dict(update), "identifier": identifier})
    except ValueError as error:
        raise InvalidRequest(str(error), no_store=False) from None
    values.pop("identifier")
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_at = timezone.now()
    row.save()
    return row


def delete_resource(identifier: str) -> None:
    """Delete a resource: every token for it becomes inactive (surface §4)."""
    _require(identifier).delete()


def link_client(identifier: str, client: Any) -> bool:
    """Link ``client`` to the resource; False when it already was."""
    row = _require(identifier)
    _, created = ClientResource.objects.get_or_create(client=client, resource=row)
    return created


def unlink_client(identifier: str, client: Any) -> bool:
    row = _require(identifier)
    deleted, _ = ClientResource.objects.filter(client=client, resource=row).delete()
    return bool(deleted)


def seed_after_migrate(**kwargs: Any) -> None:
    """post_migrate: seed ``RESOURCES`` once the table exists."""
    using = kwargs.get("using") or router.db_for_write(Resource)
    try:
        with transaction.atomic(using=using):
            counts = seed_resources()
    except (DatabaseError, ValueError) as error:
        logger.warning("RESOURCES not seeded after migrate: %s", error)
        return
    if counts["created"] or counts["updated"]:
        logger.info("RESOURCES seeded: %s", counts)
