"""Signals after commit, the validate_user_info gate and endpoint hooks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.dispatch import Signal

from better_auth import signals
from better_auth.models import Session, User
from better_auth.services import accounts_flow
from tests.better_auth.drf_app import hooks
from tests.conftest import AuthClient

PASSWORD = "alice-password-1"
ALL = {
    "user_created": signals.user_created,
    "user_signed_in": signals.user_signed_in,
    "user_signed_out": signals.user_signed_out,
    "session_revoked": signals.session_revoked,
    "password_changed": signals.password_changed,
}


class Recorder:
    """Collects (signal name, kwargs) for every core signal."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        self._receivers: list[tuple[Signal, Any]] = []

    def connect(self) -> None:
        for name, signal in ALL.items():

            def receiver(*, _name: str = name, **kwargs: Any) -> None:
                self.events.append((_name, kwargs))

            signal.connect(receiver, weak=False)
            self._receivers.append((signal, receiver))

    def disconnect(self) -> None:
        for signal, receiver in self._receivers:
            signal.disconnect(receiver)

    def names(self) -> list[str]:
        return [name for name, _ in self.events]

    def one(self, name: str) -> dict[str, Any]:
        found = [kwargs for n, kwargs in self.events if n == name]
        assert len(found) == 1, self.names()
        return found[0]


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    rec = Recorder()
    rec.connect()
    yield rec
    rec.disconnect()
    hooks.calls.clear()


def _assert_no_secret(kwargs: dict[str, Any], *secrets: str) -> None:
    """No kwarg is, or renders as, a password or token."""
    for key, value in kwargs.items():
        for secret in secrets:
            assert secret not in repr(value), key
            assert secret != value, key


def _session_kwarg_keys(kwargs: dict[str, Any]) -> set[str]:
    return {k for k in kwargs if k != "signal"}


# -- signals ----------------------------------------------------------------


def test_sign_up_sends_user_created_and_user_signed_in(
    api: AuthClient, recorder: Recorder, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = api.sign_up(password=PASSWORD)
    token = response.json()["token"]
    user = User.objects.get(email="alice@example.test")
    assert recorder.names() == ["user_created", "user_signed_in"]

    created = recorder.one("user_created")
    assert created["sender"] is User
    assert _session_kwarg_keys(created) == {"sender", "user", "method"}
    assert created["user"] == user and created["method"] == "email"

    signed_in = recorder.one("user_signed_in")
    assert signed_in["sender"] is User
    assert _session_kwarg_keys(signed_in) == {"sender", "user", "session_id", "method"}
    assert Session.objects.get(pk=signed_in["session_id"]).user_id == user.pk
    for kwargs in (created, signed_in):
        _assert_no_secret(kwargs, PASSWORD, token)


def test_signals_wait_for_the_commit(
    api: AuthClient, recorder: Recorder, django_capture_on_commit_callbacks: Any
) -> None:
    """Nothing is sent while the transaction is open."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        api.sign_up()
    assert recorder.events == []
    assert len(callbacks) == 2
    for callback in callbacks:
        callback()
    assert recorder.names() == ["user_created", "user_signed_in"]


def test_sign_in_sends_user_signed_in(
    api: AuthClient, recorder: Recorder, django_capture_on_commit_callbacks: Any
) -> None:
    api.sign_up(password=PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.sign_in(password=PASSWORD)
    assert response.status_code == 200
    event = recorder.one("user_signed_in")
    assert event["method"] == "email"
    assert event["user"].email == "alice@example.test"
    _assert_no_secret(event, PASSWORD, response.json()["token"])


def test_failed_sign_in_sends_nothing(
    api: AuthClient, recorder: Recorder, django_capture_on_commit_callbacks: Any
) -> None:
    api.sign_up()
    recorder.events.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert api.sign_in(password="wrong-password-1").status_code == 401
    assert recorder.events == []


def test_sign_out_sends_user_signed_out_and_session_revoked(
    api: AuthClient, recorder: Recorder, django_capture_on_commit_callbacks: Any
) -> None:
    token = api.sign_up().json()["token"]
    session = Session.objects.get()
    recorder.events.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post("/sign-out").status_code == 200
    assert recorder.names() == ["user_signed_out", "session_revoked"]
    out = recorder.one("user_signed_out")
    assert out["sender"] is Session
    assert _session_kwarg_keys(out) == {"sender", "user_id", "session_id"}
    assert out == {**out, "user_id": session.user_id, "session_id": session.id}
    revoked = recorder.one("session_revoked")
    assert revoked["reason"] == "sign-out" and revoked["session_ids"] == [session.id]
    for kwargs in recorder.events:
        _assert_no_secret(kwargs[1], token)


@pytest.mark.parametrize(
    ("path", "reason", "body_key"),
    [
        ("/revoke-sessions", "revoke-all", None),
        ("/revoke-other-sessions", "revoke-others", None),
        ("/revoke-session", "revoke", "token"),
    ],
)
def test_revocations_send_session_revoked(
    api_factory: Any,
    recorder: Recorder,
    django_capture_on_commit_callbacks: Any,
    path: str,
    reason: str,
    body_key: str | None,
) -> None:
    laptop, phone = api_factory(), api_factory()
    laptop_token = laptop.sign_up().json()["token"]
    phone_token = phone.sign_in().json()["token"]
    phone_id = Session.objects.get(token=phone_token).id
    recorder.events.clear()
    body = {body_key: phone_token} if body_key else None
    with django_capture_on_commit_callbacks(execute=True):
        response = laptop.post(path, body)
    assert response.status_code == 200, response.content
    event = recorder.one("session_revoked")
    assert event["sender"] is Session
    assert _session_kwarg_keys(event) == {"sender", "user_id", "session_ids", "reason"}
    assert event["reason"] == reason
    assert phone_id in event["session_ids"]
    _assert_no_secret(event, laptop_token, phone_token)


def test_change_password_sends_password_changed(
    api: AuthClient, recorder: Recorder, django_capture_on_commit_callbacks: Any
) -> None:
    token = api.sign_up(password=PASSWORD).json()["token"]
    recorder.events.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/change-password",
            {
                "currentPassword": PASSWORD,
                "newPassword": "alice-password-2",
                "revokeOtherSessions": True,
            },
        )
    assert response.status_code == 200, response.content
    event = recorder.one("password_changed")
    assert event["sender"] is User
    assert _session_kwarg_keys(event) == {"sender", "user", "sessions_revoked", "via"}
    assert event["sessions_revoked"] is True and event["via"] == "change-password"
    assert recorder.one("session_revoked")["reason"] == "password-change"
    new_token = response.json()["token"]
    _assert_no_secret(event, PASSWORD, "alice-password-2", token, new_token)


def test_rolled_back_sign_up_sends_nothing(
    db: None, recorder: Recorder, django_capture_on_commit_callbacks: Any
) -> None:
    """A transaction that rolls back takes its signals with it."""
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            accounts_flow.sign_up_email(
                name="Zed",
                email="zed@example.test",
                password=PASSWORD,
                ip_address=None,
                user_agent=None,
            )
            raise RuntimeError("later step failed")
    assert recorder.events == []
    assert not User.objects.filter(email="zed@example.test").exists()


@pytest.mark.django_db(transaction=True)
def test_signals_on_real_commit_and_rollback(recorder: Recorder) -> None:
    """With real transactions: sent once committed, never when rolled back."""
    with transaction.atomic():
        accounts_flow.sign_up_email(
            name="Amy",
            email="amy@example.test",
            password=PASSWORD,
            ip_address=None,
            user_agent=None,
        )
        assert recorder.events == []
    assert recorder.names() == ["user_created", "user_signed_in"]

    recorder.events.clear()
    with pytest.raises(RuntimeError), transaction.atomic():
        accounts_flow.sign_up_email(
            name="Bea",
            email="bea@example.test",
            password=PASSWORD,
            ip_address=None,
            user_agent=None,
        )
        raise RuntimeError("rolled back")
    assert recorder.events == []
    assert not User.objects.filter(email="bea@example.test").exists()


# -- validate_user_info -----------------------------------------------------


def test_gate_refusal_at_sign_up_is_403_with_its_code(
    api: AuthClient, better_auth_settings: Any, recorder: Recorder
) -> None:
    """The gate's error becomes the code, its description the message."""
    better_auth_settings(
        USER={
            "VALIDATE_USER_INFO": "tests.better_auth.drf_app.hooks.refuse_example_org"
        }
    )
    response = api.sign_up(email="eve@example.org")
    assert response.status_code == 403
    assert response.json() == {
        "message": "Sign-ups from example.org are closed",
        "code": "email_domain_not_allowed",
    }
    assert not User.objects.filter(email="eve@example.org").exists()
    assert api.sign_up(email="fay@example.test").status_code == 200


def test_gate_that_raises_is_403_validation_failed(
    api: AuthClient, better_auth_settings: Any
) -> None:
    """The gate fails closed."""
    better_auth_settings(
        USER={"VALIDATE_USER_INFO": "tests.better_auth.drf_app.hooks.broken_gate"}
    )
    response = api.sign_up()
    assert response.status_code == 403
    assert response.json() == {
        "message": "User validation failed",
        "code": "validation_failed",
    }
    assert not User.objects.exists()


def test_gate_receives_the_profile_and_its_source(
    api: AuthClient, better_auth_settings: Any, recorder: Recorder
) -> None:
    better_auth_settings(USER={"VALIDATE_USER_INFO": hooks.allow_all})
    assert api.sign_up(email="Gil@Example.test", name="Gil").status_code == 200
    assert hooks.calls == [
        (
            "gate",
            (
                {
                    "email": "gil@example.test",
                    "name": "Gil",
                    "image": None,
                    "emailVerified": False,
                },
                {"action": "create-user", "method": "email"},
            ),
        )
    ]


def test_gate_without_description_uses_the_code_as_message(
    api: AuthClient, better_auth_settings: Any
) -> None:
    better_auth_settings(
        USER={"VALIDATE_USER_INFO": lambda info, source: {"error": "nope"}}
    )
    response = api.sign_up()
    assert response.status_code == 403
    assert response.json() == {"message": "nope", "code": "nope"}


def test_gate_result_without_error_allows(
    api: AuthClient, better_auth_settings: Any
) -> None:
    """As in Better Auth, only a truthy ``error`` refuses."""
    better_auth_settings(USER={"VALIDATE_USER_INFO": lambda info, source: {}})
    assert api.sign_up().status_code == 200


def test_gate_refusal_in_enumeration_safe_mode_looks_like_success(
    api: AuthClient, better_auth_settings: Any
) -> None:
    """With auto sign-in off, a 403 becomes the synthetic success (§7)."""
    better_auth_settings(
        USER={
            "VALIDATE_USER_INFO": "tests.better_auth.drf_app.hooks.refuse_example_org"
        },
        EMAIL_AND_PASSWORD={"AUTO_SIGN_IN": False},
    )
    response = api.sign_up(email="eve@example.org")
    assert response.status_code == 200
    assert response.json()["token"] is None
    assert not User.objects.filter(email="eve@example.org").exists()


def test_gate_source_must_name_a_method(better_auth_settings: Any) -> None:
    """Better Auth refuses a gate call that does not say where the data is from."""
    from better_auth.errors import APIError
    from better_auth.hooks import validate_user_info

    better_auth_settings(USER={"VALIDATE_USER_INFO": hooks.allow_all})
    cases = [
        ({}, "User validation source is required"),
        ({"method": "oauth"}, "OAuth user validation source requires oauth.providerId"),
        (
            {"method": "sso-saml", "sso": {}},
            "SSO user validation source requires sso.providerId",
        ),
    ]
    for source, message in cases:
        with pytest.raises(APIError) as raised:
            validate_user_info({"email": "a@example.test"}, source)
        assert raised.value.status == 403
        assert raised.value.body() == {
            "message": message,
            "code": "validation_source_missing",
        }
    validate_user_info(
        {"email": "a@example.test"},
        {"action": "sign-in", "method": "oauth", "oauth": {"providerId": "google"}},
    )


# -- before / after hooks ---------------------------------------------------


def test_before_hook_short_circuits(
    api: AuthClient, better_auth_settings: Any, recorder: Recorder
) -> None:
    """A before-hook's result answers the request; the handler never runs."""
    better_auth_settings(
        HOOKS={"BEFORE": ["tests.better_auth.drf_app.hooks.block_sign_up"]}
    )
    response = api.sign_up()
    assert response.status_code == 418
    assert response.json() == {"blocked": True}
    assert not User.objects.exists()
    assert hooks.calls == [("before", "/sign-up/email")]


def test_before_hook_returning_none_lets_the_request_through(
    api: AuthClient, better_auth_settings: Any, recorder: Recorder
) -> None:
    better_auth_settings(
        HOOKS={"BEFORE": ["tests.better_auth.drf_app.hooks.block_sign_up"]}
    )
    response = api.get("/get-session")
    assert response.status_code == 200 and response.content == b"null"
    assert hooks.calls == [("before", "/get-session")]


def test_after_hook_replaces_the_result(
    api: AuthClient, better_auth_settings: Any, recorder: Recorder
) -> None:
    better_auth_settings(
        HOOKS={"AFTER": ["tests.better_auth.drf_app.hooks.tag_get_session"]}
    )
    assert api.get("/get-session").json() == {"replaced": True}
    response = api.sign_up()
    assert response.status_code == 200 and response.json()["user"]
    assert hooks.calls == [("after", "/get-session"), ("after", "/sign-up/email")]


def test_after_hook_sees_errors_and_may_replace_them(
    api: AuthClient, better_auth_settings: Any
) -> None:
    from better_auth.api.context import JSON
    from better_auth.errors import APIError

    seen: list[Any] = []

    def soften(ctx: Any, result: Any) -> Any:
        seen.append(result)
        if isinstance(result, APIError):
            return JSON({"softened": result.code}, status=200)
        return None

    better_auth_settings(HOOKS={"AFTER": [soften]})
    response = api.sign_in(email="nobody@example.test")
    assert response.json() == {"softened": "INVALID_EMAIL_OR_PASSWORD"}
    assert isinstance(seen[0], APIError)
