# Protected resources (RFC 8707 / RFC 9728) and client-resource links.

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models
from oauth2_provider.settings import oauth2_settings


class Migration(migrations.Migration):

    dependencies = [
        ('better_auth_oauth_provider', '0001_initial'),
        ('oauth2_provider', '0022_refreshtoken_token_family_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='Resource',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('identifier', models.CharField(max_length=512, unique=True)),
                ('name', models.CharField(blank=True, default='', max_length=255)),
                ('enabled', models.BooleanField(default=True)),
                ('access_token_ttl', models.PositiveIntegerField(blank=True, null=True, validators=[django.core.validators.MinValueValidator(1)])),
                ('refresh_token_ttl', models.PositiveIntegerField(blank=True, null=True, validators=[django.core.validators.MinValueValidator(1)])),
                ('allowed_scopes', models.JSONField(blank=True, null=True)),
                ('custom_claims', models.JSONField(blank=True, null=True)),
                ('signing_algorithm', models.CharField(blank=True, choices=[('EdDSA', 'EdDSA'), ('ES256', 'ES256'), ('ES512', 'ES512'), ('PS256', 'PS256'), ('RS256', 'RS256')], default='', max_length=8)),
                ('signing_key_id', models.CharField(blank=True, default='', max_length=64)),
                ('dpop_required', models.BooleanField(default=False)),
                ('metadata', models.JSONField(blank=True, null=True)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                'db_table': 'better_auth_oauth_resource',
                'ordering': ['identifier'],
            },
        ),
        migrations.CreateModel(
            name='ClientResource',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('metadata', models.JSONField(blank=True, null=True)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('client', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='better_auth_resource_links', to=oauth2_settings.APPLICATION_MODEL)),
                ('resource', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='client_links', to='better_auth_oauth_provider.resource')),
            ],
            options={
                'db_table': 'better_auth_oauth_client_resource',
                'constraints': [models.UniqueConstraint(fields=('client', 'resource'), name='better_auth_oauth_client_resource_unique')],
            },
        ),
    ]
