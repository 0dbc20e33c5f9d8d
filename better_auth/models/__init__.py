"""Models of the core app, one module per aggregate."""

from ..keys.models import SigningKey
from .account import Account
from .rate_limit import RateLimit
from .session import Session
from .used_token import UsedToken
from .user import User, UserManager
from .verification import Verification

__all__ = [
    "Account",
    "RateLimit",
    "Session",
    "SigningKey",
    "UsedToken",
    "User",
    "UserManager",
    "Verification",
]
