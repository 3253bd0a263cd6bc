"""The triage learns from moderators (LearnedModel), calls noise noise (Reason.NOISE),
and its starter word lists say where they come from."""

from django.db import migrations, models

# What 0004 wrote, and what each starter list says now: its source. The lists stay the
# newsroom's own tool; the models no longer need them (see README, Automated triage).
SOURCES = {
    "Slurs": "Source: written for this project's starter set (migration 0004) from the "
             "commonest English slurs; not copied from a published list.",
    "Threats": "Source: written for this project's starter set (migration 0004): common "
               "English phrasings of wishing or threatening harm.",
    "Coded hate": "Source: written for this project's starter set (migration 0004) from "
                  "terms that hate-monitoring glossaries describe (e.g. the ADL's Hate "
                  "Symbols database); not copied from one.",
    "Spam phrases": "Source: written for this project's starter set (migration 0004): "
                    "the classic phrases of comment spam.",
}


def add_sources(apps, schema_editor):
    WordList = apps.get_model("moderation", "WordList")
    for word_list in WordList.objects.filter(name__in=SOURCES):
        source = SOURCES[word_list.name]
        if source not in word_list.description:
            word_list.description = f"{word_list.description} {source}".strip()
            word_list.save(update_fields=["description"])


def remove_sources(apps, schema_editor):
    WordList = apps.get_model("moderation", "WordList")
    for word_list in WordList.objects.filter(name__in=SOURCES):
        word_list.description = word_list.description.replace(
            f" {SOURCES[word_list.name]}", "").replace(SOURCES[word_list.name], "")
        word_list.save(update_fields=["description"])


class Migration(migrations.Migration):

    dependencies = [
        ('moderation', '0009_merge_20261201_2355'),
    ]

    operations = [
        migrations.CreateModel(
            name='LearnedModel',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=50, unique=True)),
                ('weights', models.BinaryField()),
                ('labels', models.PositiveIntegerField(default=0)),
                ('last_event_id', models.BigIntegerField(default=0)),
                ('counts', models.JSONField(blank=True, default=dict)),
                ('trained_at', models.DateTimeField()),
            ],
            options={
                'ordering': ['name'],
            },
        ),
        migrations.AlterField(
            model_name='comment',
            name='hidden_reason',
            field=models.CharField(blank=True, choices=[('off_topic', 'Off-topic'), ('abusive', 'Abusive'), ('spam', 'Spam'), ('personal_attack', 'Personal attack'), ('other', 'Other'), ('noise', 'Noise')], max_length=20),
        ),
        migrations.AlterField(
            model_name='flag',
            name='reason',
            field=models.CharField(choices=[('off_topic', 'Off-topic'), ('abusive', 'Abusive'), ('spam', 'Spam'), ('personal_attack', 'Personal attack'), ('other', 'Other'), ('noise', 'Noise')], max_length=20),
        ),
        migrations.AlterField(
            model_name='moderationevent',
            name='reason',
            field=models.CharField(blank=True, choices=[('off_topic', 'Off-topic'), ('abusive', 'Abusive'), ('spam', 'Spam'), ('personal_attack', 'Personal attack'), ('other', 'Other'), ('noise', 'Noise')], max_length=20),
        ),
        migrations.AlterField(
            model_name='wordlist',
            name='reason',
            field=models.CharField(choices=[('off_topic', 'Off-topic'), ('abusive', 'Abusive'), ('spam', 'Spam'), ('personal_attack', 'Personal attack'), ('other', 'Other'), ('noise', 'Noise')], default='abusive', help_text='The reason on the flag a match raises.', max_length=20),
        ),
        migrations.RunPython(add_sources, remove_sources),
    ]
