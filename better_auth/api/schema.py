"""Request-body and query validation with Better Auth's error messages.

Better Auth validates with zod before a handler runs and answers 400
``VALIDATION_ERROR`` with ``"[body.name] Invalid input: expected string,
received undefined; [body.email] ..."``. Clients and tests match these
strings, so this small validator reproduces zod's wording for the shapes the
endpoints use instead of translating another library's messages.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import APIError

__all__ = [
    "deep_text_problem",
    "UNDEFINED",
    "Field",
    "Schema",
    "boolean",
    "coerce_boolean",
    "email",
    "number",
    "string",
]

_MISSING = object()
# JavaScript's ``undefined``: what a request without a body validates as.
UNDEFINED = _MISSING
# zod's email pattern (v4 default), which is what decides "Invalid email address".
_EMAIL = re.compile(
    r"^(?!\.)(?!.*\.\.)([A-Za-z0-9_'+\-\.]*)[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$"
)


MAX_EMAIL_LENGTH = 320  # the user table's column; RFC 5321 §4.5.3.1 allows less


def is_email(value: str) -> bool:
    return len(value) <= MAX_EMAIL_LENGTH and bool(_EMAIL.match(value))


def _type_name(value: Any) -> str:
    if value is _MISSING:
        return "undefined"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or None.

    JSON may carry a lone UTF-16 surrogate (``"\\ud800"``) or a NUL
    (``"\\u0000"``); neither can be encoded or stored in PostgreSQL text,
    so they are refused as input instead of failing at the database.
    """
    if "\x00" in value:
        return "Invalid input: string must not contain NUL characters"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "Invalid input: string must be valid Unicode"
    return None


def deep_text_problem(value: Any, limit: int = 100_000) -> str | None:
    """:func:`text_problem` of every string inside ``value`` (keys included).

    Nested objects, lists and free-form values reach the database and the
    JSON renderer as well as top-level strings do, so they are held to the
    same rule. Walks iteratively; ``limit`` bounds the work on huge bodies.
    """
    stack = [value]
    seen = 0
    while stack and seen < limit:
        item = stack.pop()
        seen += 1
        if isinstance(item, str):
            problem = text_problem(item)
            if problem:
                return problem
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return None


# The type test of each field kind, and the zod type name its error reports
# when that differs from the kind (a string map is zod's record of strings,
# whose message says "object").
_KIND_CHECKS: dict[str, Callable[[Any], bool]] = {
    "string": lambda value: isinstance(value, str),
    "boolean": lambda value: isinstance(value, bool),
    "number": lambda value: (
        isinstance(value, (int, float)) and not isinstance(value, bool)
    ),
    "object": lambda value: isinstance(value, dict),
    "string_list": lambda value: isinstance(value, list),
    "string_map": lambda value: isinstance(value, dict),
}
_EXPECTED = {"string_list": "array", "string_map": "object"}


@dataclass(frozen=True)
class Field:
    kind: str
    optional: bool = False
    nullable: bool = False
    check: Callable[[Any], str | None] | None = None

    def validate(self, value: Any) -> tuple[Any, str | None]:
        if self.kind == "coerce_boolean":
            if value is _MISSING:
                return False, None
            if isinstance(value, list):
                value = value[-1] if value else ""
            return bool(value), None
        if value is _MISSING and self.optional:
            return _MISSING, None
        if value is None and self.nullable:
            return None, None
        if self.kind == "any":
            return value, deep_text_problem(value)
        if not _KIND_CHECKS[self.kind](value):
            expected = _EXPECTED.get(self.kind, self.kind)
            return (
                value,
                f"Invalid input: expected {expected}, received {_type_name(value)}",
            )
        if self.kind == "string":
            problem = text_problem(value)
            if problem:
                return value, problem
        if self.kind in ("object", "string_list", "string_map"):
            problem = deep_text_problem(value)
            if problem:
                return value, problem
        if self.kind == "string_list" and not all(isinstance(v, str) for v in value):
            return value, "Invalid input: expected string"
        if self.kind == "string_map" and not all(
            isinstance(v, str) for v in value.values()
        ):
            return value, "Invalid input: expected string"
        if self.check is not None:
            problem = self.check(value)
            if problem:
                return value, problem
        return value, None


def string(
    *, optional: bool = False, nullable: bool = False, min_length: int = 0
) -> Field:
    """``z.string()``; ``min_length=1`` is ``.nonempty()`` / ``.min(1)``."""
    if not min_length:
        return Field("string", optional, nullable)

    def long_enough(value: str) -> str | None:
        if len(value) >= min_length:
            return None
        return f"Too small: expected string to have >={min_length} characters"

    return Field("string", optional, nullable, check=long_enough)


def email(*, optional: bool = False) -> Field:
    return Field(
        "string",
        optional,
        check=lambda v: None if is_email(v) else "Invalid email address",
    )


def boolean(*, optional: bool = False) -> Field:
    return Field("boolean", optional)


def number(*, optional: bool = False) -> Field:
    return Field("number", optional)


def coerce_boolean() -> Field:
    """``z.coerce.boolean()``: any non-empty string, even "false", is true."""
    return Field("coerce_boolean", True)


def any_value(*, optional: bool = True) -> Field:
    return Field("any", optional)


def string_list(*, optional: bool = True) -> Field:
    return Field("string_list", optional)


def string_map(*, optional: bool = True) -> Field:
    return Field("string_map", optional)


@dataclass(frozen=True)
class Schema:
    """An object schema. Unknown keys are dropped unless ``passthrough``.

    ``containers`` names the zod types the whole value must be, each
    reporting its own error when it is not an object: ``("object",)`` is
    ``z.object(…)``, ``("record",)`` is ``z.record(…)`` and
    ``("object", "record")`` is ``z.object(…).and(z.record(…))``.
    ``required`` makes a missing body fail as zod's ``undefined`` does;
    without it a missing body validates as ``{}`` (``z.object(…).optional()``
    then behaves the same for the fields).
    """

    fields: Mapping[str, Field] = field(default_factory=dict)
    passthrough: bool = False
    strict: bool = False
    containers: tuple[str, ...] = ("object",)
    required: bool = False

    def validate(self, data: Any, where: str) -> dict[str, Any]:
        if data is UNDEFINED and not self.required:
            data = {}
        if not isinstance(data, dict):
            received = _type_name(data)
            raise APIError(
                400,
                "VALIDATION_ERROR",
                "; ".join(
                    f"[{where}] Invalid input: expected {kind}, received {received}"
                    for kind in self.containers
                ),
                status_text="400",
            )
        problems: list[str] = []
        out: dict[str, Any] = dict(data) if self.passthrough else {}
        for name, spec in self.fields.items():
            value, problem = spec.validate(data.get(name, _MISSING))
            if problem:
                problems.append(f"[{where}.{name}] {problem}")
            elif value is not _MISSING:
                out[name] = value
        if self.strict:
            for name in data:
                if name not in self.fields:
                    problems.append(f'[{where}] Unrecognized key: "{name}"')
        elif self.passthrough:
            for name, value in data.items():
                if name in self.fields:
                    continue
                problem = text_problem(name) or deep_text_problem(value)
                if problem:
                    # The key may be the unprintable part: name it only if not.
                    label = where if text_problem(name) else f"{where}.{name}"
                    problems.append(f"[{label}] {problem}")
        if problems:
            raise APIError(
                400, "VALIDATION_ERROR", "; ".join(problems), status_text="400"
            )
        return out
