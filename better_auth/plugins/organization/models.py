"""Tables of the organization plugin, column for column as Better Auth's.

``Organization.member_count`` / ``team_count`` and ``Team.member_count`` are
seat counters: every add and remove moves them in the same statement that
checks the limit (``UPDATE … SET n = n + 1 WHERE n < limit``), so limits
hold under concurrency. Only ``Team.member_count`` exists in Better Auth's
schema; none of them is ever rendered.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from better_auth.models._ids import new_id

__all__ = [
    "Invitation",
    "Member",
    "Organization",
    "OrganizationRole",
    "Team",
    "TeamMember",
]


def _id() -> models.CharField:
    return models.CharField(
        primary_key=True, max_length=64, default=new_id, editable=False
    )


class Organization(models.Model):
    id = _id()
    name = models.CharField(max_length=255)
    slug = models.CharField(max_length=255, unique=True)
    logo = models.TextField(null=True, blank=True)  # noqa: DJ001
    # Better Auth stores metadata as a JSON string; kept as text so the
    # rendered value is exactly what was stored.
    metadata = models.TextField(null=True, blank=True)  # noqa: DJ001
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(null=True, blank=True)
    member_count = models.PositiveIntegerField(default=0, editable=False)
    team_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        db_table = "better_auth_organization"

    def __str__(self) -> str:
        return f"{self.name} ({self.slug})"


class Member(models.Model):
    id = _id()
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="members"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="organization_memberships",
    )
    # Several roles are stored comma-joined ("admin,owner"), as Better Auth.
    role = models.CharField(max_length=255, default="member")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "better_auth_member"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user"], name="better_auth_member_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.organization_id} as {self.role}"

    @property
    def roles(self) -> list[str]:
        from .access import parse_role_list

        return parse_role_list(self.role)


class Invitation(models.Model):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    CANCELED = "canceled"
    STATUSES = [(s, s) for s in (PENDING, ACCEPTED, REJECTED, CANCELED)]

    id = _id()
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.CharField(max_length=320, db_index=True)
    role = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    # Comma-joined team ids when the invitation names several teams.
    team_id = models.TextField(null=True, blank=True)  # noqa: DJ001
    status = models.CharField(max_length=16, choices=STATUSES, default=PENDING)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    inviter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="sent_organization_invitations",
    )

    class Meta:
        db_table = "better_auth_invitation"

    def __str__(self) -> str:
        return f"invitation {self.id} ({self.status})"


class Team(models.Model):
    id = _id()
    name = models.CharField(max_length=255)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="teams"
    )
    member_count = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "better_auth_team"

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    id = _id()
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="team_memberships",
    )
    # base64url(SHA-256(JSON.stringify([teamId, userId]))): one row per pair,
    # enforced by the database. Never rendered.
    membership_key = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "better_auth_team_member"

    def __str__(self) -> str:
        return f"{self.user_id} in team {self.team_id}"


class OrganizationRole(models.Model):
    id = _id()
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="roles"
    )
    role = models.CharField(max_length=255, db_index=True)
    # JSON text {resource: [action, ...]}, as Better Auth stores it.
    permission = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "better_auth_organization_role"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "role"],
                name="better_auth_organization_role_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.role} in {self.organization_id}"
