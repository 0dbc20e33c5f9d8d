"""System checks of the two-factor, email OTP and magic-link plugins."""

from __future__ import annotations

from typing import Any

from better_auth.plugins.email_otp.checks import check_email_otp_settings
from better_auth.plugins.magic_link.checks import check_magic_link_settings
from better_auth.plugins.two_factor.checks import check_two_factor_settings


def test_defaults_are_clean() -> None:
    assert check_two_factor_settings() == []
    assert check_email_otp_settings() == []
    assert check_magic_link_settings() == []


def test_unknown_storage_modes_are_errors(better_auth_settings: Any) -> None:
    better_auth_settings(
        TWO_FACTOR={"OTP_OPTIONS": {"STORE_OTP": "rot13"}},
        EMAIL_OTP={"STORE_OTP": "rot13"},
        MAGIC_LINK={"STORE_TOKEN": "rot13"},
    )
    assert [e.id for e in check_two_factor_settings()] == [
        "better_auth_two_factor.E001"
    ]
    assert [e.id for e in check_email_otp_settings()] == ["better_auth_email_otp.E001"]
    assert [e.id for e in check_magic_link_settings()] == [
        "better_auth_magic_link.E001"
    ]


def test_no_method_at_all_is_a_warning(better_auth_settings: Any) -> None:
    better_auth_settings(TWO_FACTOR={"TOTP_OPTIONS": {"DISABLE": True}})
    assert [e.id for e in check_two_factor_settings()] == [
        "better_auth_two_factor.W001"
    ]
