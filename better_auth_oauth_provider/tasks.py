"""Celery tasks of the OAuth provider. Tasks take plain values, never tokens.

Back-Channel Logout 1.0 §2.8: a relying party that does not answer 200 or
204 has not logged the user out, so the delivery is retried with
exponential backoff (``BACKCHANNEL_LOGOUT_MAX_RETRIES``,
``BACKCHANNEL_LOGOUT_RETRY_BACKOFF``). Settings are read when the task
runs, never at import.
"""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)

__all__ = ["deliver_logout_token"]


@shared_task(
    bind=True,
    name="better_auth_oauth_provider.deliver_logout_token",
    ignore_result=True,
)
def deliver_logout_token(self, client_id: str, user_id: str, session_id: str) -> bool:
    """Post a fresh Logout Token to the client; retry while it fails."""
    from .conf import section
    from .services.backchannel_logout import deliver, retry_delay

    outcome = deliver(client_id, user_id, session_id)
    if outcome is not False:
        return bool(outcome)
    retries = int(self.request.retries or 0)
    limit = max(0, int(section().BACKCHANNEL_LOGOUT_MAX_RETRIES))
    if retries >= limit:
        logger.error(
            "back-channel logout to client %s abandoned after %s attempts",
            client_id,
            retries + 1,
        )
        return False
    raise self.retry(countdown=retry_delay(retries), max_retries=limit)
