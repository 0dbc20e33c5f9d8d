"""Organizations and members: create, read, update, delete, join, leave."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from better_auth import clock
from better_auth.api import schema as s
from better_auth.errors import APIError

from .. import conf, signals
from ..access import parse_role_list, parse_roles
from ..models import Invitation, Member, Organization, Team, TeamMember
from . import seats
from .permissions import has_permission

__all__ = [
    "add_member",
    "check_slug",
    "create_organization",
    "delete_organization",
    "find_member",
    "list_members",
    "list_organizations",
    "remove_member",
    "update_member_role",
    "update_organization",
]


def _err(status: int, code: str) -> APIError:
    return APIError(status, code)


def _limit(name: str, *args: Any) -> int | None:
    value = conf.value(name)
    if callable(value):
        value = value(*args)
    return None if value is None else int(value)


def find_member(user_id: str, organization_id: str | None) -> Member | None:
    if not organization_id:
        return None
    return (
        Member.objects.select_related("user")
        .filter(user_id=user_id, organization_id=organization_id)
        .first()
    )


def find_organization(organization_id: str | None = None, slug: str | None = None):
    qs = Organization.objects.all()
    if slug is not None:
        return qs.filter(slug=slug).first()
    return qs.filter(pk=organization_id).first() if organization_id else None


def _membership_limit(user: Any, org: Organization) -> int:
    value = conf.value("MEMBERSHIP_LIMIT")
    if callable(value):
        value = value(user, org)
    return int(value or 100)


def _join(org: Organization, user: Any, role: str, *, limit: int | None) -> Member:
    """Insert a member, taking a seat in the same transaction."""
    with transaction.atomic():
        if not seats.reserve(Organization, org.pk, "member_count", limit):
            raise _err(403, "ORGANIZATION_MEMBERSHIP_LIMIT_REACHED")
        try:
            with transaction.atomic():
                member = Member.objects.create(
                    organization=org, user=user, role=role, created_at=clock.now()
                )
        except IntegrityError:
            raise _err(400, "USER_IS_ALREADY_A_MEMBER_OF_THIS_ORGANIZATION") from None
    member.user = user
    signals.send_on_commit(
        signals.member_added,
        Member,
        member=member,
        organization_id=org.pk,
        user_id=user.pk,
    )
    return member


def create_organization(
    user: Any, data: Mapping[str, Any]
) -> tuple[Organization, Member, TeamMember | None]:
    allowed = conf.value("ALLOW_USER_TO_CREATE_ORGANIZATION")
    if callable(allowed):
        allowed = allowed(user)
    if not allowed:
        raise _err(403, "YOU_ARE_NOT_ALLOWED_TO_CREATE_A_NEW_ORGANIZATION")
    limit = _limit("ORGANIZATION_LIMIT", user)
    if limit is not None and Member.objects.filter(user=user).count() >= limit:
        # TODO(scope): the per-user organization limit is check-then-write,
        # as Better Auth's; a user racing themselves may exceed it by one.
        raise _err(403, "YOU_HAVE_REACHED_THE_MAXIMUM_NUMBER_OF_ORGANIZATIONS")
    if Organization.objects.filter(slug=data["slug"]).exists():
        raise _err(400, "ORGANIZATION_ALREADY_EXISTS")
    fields = {
        "name": data["name"],
        "slug": data["slug"],
        "logo": data.get("logo"),
        "metadata": json.dumps(data["metadata"]) if data.get("metadata") else None,
    }
    before = conf.hook("BEFORE_CREATE_ORGANIZATION")
    if before is not None:
        changed = before(organization=dict(fields), user=user)
        if isinstance(changed, Mapping) and "data" in changed:
            fields.update(changed["data"])
    now = clock.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                org = Organization.objects.create(created_at=now, **fields)
        except IntegrityError:
            raise _err(400, "ORGANIZATION_ALREADY_EXISTS") from None
        member = _join(org, user, conf.creator_role(), limit=None)
        team_member = None
        if conf.teams_enabled() and conf.section().TEAMS.DEFAULT_TEAM:
            from .teams import add_team_member, create_team

            team = create_team(org, org.name, user=user, check_limit=False)
            team_member = add_team_member(team, user.pk, limit=None)
    after = conf.hook("AFTER_CREATE_ORGANIZATION")
    if after is not None:
        after(organization=org, user=user, member=member)
    signals.send_on_commit(
        signals.organization_created,
        Organization,
        organization=org,
        user=user,
        member=member,
    )
    return org, member, team_member


def check_slug(slug: str) -> None:
    if Organization.objects.filter(slug=slug).exists():
        raise _err(400, "ORGANIZATION_SLUG_ALREADY_TAKEN")


def _require_member(user_id: str, organization_id: str, code: str) -> Member:
    member = find_member(user_id, organization_id)
    if member is None:
        raise _err(400, code)
    return member


def update_organization(
    user: Any, organization_id: str, data: Mapping[str, Any]
) -> Organization:
    member = _require_member(
        user.pk, organization_id, "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION"
    )
    if not has_permission(member.role, {"organization": ["update"]}, organization_id):
        raise _err(403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_ORGANIZATION")
    slug = data.get("slug")
    if isinstance(slug, str):
        if Organization.objects.filter(slug=slug).exclude(pk=organization_id).exists():
            raise _err(400, "ORGANIZATION_SLUG_ALREADY_TAKEN")
    org = Organization.objects.get(pk=organization_id)
    for key in ("name", "slug", "logo"):
        if key in data:
            setattr(org, key, data[key])
    if "metadata" in data:
        meta = data["metadata"]
        org.metadata = json.dumps(meta) if isinstance(meta, dict) else meta
    org.updated_at = clock.now()
    try:
        with transaction.atomic():
            org.save()
    except IntegrityError:
        raise _err(400, "ORGANIZATION_SLUG_ALREADY_TAKEN") from None
    return org


def delete_organization(user: Any, organization_id: str) -> Organization:
    if conf.section().DISABLE_ORGANIZATION_DELETION:
        raise APIError(
            404, "ORGANIZATION_DELETION_DISABLED", "Organization deletion is disabled"
        )
    member = _require_member(
        user.pk, organization_id, "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION"
    )
    if not has_permission(member.role, {"organization": ["delete"]}, organization_id):
        raise _err(403, "YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_ORGANIZATION")
    org = Organization.objects.filter(pk=organization_id).first()
    if org is None:
        raise APIError(400, None, "Bad Request")
    with transaction.atomic():
        Organization.objects.filter(pk=organization_id).delete()
    return org


def list_organizations(user_id: str) -> list[Organization]:
    return list(
        Organization.objects.filter(members__user_id=user_id).order_by(
            "members__created_at"
        )
    )


def list_members(
    organization_id: str,
    *,
    limit: int | None = None,
    offset: int | None = None,
    sort_by: str | None = None,
    sort_direction: str | None = None,
    filter_field: str | None = None,
    filter_operator: str | None = None,
    filter_value: Any = None,
) -> tuple[list[Member], int]:
    qs = Member.objects.filter(organization_id=organization_id).select_related("user")
    if filter_field:
        qs = qs.filter(_where(filter_field, filter_operator or "eq", filter_value))
    total = qs.count()
    if sort_by:
        column = _MEMBER_FIELDS.get(sort_by)
        if column is None:
            raise APIError(400, None, f"Invalid sort field: {sort_by}")
        qs = qs.order_by(("-" if sort_direction == "desc" else "") + column)
    else:
        qs = qs.order_by("created_at", "id")
    default = conf.value("MEMBERSHIP_LIMIT")
    default = default if isinstance(default, int) and default else 100
    start = offset or 0
    return list(qs[start : start + (limit or default)]), total


_MEMBER_FIELDS = {
    "id": "id",
    "organizationId": "organization_id",
    "userId": "user_id",
    "role": "role",
    "createdAt": "created_at",
}
_OPERATORS = {
    "eq": "exact",
    "ne": "exact",
    "lt": "lt",
    "lte": "lte",
    "gt": "gt",
    "gte": "gte",
    "in": "in",
    "not_in": "in",
    "contains": "contains",
    "starts_with": "startswith",
    "ends_with": "endswith",
}


def _filter_value(column: str, value: Any, lookup: str) -> Any:
    """``value`` as the column's type, or a 400 in Better Auth's shape.

    A date that is not a date, or text no database column can hold (NUL,
    a lone surrogate), would otherwise fail inside the query; the text
    lookups (contains, ...) compare as text and only need storable text.
    """
    problem = None
    if isinstance(value, str):
        problem = s.text_problem(value)
    if problem is None and lookup not in ("contains", "startswith", "endswith"):
        try:
            value = Member._meta.get_field(column).to_python(value)
        except (ValidationError, TypeError, ValueError, OverflowError):
            problem = "Invalid input: value does not match the field's type"
        if value is None:
            problem = "Invalid input: value does not match the field's type"
        elif isinstance(value, datetime) and value.tzinfo is None:
            # JavaScript's Date reads a bare ISO date or time as UTC.
            value = value.replace(tzinfo=UTC)
    if problem:
        raise APIError(
            400, "VALIDATION_ERROR", f"[query.filterValue] {problem}", status_text="400"
        )
    return value


def _where(field: str, operator: str, value: Any) -> Q:
    """A member filter from list-members' ``filterField/Operator/Value``.

    Only the member table's own columns can be named, so the query string
    can never reach another table or a secret column.
    """
    column = _MEMBER_FIELDS.get(field)
    lookup = _OPERATORS.get(operator)
    if column is None or lookup is None:
        raise APIError(400, None, f"Invalid filter: {field} {operator}")
    if lookup == "in" and not isinstance(value, list):
        value = [value]
    if lookup == "in":
        value = [_filter_value(column, item, lookup) for item in value]
    else:
        value = _filter_value(column, value, lookup)
    q = Q(**{f"{column}__{lookup}": value})
    return ~q if operator in ("ne", "not_in") else q


def add_member(
    organization_id: str,
    user: Any,
    role: str | list[str],
    *,
    team_id: str | None = None,
) -> Member:
    """Server-side add (Better Auth's ``addMember``, no HTTP route)."""
    org = Organization.objects.filter(pk=organization_id).first()
    if org is None:
        raise _err(400, "ORGANIZATION_NOT_FOUND")
    if team_id and not conf.teams_enabled():
        raise APIError(400, None, "Teams are not enabled")
    if Member.objects.filter(organization=org, user=user).exists():
        raise _err(400, "USER_IS_ALREADY_A_MEMBER_OF_THIS_ORGANIZATION")
    team = None
    if team_id:
        team = Team.objects.filter(pk=team_id, organization=org).first()
        if team is None:
            raise _err(400, "TEAM_NOT_FOUND")
    limit = _membership_limit(user, org)
    with transaction.atomic():
        member = _join(org, user, parse_roles(role), limit=limit)
        if team is not None:
            from .teams import add_team_member

            add_team_member(team, user.pk, limit=_team_limit(team))
    return member


def _team_limit(team: Team) -> int | None:
    limit = conf.section().TEAMS.MAXIMUM_MEMBERS_PER_TEAM
    if callable(limit):
        limit = limit(team_id=team.pk, organization_id=team.organization_id)
    return None if limit is None else int(limit)


def leave_seat(member: Member) -> None:
    """Delete ``member`` with their team memberships in the organization.

    The delete receivers give every seat back in this transaction.
    """
    with transaction.atomic():
        TeamMember.objects.filter(
            team__organization_id=member.organization_id, user_id=member.user_id
        ).delete()
        Member.objects.filter(pk=member.pk).delete()


def _owners(organization_id: str) -> int:
    creator = conf.creator_role()
    return sum(
        creator in parse_role_list(role)
        for role in Member.objects.filter(organization_id=organization_id).values_list(
            "role", flat=True
        )
    )


def remove_member(actor: Any, organization_id: str, member_id_or_email: str) -> Member:
    me = _require_member(actor.pk, organization_id, "MEMBER_NOT_FOUND")
    qs = Member.objects.select_related("user")
    if "@" in member_id_or_email:
        target = qs.filter(
            organization_id=organization_id,
            user__email=member_id_or_email.lower(),
        ).first()
    else:
        target = qs.filter(pk=member_id_or_email).first()
    if target is None:
        raise _err(400, "MEMBER_NOT_FOUND")
    creator = conf.creator_role()
    if creator in target.roles:
        if creator not in me.roles or _owners(organization_id) <= 1:
            raise _err(400, "YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER")
    if not has_permission(me.role, {"member": ["delete"]}, organization_id):
        raise _err(401, "YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_MEMBER")
    if target.organization_id != organization_id:
        raise _err(400, "MEMBER_NOT_FOUND")
    org = Organization.objects.get(pk=organization_id)
    before = conf.hook("BEFORE_REMOVE_MEMBER")
    if before is not None:
        before(member=target, user=target.user, organization=org)
    leave_seat(target)
    signals.send_on_commit(
        signals.member_removed,
        Member,
        member_id=target.pk,
        organization_id=organization_id,
        user_id=target.user_id,
        reason="removed",
    )
    after = conf.hook("AFTER_REMOVE_MEMBER")
    if after is not None:
        after(member=target, user=target.user, organization=org)
    return target


def update_member_role(
    actor: Any, organization_id: str, member_id: str, role: str | list[str]
) -> Member:
    """Change a member's roles.

    Better Auth 1.7 decides whether the caller may update this member
    before it looks at whether the requested roles exist, so a caller
    without the right cannot probe which role names an organization has.
    """
    wanted = parse_role_list(role)
    if not wanted:
        raise APIError(400, None, "Bad Request")
    me = _require_member(actor.pk, organization_id, "MEMBER_NOT_FOUND")
    target = (
        me
        if me.pk == member_id
        else Member.objects.select_related("user").filter(pk=member_id).first()
    )
    if target is None:
        raise _err(400, "MEMBER_NOT_FOUND")
    if target.organization_id != organization_id:
        raise _err(403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER")
    creator = conf.creator_role()
    updater_is_creator = creator in me.roles
    if not updater_is_creator and (creator in target.roles or creator in wanted):
        raise _err(403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER")
    if (
        updater_is_creator
        and me.pk == target.pk
        and creator not in wanted
        and _owners(organization_id) <= 1
    ):
        raise _err(400, "YOU_CANNOT_LEAVE_THE_ORGANIZATION_WITHOUT_AN_OWNER")
    if not has_permission(
        me.role, {"member": ["update"]}, organization_id, allow_creator_all=True
    ):
        raise _err(403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER")
    from .permissions import unknown_roles

    missing = unknown_roles(organization_id, wanted)
    if missing:
        raise APIError(400, "ROLE_NOT_FOUND", f"ROLE_NOT_FOUND: {', '.join(missing)}")
    new_role = parse_roles(wanted)
    Member.objects.filter(pk=target.pk).update(role=new_role)
    target.role = new_role
    return target


def leave_organization(user: Any, organization_id: str) -> Member:
    member = _require_member(user.pk, organization_id, "MEMBER_NOT_FOUND")
    creator = conf.creator_role()
    if creator in member.roles and _owners(organization_id) <= 1:
        raise _err(400, "YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER")
    leave_seat(member)
    signals.send_on_commit(
        signals.member_removed,
        Member,
        member_id=member.pk,
        organization_id=organization_id,
        user_id=user.pk,
        reason="left",
    )
    return member


def full_organization(
    organization_id: str, *, is_slug: bool, members_limit: int | None
) -> tuple[Organization, list[Invitation], list[Member], list[Team] | None] | None:
    org = find_organization(
        None if is_slug else organization_id, organization_id if is_slug else None
    )
    if org is None:
        return None
    invitations = list(org.invitations.order_by("created_at", "id"))
    default = conf.value("MEMBERSHIP_LIMIT")
    default = default if isinstance(default, int) and default else 100
    members = list(
        org.members.select_related("user").order_by("created_at", "id")[
            : members_limit or default
        ]
    )
    teams = (
        list(org.teams.order_by("created_at", "id")) if conf.teams_enabled() else None
    )
    return org, invitations, members, teams
