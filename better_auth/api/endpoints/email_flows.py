"""Email verification, password reset, email change and account deletion."""
