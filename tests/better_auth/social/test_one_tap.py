"""Google One Tap: ``POST /one-tap/callback`` (core-surface §8.8).

The Google provider's verifier is pointed at the loopback provider's keys
and issuer (``ID_TOKEN`` override), so the tokens are signed by a key the
test controls and fetched over real HTTP, as Google's JWKS would be.
"""

from __future__ import annotations

from typing import Any

import pytest

from better_auth.models import Account, User

pytestmark = pytest.mark.django_db

GOOGLE_CLIENT = "google-client.apps.googleusercontent.com"


@pytest.fixture
def google(fake_op, better_auth_settings):
    def apply(**options: Any):
        better_auth_settings(
            OUTBOUND={"ALLOW_LOOPBACK": True},
            SOCIAL_PROVIDERS={
                "google": {
                    "CLIENT_ID": GOOGLE_CLIENT,
                    "CLIENT_SECRET": "google-secret",
                    "ONE_TAP": True,
                    "ID_TOKEN": {
                        "ISSUER": fake_op.issuer,
                        "JWKS_URI": fake_op.url + "/jwks",
                    },
                    **options,
                }
            },
        )
        return fake_op

    return apply


def _token(op, **claims: Any) -> str:
    return op.id_token(aud=GOOGLE_CLIENT, sub=claims.pop("sub", "g-1"), **claims)


def _tap(api, token: str):
    return api.post("/one-tap/callback", {"idToken": token})


def test_one_tap_signs_up_and_binds_the_account_to_sub(api, google):
    """OIDC Core §3.1.3.7: a verified token; the account key is (issuer, sub)."""
    op = google()
    response = _tap(api, _token(op))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["token"] and body["user"]["email"] == "ext@example.test"
    assert response.cookies["better-auth.session_token"].value
    account = Account.objects.get()
    assert account.provider_id == "google"
    assert (account.issuer, account.account_id) == (
        "https://accounts.google.com",
        "g-1",
    )


def test_subject_selects_the_owner_not_the_email(api, google, user_factory):
    """The token's email naming another user does not move the sign-in to them."""
    op = google()
    first = _tap(api, _token(op, email="owner@example.test"))
    assert first.status_code == 200, first.content
    owner = User.objects.get(email="owner@example.test")
    other = user_factory(email="other@example.test", email_verified=True)
    again = _tap(api, _token(op, email="other@example.test"))
    assert again.status_code == 200, again.content
    assert again.json()["user"]["id"] == owner.pk != other.pk
    assert not Account.objects.filter(user=other, provider_id="google").exists()


def test_new_subject_with_unverified_local_email_is_not_linked(
    api, google, user_factory
):
    """No pre-hijack: an unproven local address is never taken over by email."""
    op = google()
    user_factory(email="victim@example.test", email_verified=False)
    response = _tap(api, _token(op, sub="g-attacker", email="victim@example.test"))
    assert response.status_code == 401
    assert response.json()["message"] == "account_not_linked"
    assert not Account.objects.filter(provider_id="google").exists()


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "someone-else"},
        {"iss": "https://evil.example"},
        {"exp": 1},
    ],
    ids=["audience", "issuer", "expired"],
)
def test_refused_tokens(api, google, claims):
    """OIDC Core §3.1.3.7 steps 2, 3 and 9: 400 ``invalid id token``."""
    op = google()
    token = op.sign(op.claims(sub="g-1", **{"aud": GOOGLE_CLIENT, **claims}))
    response = _tap(api, token)
    assert response.status_code == 400
    assert response.json() == {"message": "invalid id token"}
    assert not User.objects.exists()


def test_forged_and_alg_none_refused(api, google):
    """RFC 8725 §3.1: ``none`` and a public key used as HMAC secret never pass."""
    op = google()
    for alg in ("none", "HS256"):
        token = op.sign(op.claims(aud=GOOGLE_CLIENT), alg=alg)
        assert _tap(api, token).status_code == 400
    good = _token(op)
    assert _tap(api, good[:-6] + "AAAAAA").status_code == 400


def test_hosted_domain_checked(api, google):
    op = google(HD="corp.example")
    assert _tap(api, _token(op)).status_code == 400
    assert _tap(api, _token(op, hd="corp.example")).status_code == 200


def test_no_email_in_token(api, google):
    op = google()
    response = _tap(api, op.sign(op.claims(aud=GOOGLE_CLIENT, email=None)))
    assert response.status_code == 400
    assert response.json() == {"message": "Email not available in token"}


def test_require_email_verification(api, google):
    op = google(REQUIRE_EMAIL_VERIFICATION=True)
    response = _tap(api, _token(op, email_verified=False))
    assert response.status_code == 403
    assert response.json()["code"] == "EMAIL_NOT_VERIFIED"
    assert "better-auth.session_token" not in response.cookies


def test_not_served_unless_enabled(api, google):
    op = google(ONE_TAP=False)
    response = _tap(api, _token(op))
    assert response.status_code == 404
