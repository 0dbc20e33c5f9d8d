from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("better_auth", "0002_signing_keys"),
    ]

    operations = [
        migrations.CreateModel(
            name="UsedToken",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                ("key", models.CharField(max_length=64, unique=True)),
                ("expires_at", models.DateTimeField(db_index=True)),
            ],
            options={
                "db_table": "better_auth_used_token",
            },
        ),
    ]
