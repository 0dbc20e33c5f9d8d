"""RFC 7636 (PKCE) at the token endpoint, and case A.6 (PKCE downgrade).

Every verification failure is 400 ``invalid_grant`` as RFC 7636 §4.6
requires; Better Auth answers 401 ``invalid_request`` there (transcript
A/token-wrong-code-verifier), a deviation documented in
docs/oauth-provider.md. A failed attempt spends the code.
"""

from __future__ import annotations

from typing import Any

import pytest

from better_auth_oauth_provider.oauth.pkce import (
    is_valid_challenge,
    is_valid_verifier,
    s256_challenge,
    verify_code_verifier,
)
from tests.oauth_provider.conftest import NATIVE_REDIRECT
from tests.oauth_provider.test_token import (
    FULL_SCOPE,
    assert_no_store,
    issue_code,
    pkce_pair,
    post_form,
    redeem,
)

# Case A.6's verifier and its S256 challenge.
CASE_VERIFIER = "verifier-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEF"
CASE_CHALLENGE = "rUGXoN2_j5qkiEzx9kqEW2ih_AJcHh5iQSt75uNnM3E"


def test_s256_appendix_b_vector() -> None:
    """RFC 7636 Appendix B: the example verifier's S256 challenge."""
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert s256_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    assert s256_challenge(CASE_VERIFIER) == CASE_CHALLENGE


@pytest.mark.parametrize(
    "verifier",
    ["a" * 42, "a" * 129, "a" * 42 + "!", "a" * 43 + " ", "é" * 43, None, 42],
)
def test_verifier_syntax_is_enforced(verifier: Any) -> None:
    """RFC 7636 §4.1: 43-128 characters of ``[A-Za-z0-9-._~]``."""
    assert not is_valid_verifier(verifier)
    assert not verify_code_verifier(verifier, CASE_CHALLENGE, "S256")


def test_verifier_bounds_accepted() -> None:
    """RFC 7636 §4.1 bounds are inclusive; challenges follow §4.2."""
    assert is_valid_verifier("a" * 43) and is_valid_verifier("~._-" * 32)
    assert is_valid_challenge(CASE_CHALLENGE)
    assert not is_valid_challenge("short")


def test_plain_or_missing_method_never_verifies() -> None:
    """RFC 7636 §4.3: an absent method is ``plain``, which is not accepted.

    A plain verifier equal to its challenge, or an S256 pair stored without
    a method, does not verify (case A.6 (b)(c)).
    """
    assert not verify_code_verifier(CASE_VERIFIER, CASE_VERIFIER, "plain")
    assert not verify_code_verifier(CASE_VERIFIER, CASE_CHALLENGE, "")
    assert verify_code_verifier(CASE_VERIFIER, CASE_CHALLENGE, "S256")


def test_correct_verifier_redeems(rp: Any) -> None:
    """RFC 7636 §4.6: the S256 transform of the verifier equals the challenge."""
    app, secret, user = rp
    code = issue_code(app, user, challenge=CASE_CHALLENGE)
    assert redeem(app, secret, code, CASE_VERIFIER).status_code == 200


def test_wrong_verifier_is_invalid_grant_and_spends_the_code(rp: Any) -> None:
    """RFC 7636 §4.6: mismatch MUST be invalid_grant (Better Auth: 401)."""
    app, secret, user = rp
    code = issue_code(app, user, challenge=CASE_CHALLENGE)
    wrong = redeem(app, secret, code, "x" * 50)
    assert wrong.status_code == 400
    assert wrong.json() == {
        "error": "invalid_grant",
        "error_description": "code verification failed",
    }
    assert_no_store(wrong)
    retry = redeem(app, secret, code, CASE_VERIFIER)
    assert retry.status_code == 400
    assert retry.json()["error_description"] == "invalid code"


def test_missing_verifier_is_invalid_grant(rp: Any) -> None:
    """Case A.6 (d): a challenge was bound, the token request lacks a verifier."""
    app, secret, user = rp
    code = issue_code(app, user, challenge=CASE_CHALLENGE)
    response = redeem(app, secret, code, None)
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_grant",
        "error_description": "code_verifier required because PKCE was used "
        "in authorization",
    }


def test_verifier_without_challenge_is_a_downgrade(rp: Any) -> None:
    """Case A.6 (a) / RFC 9700 §4.8.2: a verifier with no bound challenge fails."""
    app, secret, user = rp
    code = issue_code(app, user, challenge=None, scope="openid")
    response = redeem(app, secret, code, CASE_VERIFIER)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("method", ["plain", ""])
def test_plain_challenge_stored_never_verifies(rp: Any, method: str) -> None:
    """Case A.6 (b)(c): a plain (or method-less) challenge cannot be redeemed."""
    from oauth2_provider.models import Grant

    app, secret, user = rp
    code = issue_code(app, user, challenge=CASE_VERIFIER)
    Grant.objects.update(code_challenge_method=method)
    response = redeem(app, secret, code, CASE_VERIFIER)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_public_client_needs_pkce(
    native_client: tuple[Any, None], signed_in_api: Any
) -> None:
    """Case A.6 (e): a public client's code without a challenge is refused.

    Public clients authenticate with ``client_id`` alone (RFC 6749 §2.3),
    so PKCE is what binds the code to them (RFC 7636 §1).
    """
    app, _ = native_client
    user = signed_in_api.user
    code = issue_code(app, user, challenge=None, redirect_uri=NATIVE_REDIRECT)
    response = post_form(
        "/oauth2/token",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": NATIVE_REDIRECT,
            "client_id": app.client_id,
        },
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_grant",
        "error_description": "PKCE is required for this client",
    }

    verifier, challenge = pkce_pair()
    code = issue_code(
        app, user, challenge=challenge, redirect_uri=NATIVE_REDIRECT, scope=FULL_SCOPE
    )
    response = post_form(
        "/oauth2/token",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": NATIVE_REDIRECT,
            "client_id": app.client_id,
            "code_verifier": verifier,
        },
    )
    assert response.status_code == 200, response.content
    assert "refresh_token" in response.json()
