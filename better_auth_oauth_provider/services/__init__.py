"""Typed services of the OAuth provider; no request objects below this line."""
