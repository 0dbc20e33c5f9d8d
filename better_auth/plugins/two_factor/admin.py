"""Admin for two-factor settings: state only, never the secret or the codes."""

from __future__ import annotations

from django.contrib import admin

from .models import TwoFactor


@admin.register(TwoFactor)
class TwoFactorAdmin(admin.ModelAdmin):
    list_display = ("user", "verified", "failed_verification_count", "locked_until")
    list_filter = ("verified",)
    search_fields = ("user__email",)
    fields = ("user", "verified", "failed_verification_count", "locked_until")
    readonly_fields = ("user", "verified")
    actions = ["unlock"]

    def has_add_permission(self, request: object) -> bool:
        return False

    @admin.action(description="Lift the failed-attempt lock")
    def unlock(self, request: object, queryset: object) -> None:
        queryset.update(failed_verification_count=0, locked_until=None)  # type: ignore[attr-defined]
