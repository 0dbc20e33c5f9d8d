"""Admin endpoints given numbers and field names beyond what a column holds.

Better Auth's admin routes (list-users, ban-user, create-user) take numbers
from the query or JSON body and free-form ``data``; none of them may reach
the database or the clock as a value it cannot hold.
"""

from __future__ import annotations

from typing import Any

import pytest

from better_auth.models import User
from tests.conftest import AuthClient


@pytest.mark.parametrize(
    "value",
    [
        "1e300",
        "inf",
        "Infinity",
        "-Infinity",
        "1e400",
        "99999999999999999999999",
        "nan",
        "-5",
    ],
)
def test_list_users_pages_clamp_out_of_range_numbers(
    admin_api: AuthClient, target: Any, value: str
) -> None:
    """``limit``/``offset`` follow JavaScript's ``Number(value) || undefined``
    and are clamped to a page the database can express."""
    for name in ("limit", "offset"):
        response = admin_api.get("/admin/list-users", {name: value})
        assert response.status_code == 200, (name, value, response.content)
        assert response.json()["total"] == 2


@pytest.mark.parametrize("seconds", [1e12, -1e12, 10**30])
def test_ban_expiry_beyond_any_date_is_a_400(
    admin_api: AuthClient, target: Any, seconds: float
) -> None:
    """A ban that would end past the last representable date is refused in
    zod's shape, and the user is left unbanned."""
    response = admin_api.post(
        "/admin/ban-user", {"userId": target.pk, "banExpiresIn": seconds}
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert User.objects.get(pk=target.pk).banned is False


def test_create_user_top_level_fields_win_over_data(admin_api: AuthClient) -> None:
    """Better Auth spreads ``data`` first and then sets ``email``, ``name``
    and ``role`` from the body, so the body's own fields win."""
    response = admin_api.post(
        "/admin/create-user",
        {
            "email": "top@example.test",
            "name": "Top",
            "data": {"name": "Data", "email": "data@example.test", "image": "x"},
        },
    )
    assert response.status_code == 200, response.content
    user = response.json()["user"]
    assert (user["email"], user["name"], user["image"]) == (
        "top@example.test",
        "Top",
        "x",
    )
    assert not User.objects.filter(email="data@example.test").exists()


@pytest.mark.parametrize("value", ["a\x00b", "\x00"])
@pytest.mark.parametrize("name", ["filterValue", "searchValue"])
def test_list_users_text_no_column_can_hold_matches_nothing(
    admin_api: AuthClient, target: Any, name: str, value: str
) -> None:
    """NUL cannot be stored in PostgreSQL text: on every database it is a
    400 VALIDATION_ERROR or matches no user, never a failure in the driver."""
    response = admin_api.get("/admin/list-users", {name: value})
    if response.status_code == 400:
        assert response.json()["code"] == "VALIDATION_ERROR"
    else:
        assert response.status_code == 200, response.content
        assert response.json()["users"] == []
