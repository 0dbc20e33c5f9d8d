# Token contexts: session_id and authorization_code indexed for equality only
# (no LIKE-only varchar_pattern_ops index on PostgreSQL).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('better_auth_oauth_provider', '0002_resources'),
    ]

    operations = [
        *[
            migrations.AlterField(
                model_name=model,
                name=field,
                field=models.CharField(blank=True, default='', max_length=64),
            )
            for model in ('accesstokencontext', 'refreshtokencontext')
            for field in ('session_id', 'authorization_code')
        ],
        migrations.AddIndex(
            model_name='accesstokencontext',
            index=models.Index(fields=['session_id'], name='ba_oauth_atc_session_id'),
        ),
        migrations.AddIndex(
            model_name='accesstokencontext',
            index=models.Index(fields=['authorization_code'], name='ba_oauth_atc_code'),
        ),
        migrations.AddIndex(
            model_name='refreshtokencontext',
            index=models.Index(fields=['session_id'], name='ba_oauth_rtc_session_id'),
        ),
        migrations.AddIndex(
            model_name='refreshtokencontext',
            index=models.Index(fields=['authorization_code'], name='ba_oauth_rtc_code'),
        ),
    ]
