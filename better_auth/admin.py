"""Admin pages. No secret, token or hash is ever displayed or searchable.

Session tokens are bearer credentials, credential accounts hold password
hashes, provider tokens unlock someone else's API and verification values
are one-time secrets: the pages show ids, kinds and whether a secret is held,
never the value, and ``search_fields`` never name a secret column, so a
search box cannot be used as an oracle for one.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.html import format_html

from .forms import UserChangeForm, UserCreationForm
from .models import Account, Session, User, Verification
from .services.sessions import revoke_all_sessions

__all__ = ["AccountAdmin", "SessionAdmin", "UserAdmin", "VerificationAdmin"]


class AccountInline(admin.TabularInline):
    model = Account
    extra = 0
    fields = ("provider_id", "issuer", "account_id", "scope", "created_at")
    readonly_fields = fields
    can_delete = True
    show_change_link = False

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    ordering = ("-created_at",)
    list_display = (
        "email",
        "name",
        "email_verified",
        "is_staff",
        "is_active",
        "created_at",
    )
    list_filter = ("email_verified", "is_staff", "is_superuser", "is_active")
    search_fields = ("email", "name")
    readonly_fields = (
        "id",
        "password_status",
        "created_at",
        "updated_at",
        "last_login",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "id",
                    "email",
                    "name",
                    "image",
                    "email_verified",
                    "password_status",
                )
            },
        ),
        (
            "Permissions",
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                )
            },
        ),
        ("Dates", {"fields": ("created_at", "updated_at", "last_login")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "name", "password1", "password2"),
            },
        ),
    )
    inlines = [AccountInline]
    actions = ["revoke_sessions"]

    def get_inlines(self, request: Any, obj: Any = None) -> list[Any]:
        """No accounts to list before the user exists."""
        return list(self.inlines) if obj is not None else []

    @admin.display(description="password")
    def password_status(self, obj: User) -> str:
        """Say whether a password is set and link to the change form."""
        state = "set" if obj.pk and obj.has_usable_password() else "not set"
        if not obj.pk:
            return state
        return format_html('{} (<a href="../password/">change</a>)', state)

    @admin.action(description="Revoke all sessions of the selected users")
    def revoke_sessions(self, request: Any, queryset: Any) -> None:
        revoked = 0
        for user in queryset:
            revoked += len(revoke_all_sessions(user, reason="admin"))
        self.message_user(
            request,
            f"Revoked {revoked} session(s) of {queryset.count()} user(s).",
            messages.SUCCESS,
        )


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "user",
        "created_at",
        "expires_at",
        "ip_address",
        "short_agent",
    )
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    search_fields = ("user__email", "id", "ip_address")
    fields = (
        "id",
        "user",
        "token_hint",
        "created_at",
        "updated_at",
        "expires_at",
        "ip_address",
        "user_agent",
    )
    readonly_fields = fields
    ordering = ("-created_at",)

    @admin.display(description="token")
    def token_hint(self, obj: Session) -> str:
        return "•" * 8 + " (hidden)"

    @admin.display(description="user agent")
    def short_agent(self, obj: Session) -> str:
        return (obj.user_agent or "")[:60]

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "provider_id", "issuer", "account_id", "created_at")
    list_select_related = ("user",)
    list_filter = ("provider_id",)
    raw_id_fields = ("user",)
    search_fields = ("user__email", "account_id", "issuer")
    fields = (
        "id",
        "user",
        "provider_id",
        "issuer",
        "account_id",
        "scope",
        "secrets_held",
        "access_token_expires_at",
        "refresh_token_expires_at",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields

    @admin.display(description="credentials held")
    def secrets_held(self, obj: Account) -> str:
        """Name the secrets the row holds, never their values."""
        held = [
            label
            for label, present in (
                ("password hash", obj.password),
                ("access token", obj.access_token),
                ("refresh token", obj.refresh_token),
                ("ID token", obj.id_token),
            )
            if present
        ]
        return ", ".join(held) or "none"

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Verification)
class VerificationAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "created_at", "expires_at")
    # Never the identifier (a token digest) nor the value: a search box would
    # let an operator probe them character by character.
    search_fields = ("id",)
    fields = ("id", "kind", "created_at", "expires_at")
    readonly_fields = fields
    ordering = ("-created_at",)

    @admin.display(description="kind")
    def kind(self, obj: Verification) -> str:
        return obj.kind

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False
