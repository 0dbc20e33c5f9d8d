from django.db import migrations, models


class Migration(migrations.Migration):
    """The user's ``twoFactorEnabled`` flag (two-factor plugin; nullable)."""

    dependencies = [
        ("better_auth", "0004_session_organization"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="two_factor_enabled",
            field=models.BooleanField(default=False, null=True),
        ),
    ]
