"""An OAuth 2.1 / OpenID Connect authorization server on django-oauth-toolkit."""

__all__: list[str] = []
