from django.db import migrations, models

from ._concurrently import AddIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [
        ('moderation', '0018_comment_seconds_to_post'),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name='moderationevent',
            index=models.Index(fields=['action', '-created_at', '-id'], name='event_action_idx'),
        ),
    ]
