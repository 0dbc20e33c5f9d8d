"""Invitations: invite, resend, accept, reject, cancel, read and list."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.db import transaction

from better_auth import clock
from better_auth.api.schema import is_email
from better_auth.errors import APIError

from .. import conf, signals
from ..access import parse_role_list, parse_roles
from ..models import Invitation, Member, Organization, Team
from . import organizations as orgs
from .permissions import has_permission, unknown_roles

logger = logging.getLogger(__name__)

__all__ = [
    "accept_invitation",
    "can_view_invitations",
    "cancel_invitation",
    "invite_member",
    "reject_invitation",
    "visible_invitations",
]


def _err(status: int, code: str, message: str | None = None) -> APIError:
    return APIError(status, code, message)


def _expires_at():
    return clock.now() + timedelta(
        seconds=conf.section().INVITATION_EXPIRES_IN or 172800
    )


def _pending(**filters: Any):
    return Invitation.objects.filter(
        status=Invitation.PENDING, expires_at__gt=clock.now(), **filters
    )


def can_view_invitations(role: str, organization_id: str) -> bool:
    """Invitation ids work as invitation links: only inviters may see them."""
    return has_permission(role, {"invitation": ["create"]}, organization_id)


def visible_invitations(invitations: list[Invitation], role: str) -> list[Invitation]:
    """Hide invitations granting the creator role from members without it."""
    creator = conf.creator_role()
    if creator in parse_role_list(role):
        return invitations
    return [i for i in invitations if creator not in parse_role_list(i.role)]


def _send(
    invitation: Invitation, org: Organization, member: Member, user: Any, request: Any
) -> None:
    sender = conf.value("SEND_INVITATION_EMAIL")
    if sender is None:
        return
    data = {
        "id": invitation.id,
        "role": invitation.role,
        "email": invitation.email.lower(),
        "organization": org,
        "inviter": {"member": member, "user": user},
        "invitation": invitation,
    }
    transaction.on_commit(lambda: sender(data, request))


def invite_member(
    inviter: Any,
    organization_id: str,
    email: str,
    role: str | list[str],
    *,
    resend: bool = False,
    team_ids: list[str] | None = None,
    request: Any = None,
) -> Invitation:
    email = email.lower()
    if not is_email(email):
        raise _err(400, "INVALID_EMAIL")
    member = orgs.find_member(inviter.pk, organization_id)
    if member is None:
        raise _err(400, "MEMBER_NOT_FOUND")
    if not has_permission(member.role, {"invitation": ["create"]}, organization_id):
        raise _err(403, "YOU_ARE_NOT_ALLOWED_TO_INVITE_USERS_TO_THIS_ORGANIZATION")
    creator = conf.creator_role()
    wanted = parse_role_list(role)
    if not wanted:
        raise _err(400, "ROLE_NOT_FOUND")
    missing = unknown_roles(organization_id, wanted)
    if missing:
        # Better Auth answers this one without a code.
        raise APIError(400, None, f"ROLE_NOT_FOUND: {', '.join(missing)}")
    if creator not in member.roles and creator in wanted:
        raise _err(403, "YOU_ARE_NOT_ALLOWED_TO_INVITE_USER_WITH_THIS_ROLE")
    if Member.objects.filter(
        organization_id=organization_id, user__email=email
    ).exists():
        raise _err(400, "USER_IS_ALREADY_A_MEMBER_OF_THIS_ORGANIZATION")
    already = list(_pending(organization_id=organization_id, email=email))
    cancel_old = conf.section().CANCEL_PENDING_INVITATIONS_ON_REINVITE
    if already and not resend and not cancel_old:
        raise _err(400, "USER_IS_ALREADY_INVITED_TO_THIS_ORGANIZATION")
    org = Organization.objects.filter(pk=organization_id).first()
    if org is None:
        raise _err(400, "ORGANIZATION_NOT_FOUND")
    if already and resend:
        existing = already[0]
        if creator not in member.roles and creator in parse_role_list(existing.role):
            raise _err(403, "YOU_ARE_NOT_ALLOWED_TO_INVITE_USER_WITH_THIS_ROLE")
        existing.expires_at = _expires_at()
        Invitation.objects.filter(pk=existing.pk).update(expires_at=existing.expires_at)
        _send(existing, org, member, inviter, request)
        return existing
    if already and cancel_old:
        Invitation.objects.filter(pk=already[0].pk).update(status=Invitation.CANCELED)
    limit = conf.value("INVITATION_LIMIT")
    if callable(limit):
        limit = limit(user=inviter, organization=org, member=member)
    limit = 100 if limit is None else int(limit)
    # TODO(scope): the invitation limit is check-then-write, as in Better
    # Auth; concurrent invites may exceed it by the number of racers.
    if _pending(organization_id=organization_id).count() >= limit:
        raise _err(403, "INVITATION_LIMIT_REACHED")
    team_ids = list(team_ids or [])
    if conf.teams_enabled() and team_ids:
        if any("," in t for t in team_ids):
            raise _err(400, "INVALID_TEAM_ID")
        for team_id in team_ids:
            team = Team.objects.filter(
                pk=team_id, organization_id=organization_id
            ).first()
            if team is None:
                raise _err(400, "TEAM_NOT_FOUND")
            limit = orgs._team_limit(team)
            if limit is not None and team.member_count >= limit:
                raise _err(403, "TEAM_MEMBER_LIMIT_REACHED")
    else:
        team_ids = []
    data = {"role": parse_roles(wanted), "email": email}
    before = conf.hook("BEFORE_CREATE_INVITATION")
    if before is not None:
        changed = before(invitation=dict(data), inviter=inviter, organization=org)
        if isinstance(changed, dict) and "data" in changed:
            data.update(changed["data"])
    invitation = Invitation.objects.create(
        organization=org,
        email=data["email"],
        role=data["role"],
        team_id=",".join(team_ids) if team_ids else None,
        status=Invitation.PENDING,
        expires_at=_expires_at(),
        created_at=clock.now(),
        inviter=inviter,
    )
    _send(invitation, org, member, inviter, request)
    after = conf.hook("AFTER_CREATE_INVITATION")
    if after is not None:
        after(invitation=invitation, inviter=inviter, organization=org)
    return invitation


def _require_verified() -> bool:
    configured = conf.section().REQUIRE_EMAIL_VERIFICATION_ON_INVITATION
    # Invitation ids here are always random, so Better Auth's default
    # (require only when ids are guessable) is "not required".
    return bool(configured)


def _check_recipient(invitation: Invitation, user: Any, code: str) -> None:
    if invitation.email.lower() != user.email.lower():
        raise _err(403, "YOU_ARE_NOT_THE_RECIPIENT_OF_THE_INVITATION")
    if _require_verified() and not user.email_verified:
        raise _err(403, code)


def accept_invitation(
    user: Any, invitation_id: str
) -> tuple[Invitation, Member, str | None]:
    """Accept: flip pending → accepted once, then join (and join teams).

    The status change is one conditional UPDATE, so two concurrent accepts
    of one invitation create one member; if joining fails the invitation is
    pending again.
    """
    invitation = Invitation.objects.filter(pk=invitation_id).first()
    if (
        invitation is None
        or invitation.expires_at < clock.now()
        or invitation.status != Invitation.PENDING
    ):
        raise _err(400, "INVITATION_NOT_FOUND")
    _check_recipient(
        invitation,
        user,
        "EMAIL_VERIFICATION_REQUIRED_BEFORE_ACCEPTING_OR_REJECTING_INVITATION",
    )
    org = Organization.objects.filter(pk=invitation.organization_id).first()
    if org is None:
        raise _err(400, "ORGANIZATION_NOT_FOUND")
    if org.member_count >= orgs._membership_limit(user, org):
        raise _err(403, "ORGANIZATION_MEMBERSHIP_LIMIT_REACHED")
    before = conf.hook("BEFORE_ACCEPT_INVITATION")
    if before is not None:
        before(invitation=invitation, user=user, organization=org)
    active_team: str | None = None
    with transaction.atomic():
        flipped = Invitation.objects.filter(
            pk=invitation.pk, status=Invitation.PENDING
        ).update(status=Invitation.ACCEPTED)
        if not flipped:
            raise _err(400, "INVITATION_NOT_FOUND")
        invitation.status = Invitation.ACCEPTED
        if conf.teams_enabled() and invitation.team_id:
            from .teams import add_team_member

            team_ids = invitation.team_id.split(",")
            for team_id in team_ids:
                team = Team.objects.filter(pk=team_id, organization=org).first()
                if team is None:
                    raise _err(400, "TEAM_NOT_FOUND")
                add_team_member(team, user.pk, limit=orgs._team_limit(team))
            if len(team_ids) == 1:
                active_team = team_ids[0]
        member = orgs._join(
            org,
            user,
            parse_roles(invitation.role),
            limit=orgs._membership_limit(user, org),
        )
    signals.send_on_commit(
        signals.invitation_accepted, Invitation, invitation=invitation, member=member
    )
    after = conf.hook("AFTER_ACCEPT_INVITATION")
    if after is not None:
        after(invitation=invitation, member=member, user=user, organization=org)
    return invitation, member, active_team


def reject_invitation(user: Any, invitation_id: str) -> Invitation:
    invitation = Invitation.objects.filter(pk=invitation_id).first()
    if invitation is None or invitation.status != Invitation.PENDING:
        raise _err(400, "INVITATION_NOT_FOUND", "Invitation not found!")
    _check_recipient(
        invitation,
        user,
        "EMAIL_VERIFICATION_REQUIRED_BEFORE_ACCEPTING_OR_REJECTING_INVITATION",
    )
    if not Organization.objects.filter(pk=invitation.organization_id).exists():
        raise _err(400, "ORGANIZATION_NOT_FOUND")
    Invitation.objects.filter(pk=invitation.pk).update(status=Invitation.REJECTED)
    invitation.status = Invitation.REJECTED
    return invitation


def cancel_invitation(user: Any, invitation_id: str) -> Invitation:
    invitation = Invitation.objects.filter(pk=invitation_id).first()
    if invitation is None:
        raise _err(400, "INVITATION_NOT_FOUND")
    member = orgs.find_member(user.pk, invitation.organization_id)
    if member is None:
        raise _err(400, "MEMBER_NOT_FOUND")
    if not has_permission(
        member.role, {"invitation": ["cancel"]}, invitation.organization_id
    ):
        raise _err(403, "YOU_ARE_NOT_ALLOWED_TO_CANCEL_THIS_INVITATION")
    Invitation.objects.filter(pk=invitation.pk).update(status=Invitation.CANCELED)
    invitation.status = Invitation.CANCELED
    return invitation


def get_invitation(
    user: Any, invitation_id: str
) -> tuple[Invitation, Organization, Member]:
    invitation = Invitation.objects.filter(pk=invitation_id).first()
    if (
        invitation is None
        or invitation.status != Invitation.PENDING
        or invitation.expires_at < clock.now()
    ):
        raise _err(400, "INVITATION_NOT_FOUND")
    _check_recipient(invitation, user, "EMAIL_VERIFICATION_REQUIRED_FOR_INVITATION")
    org = Organization.objects.filter(pk=invitation.organization_id).first()
    if org is None:
        raise _err(400, "ORGANIZATION_NOT_FOUND")
    inviter = orgs.find_member(invitation.inviter_id, org.pk)
    if inviter is None:
        raise _err(400, "INVITER_IS_NO_LONGER_A_MEMBER_OF_THE_ORGANIZATION")
    return invitation, org, inviter


def list_invitations(user: Any, organization_id: str) -> list[Invitation]:
    member = orgs.find_member(user.pk, organization_id)
    if member is None:
        raise APIError(403, None, "You are not a member of this organization")
    if not can_view_invitations(member.role, organization_id):
        raise _err(403, "YOU_ARE_NOT_ALLOWED_TO_LIST_INVITATIONS")
    rows = list(
        Invitation.objects.filter(organization_id=organization_id).order_by(
            "created_at", "id"
        )
    )
    return visible_invitations(rows, member.role)


def list_user_invitations(email: str) -> list[tuple[Invitation, str]]:
    rows = Invitation.objects.filter(email=email.lower(), status=Invitation.PENDING)
    rows = rows.select_related("organization").order_by("created_at", "id")
    return [(inv, inv.organization.name) for inv in rows]
