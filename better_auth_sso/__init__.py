"""Enterprise single sign-on: SAML 2.0 service provider and OIDC."""

__all__: list[str] = []
