from django.db import migrations, models

from ._concurrently import AddIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [
        ('moderation', '0020_flag_withdrawn'),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name='commenter',
            index=models.Index(condition=models.Q(('trust', ''), _negated=True),
                               fields=['trust', 'id'], name='commenter_trust_idx'),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name='commenter',
            index=models.Index(condition=models.Q(('premoderated', True)), fields=['id'],
                               name='commenter_premoderated_idx'),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name='commenter',
            index=models.Index(condition=models.Q(('banned_at__isnull', False)), fields=['id'],
                               name='commenter_banned_idx'),
        ),
    ]
