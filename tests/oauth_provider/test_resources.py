"""Protected resources (RFC 8707): the table, seeding, checks and the policy.

Better Auth's ``oauthResource`` / ``oauthClientResource`` and
``resolveResourcePolicy`` (oauth-provider surface §3, §4).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.db import IntegrityError

from better_auth_oauth_provider.checks import check_provider
from better_auth_oauth_provider.errors import (
    InvalidRequest,
    InvalidScope,
    InvalidTarget,
)
from better_auth_oauth_provider.models import ClientResource, Resource
from better_auth_oauth_provider.oauth.resource_indicators import (
    ResourceSnapshot,
    combine_policy,
)
from better_auth_oauth_provider.services.resources import (
    ensure_seeded,
    resolve_resource_policy,
    seed_resources,
)
from tests.oauth_provider.conftest import ISSUER
from tests.oauth_provider.test_token import (
    issue_code,
    pkce_pair,
    redeem,
)

API = "https://api.example.test"
FILES = "https://files.example.test"
USERINFO = f"{ISSUER}/oauth2/userinfo"


def link(app: Any, *identifiers: str) -> None:
    for identifier in identifiers:
        resource, _ = Resource.objects.get_or_create(identifier=identifier)
        ClientResource.objects.get_or_create(client=app, resource=resource)


# --- pure policy ---------------------------------------------------------------


def _policy(rows: dict[str, ResourceSnapshot], requested: list[str], **kw: Any) -> Any:
    return combine_policy(
        requested,
        rows,
        client_id="c1",
        scopes=kw.pop("scopes", ["openid", "read", "write"]),
        userinfo=USERINFO,
        enforce_links=kw.pop("enforce", True),
    )


def test_no_resource_means_no_audience() -> None:
    """Surface §4 rule 1: no resource, no ``aud`` (the token stays opaque)."""
    policy = _policy({}, [])
    assert policy.audience is None and policy.scopes == ["openid", "read", "write"]


def test_unknown_disabled_and_unlinked_are_invalid_target() -> None:
    """RFC 8707 §2 ``invalid_target`` with Better Auth's descriptions (§4
    rules 2-3)."""
    with pytest.raises(InvalidTarget, match=f"requested resource {API} is not conf"):
        _policy({}, [API])
    disabled = {API: ResourceSnapshot(API, enabled=False, linked=True)}
    with pytest.raises(InvalidTarget, match="is disabled"):
        _policy(disabled, [API])
    unlinked = {
        API: ResourceSnapshot(API, linked=False),
        FILES: ResourceSnapshot(FILES, linked=False),
    }
    with pytest.raises(InvalidTarget) as refused:
        _policy(unlinked, [API, FILES])
    assert refused.value.description == (
        f"client c1 is not linked to resource(s) {API}, {FILES}"
    )
    assert _policy(unlinked, [API], enforce=False, scopes=["read"]).audience == API


def test_scopes_narrow_and_empty_intersection_is_invalid_scope() -> None:
    """Surface §4 rule 4: allowed scopes narrow the token's scope."""
    rows = {
        API: ResourceSnapshot(API, allowed_scopes=("read", "openid"), linked=True),
        FILES: ResourceSnapshot(FILES, allowed_scopes=("read",), linked=True),
    }
    assert _policy(rows, [API, FILES]).scopes == ["read"]
    only_write = {API: ResourceSnapshot(API, allowed_scopes=("write",), linked=True)}
    with pytest.raises(InvalidScope):
        _policy(only_write, [API], scopes=["read"])


def test_ttls_are_the_minimum_and_pins_must_agree() -> None:
    """Surface §4 rules 5-6: shortest TTLs; conflicting pins are
    ``invalid_request`` (one JWS has one signature)."""
    rows = {
        API: ResourceSnapshot(
            API, access_token_ttl=600, refresh_token_ttl=None, linked=True
        ),
        FILES: ResourceSnapshot(
            FILES, access_token_ttl=300, refresh_token_ttl=900, linked=True
        ),
    }
    policy = _policy(rows, [API, FILES])
    assert (policy.access_token_ttl, policy.refresh_token_ttl) == (300, 900)
    pins = {
        API: ResourceSnapshot(API, signing_algorithm="ES256", linked=True),
        FILES: ResourceSnapshot(FILES, signing_algorithm="RS256", linked=True),
    }
    with pytest.raises(InvalidRequest, match="signingAlgorithm"):
        _policy(pins, [API, FILES])
    kids = {
        API: ResourceSnapshot(API, signing_key_id="a", linked=True),
        FILES: ResourceSnapshot(FILES, signing_key_id="b", linked=True),
    }
    with pytest.raises(InvalidRequest, match="signingKeyId"):
        _policy(kids, [API, FILES])


def test_audience_rule() -> None:
    """Surface §4 rule 9, RFC 7519 §4.1.3: requested resources plus the
    UserInfo endpoint with ``openid``; one value is a plain string."""
    rows = {API: ResourceSnapshot(API, linked=True)}
    assert _policy(rows, [API], scopes=["read"]).audience == API
    assert _policy(rows, [API]).audience == [API, USERINFO]
    assert _policy(rows, [API, API, USERINFO]).audience == [API, USERINFO]
    assert _policy(rows, [USERINFO], scopes=["openid"]).audience == USERINFO


def test_custom_claims_merge_later_wins_and_dpop_any() -> None:
    """Surface §4 rules 7-8."""
    rows = {
        API: ResourceSnapshot(API, custom_claims={"a": 1, "b": 1}, linked=True),
        FILES: ResourceSnapshot(
            FILES, custom_claims={"b": 2}, dpop_required=True, linked=True
        ),
    }
    policy = _policy(rows, [API, FILES])
    assert policy.custom_claims == {"a": 1, "b": 2}
    assert policy.dpop_required is True


# --- table, seeding, checks ----------------------------------------------------


def test_identifier_and_link_are_unique(db: None, web_client: Any) -> None:
    """Surface §3: ``identifier`` unique, (client, resource) unique."""
    app, _ = web_client
    row = Resource.objects.create(identifier=API)
    ClientResource.objects.create(client=app, resource=row)
    with pytest.raises(IntegrityError):
        ClientResource.objects.create(client=app, resource=row)


def test_seed_modes(db: None, oauth_settings: Any) -> None:
    """Better Auth's ``resourceSeedMode``: insert-only keeps edits, merge sets
    the named fields, overwrite resets the row."""
    entry = {"identifier": API, "access_token_ttl": 300, "name": "API"}
    assert seed_resources([entry, FILES], "insert_only")["created"] == 2
    Resource.objects.filter(identifier=API).update(allowed_scopes=["read"], name="x")
    seed_resources([entry], "insert_only")
    row = Resource.objects.get(identifier=API)
    assert (row.name, row.allowed_scopes) == ("x", ["read"])
    seed_resources([entry], "merge")
    row.refresh_from_db()
    assert (row.name, row.allowed_scopes, row.access_token_ttl) == (
        "API",
        ["read"],
        300,
    )
    seed_resources([{"identifier": API}], "overwrite")
    row.refresh_from_db()
    assert (row.name, row.allowed_scopes, row.access_token_ttl) == ("", None, None)


def test_bad_entries_are_skipped_when_seeding(db: None) -> None:
    """Bad identifiers are skipped (Better Auth warns and skips)."""
    counts = seed_resources(["not a uri", f"{API}#frag", {"identifier": FILES}])
    assert counts["created"] == 1
    assert list(Resource.objects.values_list("identifier", flat=True)) == [FILES]


def test_lazy_seed_once_per_configuration(
    db: None, oauth_settings: Any, django_assert_max_num_queries: Any
) -> None:
    """Settings-only deployments work: the first lookup seeds, later ones
    cost nothing more."""
    oauth_settings(RESOURCES=[API])
    ensure_seeded()
    assert Resource.objects.filter(identifier=API).exists()
    with django_assert_max_num_queries(0):
        ensure_seeded()


def test_seed_command(db: None, oauth_settings: Any, capsys: Any) -> None:
    oauth_settings(RESOURCES=[{"identifier": API, "allowed_scopes": ["read"]}])
    call_command("seed_oauth_resources")
    assert Resource.objects.get(identifier=API).allowed_scopes == ["read"]
    assert "1 created" in capsys.readouterr().out
    oauth_settings(RESOURCES=[{"identifier": API, "allowed_scopes": ["write"]}])
    call_command("seed_oauth_resources", mode="merge")
    assert Resource.objects.get(identifier=API).allowed_scopes == ["write"]


def test_post_migrate_seeds(db: None, oauth_settings: Any) -> None:
    from django.apps import apps
    from django.db.models.signals import post_migrate

    oauth_settings(RESOURCES=[FILES])
    config = apps.get_app_config("better_auth_oauth_provider")
    post_migrate.send(sender=config, app_config=config, using="default")
    assert Resource.objects.filter(identifier=FILES).exists()


def test_bad_resources_setting_is_a_check_error(oauth_settings: Any) -> None:
    """E006 with a hint for every bad entry and an unknown seed mode."""
    oauth_settings(
        RESOURCES=[API, "relative/path", {"identifier": FILES, "access_token_ttl": 0}],
        RESOURCE_SEED_MODE="sometimes",
    )
    errors = [e for e in check_provider() if e.id == "better_auth_oauth_provider.E006"]
    assert len(errors) == 3
    assert all(e.hint for e in errors)
    assert "RESOURCES[1]" in errors[0].msg and "RESOURCES[2]" in errors[1].msg


# --- the policy at authorize and token time ------------------------------------


def test_policy_is_one_query(
    db: None, web_client: Any, django_assert_num_queries: Any
) -> None:
    """Rows and the client's links come back together."""
    app, _ = web_client
    link(app, API, FILES)
    with django_assert_num_queries(1):
        policy = resolve_resource_policy([API, FILES], app, ["read"])
    assert policy.audience == [API, FILES]


def test_unlinked_client_is_refused_at_the_token_endpoint(
    rp: Any, oauth_settings: Any
) -> None:
    """``ENFORCE_PER_CLIENT_RESOURCES`` (default on): a client gets tokens
    only for resources it is linked to (RFC 8707 §2 ``invalid_target``)."""
    app, secret, user = rp
    oauth_settings(RESOURCES=[API])
    verifier, challenge = pkce_pair()
    code = issue_code(app, user, challenge=challenge, resources=[API])
    refused = redeem(app, secret, code, verifier)
    assert refused.status_code == 400
    assert refused.json() == {
        "error": "invalid_target",
        "error_description": f"client {app.client_id} is not linked to "
        f"resource(s) {API}",
    }
    link(app, API)
    assert redeem(app, secret, code, verifier).status_code == 200


def test_resource_disabled_after_authorization_is_refused(
    rp: Any, oauth_settings: Any
) -> None:
    """Surface §4 lifecycle: a disabled resource gets no new issuance; the
    code is not spent by the refusal."""
    app, secret, user = rp
    link(app, API)
    Resource.objects.filter(identifier=API).update(enabled=False)
    verifier, challenge = pkce_pair()
    code = issue_code(app, user, challenge=challenge, resources=[API])
    refused = redeem(app, secret, code, verifier)
    assert refused.json()["error"] == "invalid_target"
    Resource.objects.filter(identifier=API).update(enabled=True)
    assert redeem(app, secret, code, verifier).status_code == 200


def test_db_rows_are_authoritative_over_settings(rp: Any, oauth_settings: Any) -> None:
    """A resource created in the table needs no setting; an edited seeded
    row keeps its edit (insert-only seeding)."""
    app, secret, user = rp
    link(app, FILES)
    verifier, challenge = pkce_pair()
    code = issue_code(app, user, challenge=challenge, resources=[FILES])
    assert redeem(app, secret, code, verifier).status_code == 200
