"""Admin forms for the user model, whose password lives on the credential account.

Better Auth keeps the password hash on the ``credential`` account row, not on
the user, so these forms never render a hash: ``UserCreationForm`` hashes the
new password through ``User.set_password`` and ``save()`` writes the
credential account in the same transaction as the user.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation

from .models import User

__all__ = ["UserChangeForm", "UserCreationForm"]


class UserCreationForm(forms.ModelForm):
    """Create a user with an email, a name and a password."""

    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Password confirmation",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    class Meta:
        model = User
        fields = ("email", "name")

    def clean_password2(self) -> str:
        first = self.cleaned_data.get("password1")
        second = self.cleaned_data.get("password2")
        if first and second and first != second:
            raise forms.ValidationError(
                "The two password fields didn't match.", code="password_mismatch"
            )
        return second or ""

    def _post_clean(self) -> None:
        # Validate once the instance carries the email and name, so the
        # similarity validator compares the password against them (as
        # Django's own BaseUserCreationForm does).
        super()._post_clean()
        password = self.cleaned_data.get("password2")
        if password:
            try:
                password_validation.validate_password(password, self.instance)
            except forms.ValidationError as error:
                self.add_error("password2", error)

    def save(self, commit: bool = True) -> Any:
        user = super().save(commit=False)
        user.set_password(self.cleaned_data["password1"])
        if commit:
            user.save()
            self.save_m2m()
        return user


class UserChangeForm(forms.ModelForm):
    """Edit a user's profile and permissions; the password has its own form."""

    class Meta:
        model = User
        fields = (
            "email",
            "name",
            "image",
            "email_verified",
            "is_active",
            "is_staff",
            "is_superuser",
            "groups",
            "user_permissions",
        )
