from django.db import migrations, models


class Migration(migrations.Migration):
    """Columns of the admin, username and anonymous plugins (all nullable)."""

    dependencies = [
        ("better_auth", "0005_user_two_factor"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="role",
            field=models.TextField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="user",
            name="banned",
            field=models.BooleanField(default=False, null=True),
        ),
        migrations.AddField(
            model_name="user",
            name="ban_reason",
            field=models.TextField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="user",
            name="ban_expires",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="user",
            name="username",
            field=models.CharField(blank=True, max_length=255, null=True, unique=True),
        ),
        migrations.AddField(
            model_name="user",
            name="display_username",
            field=models.TextField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="user",
            name="is_anonymous",
            field=models.BooleanField(default=False, null=True),
        ),
        migrations.AddField(
            model_name="session",
            name="impersonated_by",
            field=models.CharField(blank=True, max_length=64, null=True),
        ),
    ]
