"""A separate app extending the authorization server through its public API."""
