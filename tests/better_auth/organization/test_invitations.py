"""Invitations: invite, resend, accept, reject, cancel, read, list (§8.5)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from better_auth import clock
from better_auth.plugins.organization.models import Invitation

from .conftest import code


def _invite(owner: Any, email: str, role: Any = "member", **extra: Any) -> Any:
    return owner.post(
        "/organization/invite-member", {"email": email, "role": role, **extra}
    )


def test_invitation_shape(owner: Any, org: Any) -> None:
    body = _invite(owner, "Bob@Example.test").json()
    assert list(body) == [
        "organizationId",
        "email",
        "role",
        "status",
        "expiresAt",
        "createdAt",
        "inviterId",
        "id",
    ]
    assert body["email"] == "bob@example.test" and body["status"] == "pending"


def test_invite_rules(owner: Any, org: Any, signed_in: Any) -> None:
    assert code(_invite(owner, "not-an-email")) == (400, "INVALID_EMAIL")
    unknown = _invite(owner, "a@example.test", "wizard")
    assert unknown.status_code == 400
    assert unknown.json() == {"message": "ROLE_NOT_FOUND: wizard"}
    assert code(_invite(owner, "a@example.test", [])) == (400, "ROLE_NOT_FOUND")
    _invite(owner, "a@example.test")
    again = _invite(owner, "a@example.test")
    assert code(again) == (400, "USER_IS_ALREADY_INVITED_TO_THIS_ORGANIZATION")
    assert code(_invite(owner, owner.email)) == (
        400,
        "USER_IS_ALREADY_A_MEMBER_OF_THIS_ORGANIZATION",
    )
    stranger = signed_in()
    refused = stranger.post(
        "/organization/invite-member",
        {"email": "z@example.test", "role": "member", "organizationId": org["id"]},
    )
    assert code(refused) == (400, "MEMBER_NOT_FOUND")


def test_members_cannot_invite_and_admins_cannot_invite_owners(
    owner: Any, org: Any, signed_in: Any
) -> None:
    bob, admin = signed_in(), signed_in()
    for person, role in ((bob, "member"), (admin, "admin")):
        invitation = _invite(owner, person.email, role).json()
        person.post(
            "/organization/accept-invitation", {"invitationId": invitation["id"]}
        )
    assert code(_invite(bob, "x@example.test")) == (
        403,
        "YOU_ARE_NOT_ALLOWED_TO_INVITE_USERS_TO_THIS_ORGANIZATION",
    )
    assert code(_invite(admin, "x@example.test", "owner")) == (
        403,
        "YOU_ARE_NOT_ALLOWED_TO_INVITE_USER_WITH_THIS_ROLE",
    )


def test_resend_extends_and_reinvite_can_cancel(
    owner: Any, org: Any, org_settings: Any
) -> None:
    first = _invite(owner, "a@example.test").json()
    Invitation.objects.filter(pk=first["id"]).update(
        expires_at=clock.now() + timedelta(minutes=5)
    )
    resent = _invite(owner, "a@example.test", resend=True).json()
    assert resent["id"] == first["id"] and resent["expiresAt"] > first["createdAt"]
    org_settings(CANCEL_PENDING_INVITATIONS_ON_REINVITE=True)
    fresh = _invite(owner, "a@example.test").json()
    assert fresh["id"] != first["id"]
    assert Invitation.objects.get(pk=first["id"]).status == "canceled"


def test_invitation_limit(owner: Any, org: Any, org_settings: Any) -> None:
    org_settings(INVITATION_LIMIT=1)
    _invite(owner, "a@example.test")
    assert code(_invite(owner, "b@example.test")) == (403, "INVITATION_LIMIT_REACHED")


def test_accept_joins_and_activates(owner: Any, org: Any, signed_in: Any) -> None:
    bob = signed_in()
    invitation = _invite(owner, bob.email, "admin").json()
    accepted = bob.post(
        "/organization/accept-invitation", {"invitationId": invitation["id"]}
    )
    body = accepted.json()
    assert list(body) == ["invitation", "member"]
    assert body["invitation"]["status"] == "accepted"
    assert body["member"]["role"] == "admin" and body["member"]["userId"] == bob.user.id
    assert (
        bob.get("/get-session").json()["session"]["activeOrganizationId"] == org["id"]
    )
    twice = bob.post(
        "/organization/accept-invitation", {"invitationId": invitation["id"]}
    )
    assert code(twice) == (400, "INVITATION_NOT_FOUND")


def test_accept_by_someone_else_or_after_expiry(
    owner: Any, org: Any, signed_in: Any
) -> None:
    bob, eve = signed_in(), signed_in()
    invitation = _invite(owner, bob.email).json()
    wrong = eve.post(
        "/organization/accept-invitation", {"invitationId": invitation["id"]}
    )
    assert code(wrong) == (403, "YOU_ARE_NOT_THE_RECIPIENT_OF_THE_INVITATION")
    Invitation.objects.filter(pk=invitation["id"]).update(
        expires_at=clock.now() - timedelta(seconds=1)
    )
    late = bob.post(
        "/organization/accept-invitation", {"invitationId": invitation["id"]}
    )
    assert code(late) == (400, "INVITATION_NOT_FOUND")


def test_email_verification_can_be_required(
    owner: Any, org: Any, signed_in: Any, org_settings: Any
) -> None:
    org_settings(REQUIRE_EMAIL_VERIFICATION_ON_INVITATION=True)
    bob = signed_in()
    invitation = _invite(owner, bob.email).json()
    response = bob.post(
        "/organization/accept-invitation", {"invitationId": invitation["id"]}
    )
    assert code(response) == (
        403,
        "EMAIL_VERIFICATION_REQUIRED_BEFORE_ACCEPTING_OR_REJECTING_INVITATION",
    )


def test_reject_and_cancel(owner: Any, org: Any, signed_in: Any) -> None:
    bob = signed_in()
    invitation = _invite(owner, bob.email).json()
    rejected = bob.post(
        "/organization/reject-invitation", {"invitationId": invitation["id"]}
    )
    assert rejected.json()["member"] is None
    assert rejected.json()["invitation"]["status"] == "rejected"
    again = bob.post(
        "/organization/reject-invitation", {"invitationId": invitation["id"]}
    )
    assert again.json() == {
        "message": "Invitation not found!",
        "code": "INVITATION_NOT_FOUND",
    }
    other = _invite(owner, "c@example.test").json()
    canceled = owner.post(
        "/organization/cancel-invitation", {"invitationId": other["id"]}
    )
    assert canceled.json()["status"] == "canceled"


def test_cancel_needs_permission(owner: Any, org: Any, signed_in: Any) -> None:
    bob = signed_in()
    invitation = _invite(owner, bob.email).json()
    bob.post("/organization/accept-invitation", {"invitationId": invitation["id"]})
    other = _invite(owner, "c@example.test").json()
    refused = bob.post("/organization/cancel-invitation", {"invitationId": other["id"]})
    assert code(refused) == (403, "YOU_ARE_NOT_ALLOWED_TO_CANCEL_THIS_INVITATION")


def test_get_invitation(owner: Any, org: Any, signed_in: Any) -> None:
    bob = signed_in()
    invitation = _invite(owner, bob.email).json()
    body = bob.get("/organization/get-invitation", {"id": invitation["id"]}).json()
    assert body["organizationName"] == "Acme" and body["organizationSlug"] == "acme"
    assert body["inviterEmail"] == owner.email
    assert list(body)[-3:] == ["organizationName", "organizationSlug", "inviterEmail"]
    eve = signed_in()
    denied = eve.get("/organization/get-invitation", {"id": invitation["id"]})
    assert code(denied) == (403, "YOU_ARE_NOT_THE_RECIPIENT_OF_THE_INVITATION")


def test_list_invitations_hides_owner_invitations_from_admins(
    owner: Any, org: Any, signed_in: Any
) -> None:
    admin = signed_in()
    invitation = _invite(owner, admin.email, "admin").json()
    admin.post("/organization/accept-invitation", {"invitationId": invitation["id"]})
    _invite(owner, "boss@example.test", "owner")
    _invite(owner, "m@example.test", "member")
    assert len(owner.get("/organization/list-invitations").json()) == 3
    seen = {i["email"] for i in admin.get("/organization/list-invitations").json()}
    assert seen == {admin.email, "m@example.test"}


def test_list_invitations_refused_for_members(
    owner: Any, org: Any, signed_in: Any
) -> None:
    bob = signed_in()
    invitation = _invite(owner, bob.email).json()
    bob.post("/organization/accept-invitation", {"invitationId": invitation["id"]})
    response = bob.get("/organization/list-invitations")
    assert code(response) == (403, "YOU_ARE_NOT_ALLOWED_TO_LIST_INVITATIONS")


def test_list_user_invitations(owner: Any, org: Any, signed_in: Any) -> None:
    verified = signed_in(verified=True)
    _invite(owner, verified.email)
    rows = verified.get("/organization/list-user-invitations").json()
    assert [r["organizationName"] for r in rows] == ["Acme"]
    unverified = signed_in()
    response = unverified.get("/organization/list-user-invitations")
    assert code(response) == (403, "EMAIL_VERIFICATION_REQUIRED_FOR_INVITATION")
    passed = verified.get("/organization/list-user-invitations", {"email": "x@y.z"})
    assert passed.status_code == 400


def test_invitation_email_hook(
    owner: Any, org: Any, org_settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    sent: list[dict[str, Any]] = []
    org_settings(SEND_INVITATION_EMAIL=lambda data, request: sent.append(data))
    with django_capture_on_commit_callbacks(execute=True):
        _invite(owner, "Hook@example.test")
    assert sent[0]["email"] == "hook@example.test"
    assert sent[0]["organization"].slug == "acme"
