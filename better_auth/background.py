"""Whether deferred work goes to Celery or runs in the process.

Email delivery and back-channel logout both follow one rule, so a deployment
that configures a broker gets every kind of deferred work queued, and one
without Celery installed never tries to import it.
"""

from __future__ import annotations

from django.conf import settings

__all__ = ["use_celery"]


def use_celery(configured: bool | None) -> bool:
    """The explicit ``configured`` setting, else whether Celery can take work.

    Without a setting, Celery is used when it is installed and a broker (or
    eager mode, as in tests) is configured.
    """
    if configured is not None:
        return bool(configured)
    try:
        import celery  # noqa: F401
    except ImportError:
        return False
    return bool(
        getattr(settings, "CELERY_BROKER_URL", None)
        or getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False)
    )
