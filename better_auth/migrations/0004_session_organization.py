from django.db import migrations, models


class Migration(migrations.Migration):
    """Session columns of the organization plugin (nullable, no foreign key)."""

    dependencies = [
        ("better_auth", "0003_used_tokens"),
    ]

    operations = [
        migrations.AddField(
            model_name="session",
            name="active_organization_id",
            field=models.CharField(blank=True, max_length=64, null=True),
        ),
        migrations.AddField(
            model_name="session",
            name="active_team_id",
            field=models.CharField(blank=True, max_length=64, null=True),
        ),
    ]
