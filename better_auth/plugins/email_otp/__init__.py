"""Email OTP plugin: Better Auth 1.7 ``emailOTP()`` for Django (core-surface §8.3).

Add ``"better_auth.plugins.email_otp"`` to ``INSTALLED_APPS``. One-time
numeric codes, mailed by ``BETTER_AUTH["EMAIL_OTP"]["SEND_VERIFICATION_OTP"]``,
sign users in, verify addresses, reset passwords and change addresses.
"""
