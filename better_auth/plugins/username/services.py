"""Sign-in by username and password."""

from __future__ import annotations

from better_auth.errors import APIError
from better_auth.models import User
from better_auth.services import passwords
from better_auth.services.accounts_flow import SignInResult, open_password_session

from .rules import normalize, username_problem

__all__ = ["sign_in_username"]


def sign_in_username(
    *,
    username: str,
    password: str,
    ip_address: str | None,
    user_agent: str | None,
    remember_me: bool = True,
    callback_url: str | None = None,
    auth_url: str | None = None,
) -> SignInResult:
    """Check the password of the user holding ``username`` and open a session.

    Unknown username, no password and wrong password all answer 401
    ``INVALID_USERNAME_OR_PASSWORD`` after exactly one hash operation, so
    timing does not tell which usernames exist (OWASP ASVS V2.2).
    """
    if not username or not password:
        raise APIError(401, "INVALID_USERNAME_OR_PASSWORD")
    problem = username_problem(username)
    if problem:
        raise APIError(422, problem)
    passwords.refuse_over_long_password(password)
    return open_password_session(
        User.objects.filter(username=normalize(username)).first(),
        password,
        error_code="INVALID_USERNAME_OR_PASSWORD",
        method="username",
        ip_address=ip_address,
        user_agent=user_agent,
        remember_me=remember_me,
        callback_url=callback_url,
        auth_url=auth_url,
    )
