"""DPoP at this server: proofs on token requests and on protected resources.

:mod:`..oauth.dpop` decides whether a proof is well formed for a request;
this module adds what needs the deployment: the request's public URL (the
issuer's origin, not whatever Host header arrived, so a proxy cannot make a
proof for another URL pass), the algorithm allowlist and proof age from
settings, server nonces (RFC 9449 §8, §9; Better Auth has none), and the
replay check, one atomic :func:`better_auth.storage.replay.first_use` per
proof (§11.1).

Errors follow the RFC: at the token endpoint 400 ``invalid_dpop_proof`` or
``use_dpop_nonce`` with a fresh ``DPoP-Nonce`` (§8); at a resource 401 with
``WWW-Authenticate: DPoP error=...`` and ``algs`` (§7.1, §9).

Importing this module declares the ``dpop`` capability, so discovery
advertises ``dpop_signing_alg_values_supported`` and registration accepts
``dpop_bound_access_tokens``; the token endpoint imports it at app ready.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.http import HttpRequest

from better_auth import clock
from better_auth.conf import auth_settings
from better_auth.storage.replay import first_use

from .. import capabilities
from ..conf import issuer, section
from ..errors import InvalidDpopProof
from ..oauth import dpop

logger = logging.getLogger(__name__)

__all__ = [
    "DPoPResult",
    "ProofBinder",
    "bind_tokens",
    "client_requires_dpop",
    "nonce_headers",
    "proof_header",
    "public_url",
    "resource_challenge",
    "token_binder",
    "verify_resource_proof",
    "verify_token_request_proof",
]

# (expected jkt or "", proof required) -> the jkt the tokens bind to, or "".
ProofBinder = Callable[[str, bool], str]

REPLAY_NAMESPACE = "dpop"
USED = "DPoP proof jti has already been used"
MISSING = "DPoP proof header is required"


@dataclass(frozen=True)
class DPoPResult:
    """A proof that passed, and the key it binds to."""

    jkt: str
    proof: dpop.Proof


def _cfg() -> Any:
    return section()


def algorithms() -> list[str]:
    return list(_cfg().DPOP_SIGNING_ALGORITHMS)


def _secret() -> bytes:
    material = f"dpop-nonce:{auth_settings.SECRET or ''}".encode()
    return hashlib.sha256(material).digest()


def _now() -> int:
    return int(clock.now().timestamp())


def nonce_headers() -> dict[str, str]:
    """``DPoP-Nonce`` for the next proof, when nonces are on (§8.1)."""
    if not _cfg().DPOP_REQUIRE_NONCE:
        return {}
    window = int(_cfg().DPOP_NONCE_LIFETIME)
    return {"DPoP-Nonce": dpop.issue_nonce(_secret(), _now(), window)}


def public_url(request: HttpRequest, origin: str | None = None) -> str:
    """The URL the client was meant to call: ``origin`` (default: the
    issuer's scheme and host) with this request's path; the query is left
    out, as the ``htu`` comparison ignores it."""
    base = urlsplit(origin or issuer())
    return urlunsplit((base.scheme, base.netloc, request.path, "", ""))


def client_requires_dpop(profile: Any) -> bool:
    """The client registered ``dpop_bound_access_tokens`` (RFC 9449 §5.2),
    as a column or in its free-form metadata, as Better Auth reads it."""
    if profile is None:
        return False
    if getattr(profile, "dpop_bound_access_tokens", False) is True:
        return True
    metadata = getattr(profile, "metadata", None)
    return (
        isinstance(metadata, dict) and metadata.get("dpop_bound_access_tokens") is True
    )


def proof_header(request: HttpRequest) -> str | None:
    """The one ``DPoP`` header value; two are refused (§4.3 check 1).

    A header that is present but empty is a malformed proof, not an absent
    one: treating it as absent would let a client that meant to bind its
    tokens silently receive bearer tokens."""
    values = request.META.get("HTTP_DPOP")
    if values is None:
        return None
    if "," in values:
        raise InvalidDpopProof("exactly one DPoP header is allowed")
    if not values.strip():
        raise InvalidDpopProof("DPoP proof header is empty")
    return values.strip()


def _check(
    request: HttpRequest,
    proof: str,
    *,
    access_token: str | None,
    expected_jkt: str | None,
    origin: str | None = None,
) -> DPoPResult:
    cfg = _cfg()
    nonce = None
    if cfg.DPOP_REQUIRE_NONCE:
        secret, window = _secret(), int(cfg.DPOP_NONCE_LIFETIME)

        def nonce(value: Any) -> bool:
            return dpop.check_nonce(secret, value, _now(), window)

    checked = dpop.check_proof(
        proof,
        method=request.method or "GET",
        url=public_url(request, origin),
        now=_now(),
        algorithms=algorithms(),
        max_age=int(cfg.DPOP_PROOF_MAX_AGE),
        access_token=access_token,
        expected_jkt=expected_jkt,
        nonce=nonce,
    )
    until = datetime.fromtimestamp(checked.replay_until, UTC)
    if not first_use(REPLAY_NAMESPACE, checked.replay_key, until):
        raise dpop.DPoPProofError(USED)
    return DPoPResult(checked.jkt, checked)


def verify_token_request_proof(
    request: HttpRequest, *, expected_jkt: str | None, required: bool
) -> DPoPResult | None:
    """The proof of a token request, or None when none was sent and none is
    required (§5). A bound code or refresh token (``expected_jkt``) always
    requires one from the same key."""
    proof = proof_header(request)
    if proof is None:
        if required or expected_jkt:
            raise InvalidDpopProof(MISSING, headers=nonce_headers())
        return None
    try:
        return _check(request, proof, access_token=None, expected_jkt=expected_jkt)
    except dpop.DPoPProofError as error:
        logger.info("DPoP proof refused at the token endpoint: %s", error.description)
        raise InvalidDpopProof(
            error.description, error=error.error, headers=nonce_headers()
        ) from None


def token_binder(request: HttpRequest) -> ProofBinder:
    """The proof check of one token request, for the grant to call once it
    knows the bound key and whether a proof is required (§5)."""

    def bind(expected_jkt: str, required: bool) -> str:
        result = verify_token_request_proof(
            request, expected_jkt=expected_jkt or None, required=required
        )
        return result.jkt if result is not None else ""

    return bind


def bind_tokens(
    binder: ProofBinder | None,
    *,
    profile: Any,
    dpop_required: bool,
    expected_jkt: str,
) -> str:
    """The key the new tokens bind to, or "" for bearer tokens (§5).

    A proof is required when the client registered
    ``dpop_bound_access_tokens``, a resource requires bound tokens, or the
    code (``dpop_jkt`` at authorization, §10) or refresh token is bound, to
    ``expected_jkt``; an optional proof that is valid binds as well.
    Without a ``binder`` (no HTTP request) there can be no proof.
    """
    required = client_requires_dpop(profile) or dpop_required or bool(expected_jkt)
    if binder is None:
        if required:
            raise InvalidDpopProof(MISSING, headers=nonce_headers())
        return ""
    return binder(expected_jkt, required)


def resource_challenge(error: str, description: str) -> str:
    """RFC 9449 §7.1 challenge: ``DPoP`` with the error and ``algs``."""
    algs = " ".join(algorithms())
    text = description.replace("\\", "\\\\").replace('"', '\\"')
    return f'DPoP error="{error}", error_description="{text}", algs="{algs}"'


def _resource_proof_header(request: HttpRequest) -> str:
    try:
        proof = proof_header(request)
    except InvalidDpopProof as error:
        raise dpop.DPoPProofError(error.description or MISSING) from None
    if proof is None:
        raise dpop.DPoPProofError(MISSING)
    return proof


def verify_resource_proof(
    request: HttpRequest, *, access_token: str, jkt: str, origin: str | None = None
) -> DPoPResult:
    """A resource request with a DPoP-bound token: the proof must be for
    this request, carry ``ath`` of the token and be signed by its key (§7).

    ``origin`` is the resource's public scheme and host when it is not the
    issuer's (``DPOP_RESOURCE_ORIGIN``)."""
    try:
        proof = _resource_proof_header(request)
        return _check(
            request,
            proof,
            access_token=access_token,
            expected_jkt=jkt,
            origin=origin or _cfg().DPOP_RESOURCE_ORIGIN or None,
        )
    except dpop.DPoPProofError as error:
        logger.info("DPoP proof refused at a resource: %s", error.description)
        challenge = resource_challenge(error.error, error.description)
        headers = {"WWW-Authenticate": challenge}
        headers.update(nonce_headers())
        raise InvalidDpopProof(
            error.description, error=error.error, status=401, headers=headers
        ) from None


capabilities.declare("dpop")
