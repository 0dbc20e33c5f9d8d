"""Signals: the plugin sends the core ones (``user_created`` and
``user_signed_in`` with ``method="email-otp"``, ``email_verified``,
``password_changed`` with ``via="reset-password"``); it defines none.
"""
