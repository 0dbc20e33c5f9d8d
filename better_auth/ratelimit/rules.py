"""Which limit applies to a path (Better Auth 1.7 rate limiter, core-surface §6.3).

Resolution runs in Better Auth's order, each step overriding the one before:

1. the default ``RATE_LIMIT.WINDOW`` / ``RATE_LIMIT.MAX`` (10 s / 100);
2. the built-in special rules for credential and email-sending paths;
3. the first matching rule of an installed plugin (magic-link, email-otp,
   two-factor, ...), registered with :func:`register_plugin_rules`;
4. ``RATE_LIMIT.CUSTOM_RULES[path]``: an exact path, or a glob when the key
   contains ``*``. The value is ``{"window": s, "max": n}``, ``False`` for no
   limit, or a callable (or dotted path to one) called as
   ``rule(request, {"window", "max"})`` that returns one of those, or None to
   keep the limit resolved so far.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.utils.module_loading import import_string

from ..conf import auth_settings
from ..security.origins import _glob_match

__all__ = [
    "PLUGIN_RULES",
    "SPECIAL_RULES",
    "PathRule",
    "Rule",
    "configured_windows",
    "register_plugin_rules",
    "resolve_rule",
]


@dataclass(frozen=True)
class Rule:
    """A limit: at most ``max`` requests per ``window`` seconds."""

    window: int
    max: int


@dataclass(frozen=True)
class PathRule:
    """A limit that applies to the paths ``matches`` accepts."""

    matches: Callable[[str], bool]
    window: int
    max: int


def _starts_with(*prefixes: str) -> Callable[[str], bool]:
    return lambda path: path.startswith(prefixes)


def _one_of(*paths: str) -> Callable[[str], bool]:
    return frozenset(paths).__contains__


def _is_credential_path(path: str) -> bool:
    return path.startswith(
        ("/sign-in", "/sign-up", "/change-password", "/change-email")
    )


def _is_email_sending_path(path: str) -> bool:
    return path.startswith("/forget-password") or path in (
        "/request-password-reset",
        "/send-verification-email",
        "/email-otp/send-verification-otp",
        "/email-otp/request-password-reset",
    )


SPECIAL_RULES: tuple[PathRule, ...] = (
    PathRule(_is_credential_path, 10, 3),
    PathRule(_is_email_sending_path, 60, 3),
)

# Rules Better Auth's own plugins declare; a plugin app registers its set from
# ``AppConfig.ready()`` with ``register_plugin_rules("<name>")``.
PLUGIN_RULES: dict[str, tuple[PathRule, ...]] = {
    "magic-link": (
        PathRule(_starts_with("/sign-in/magic-link", "/magic-link/verify"), 60, 5),
    ),
    "email-otp": tuple(
        PathRule(_one_of(path), 60, 3)
        for path in (
            "/email-otp/send-verification-otp",
            "/email-otp/check-verification-otp",
            "/email-otp/verify-email",
            "/sign-in/email-otp",
            "/email-otp/request-password-reset",
            "/email-otp/reset-password",
            "/forget-password/email-otp",
            "/email-otp/request-email-change",
            "/email-otp/change-email",
        )
    ),
    "two-factor": (PathRule(_starts_with("/two-factor/"), 10, 3),),
}

_registered: dict[str, tuple[PathRule, ...]] = {}


def register_plugin_rules(plugin: str, rules: Sequence[PathRule] | None = None) -> None:
    """Activate a plugin's rules; without ``rules`` its entry in PLUGIN_RULES.

    Registering the same plugin again replaces its rules, so ``ready()`` may
    run more than once. Plugins are consulted in registration order and the
    first matching rule of all of them wins, as in Better Auth.
    """
    chosen = tuple(rules) if rules is not None else PLUGIN_RULES.get(plugin)
    if chosen is None:
        raise ValueError(f"no built-in rate-limit rules for plugin {plugin!r}")
    _registered[plugin] = chosen


def _custom_value(value: Any) -> Any:
    return import_string(value) if isinstance(value, str) else value


def _as_rule(value: Any, current: Rule, where: str) -> Rule | None | bool:
    """Normalise a custom rule value; False means "no limit", None "keep"."""
    if value is None or value is False:
        return value
    if isinstance(value, Rule):
        return value
    if isinstance(value, Mapping):
        lowered = {str(k).lower(): v for k, v in value.items()}
        try:
            return Rule(
                int(lowered.get("window", current.window)),
                int(lowered.get("max", current.max)),
            )
        except (TypeError, ValueError):
            pass
    raise ImproperlyConfigured(
        f"RATE_LIMIT CUSTOM_RULES[{where!r}] must be {{'window', 'max'}}, False, "
        "or a callable returning one of them."
    )


def _custom_rule(request: HttpRequest, path: str, current: Rule) -> Rule | None:
    rules = auth_settings.RATE_LIMIT.CUSTOM_RULES
    for pattern, raw in rules.items():
        hit = _glob_match(pattern, path) if "*" in pattern else pattern == path
        if not hit:
            continue
        value = _custom_value(raw)
        if callable(value):
            value = value(request, {"window": current.window, "max": current.max})
        resolved = _as_rule(value, current, pattern)
        if resolved is False:
            return None
        return resolved if isinstance(resolved, Rule) else current
    return current


def resolve_rule(request: HttpRequest, path: str) -> Rule | None:
    """The limit for ``path``, or None when a custom rule lifts it."""
    cfg = auth_settings.RATE_LIMIT
    rule = Rule(int(cfg.WINDOW), int(cfg.MAX))
    special = next((r for r in SPECIAL_RULES if r.matches(path)), None)
    if special is not None:
        rule = Rule(special.window, special.max)
    for plugin_rules in _registered.values():
        hit = next((r for r in plugin_rules if r.matches(path)), None)
        if hit is not None:
            rule = Rule(hit.window, hit.max)
            break
    return _custom_rule(request, path, rule)


def configured_windows() -> list[int]:
    """Every window a rule can resolve to, for pruning stale counters."""
    windows = [int(auth_settings.RATE_LIMIT.WINDOW)]
    windows += [r.window for r in SPECIAL_RULES]
    windows += [r.window for rules in _registered.values() for r in rules]
    for value in auth_settings.RATE_LIMIT.CUSTOM_RULES.values():
        if isinstance(value, Mapping):
            lowered = {str(k).lower(): v for k, v in value.items()}
            if isinstance(lowered.get("window"), int):
                windows.append(lowered["window"])
    return [w for w in windows if w > 0]
