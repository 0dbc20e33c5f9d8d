"""A SCIM 2.0 server, users and groups scoped per organization."""

__all__: list[str] = []
