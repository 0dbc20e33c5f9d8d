"""Admin pages for organizations, teams and invitations.

Members and team members are added only through the API and services,
which take a seat in the statement that checks the limit; removing a
member here is allowed, its delete receiver gives the seat back. Nothing
secret is stored here; ``membership_key`` is a digest and is not shown.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from .models import Invitation, Member, Organization, OrganizationRole, Team, TeamMember


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class MemberInline(_ReadOnlyInline):
    model = Member
    can_delete = True
    fields = readonly_fields = ("user", "role", "created_at")


class InvitationInline(_ReadOnlyInline):
    model = Invitation
    fields = readonly_fields = ("email", "role", "status", "expires_at", "inviter")


class TeamMemberInline(_ReadOnlyInline):
    model = TeamMember
    fields = readonly_fields = ("user", "created_at")


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "member_count", "created_at")
    search_fields = ("name", "slug")
    readonly_fields = ("id", "member_count", "team_count", "created_at", "updated_at")
    inlines = [MemberInline, InvitationInline]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "member_count", "created_at")
    search_fields = ("name", "organization__slug")
    readonly_fields = ("id", "member_count", "created_at", "updated_at")
    inlines = [TeamMemberInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "organization", "role", "status", "expires_at")
    list_filter = ("status",)
    search_fields = ("email", "organization__slug")
    readonly_fields = ("id", "created_at", "inviter")


@admin.register(OrganizationRole)
class OrganizationRoleAdmin(admin.ModelAdmin):
    list_display = ("role", "organization", "created_at")
    search_fields = ("role", "organization__slug")
