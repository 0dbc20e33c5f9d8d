"""Seat counters follow every delete, however it happens.

A member, team member or team can disappear through the services, the
admin, or a cascade (deleting a user deletes their memberships). Each
delete gives its seat back here, in the deleting transaction, so the
counters stay exact on every path. Adds only happen in the services,
which take the seat in the statement that checks the limit.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete
from django.dispatch import receiver

from .models import Member, Organization, Team, TeamMember
from .services import seats


@receiver(post_delete, sender=Member, dispatch_uid="better_auth_org_member_seat")
def _member_deleted(sender: Any, instance: Member, **kwargs: Any) -> None:
    seats.release(Organization, instance.organization_id, "member_count")


@receiver(post_delete, sender=TeamMember, dispatch_uid="better_auth_org_team_seat")
def _team_member_deleted(sender: Any, instance: TeamMember, **kwargs: Any) -> None:
    seats.release(Team, instance.team_id, "member_count")


@receiver(post_delete, sender=Team, dispatch_uid="better_auth_org_team_slot")
def _team_deleted(sender: Any, instance: Team, **kwargs: Any) -> None:
    seats.release(Organization, instance.organization_id, "team_count")
