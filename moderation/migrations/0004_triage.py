"""Automated triage: signal scores and priority on comments, and editable word lists.

Also creates starter word lists a newsroom can edit or switch off in the admin. They hold
what the abuse classifier (trained on profanity) tends to miss: slurs, threats, the coded
terms of organised hate, and classic spam phrases.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

STARTER_LISTS = [
    (
        "Slurs",
        "banned",
        "abusive",
        "Slurs against groups. Banned: held on post-moderated articles and flagged.",
        ["chink", "chinks", "faggot*", "gook", "gooks", "kike*", "nigger*", "raghead*",
         "sandnigger*", "spic", "spics", "towelhead*", "trannies", "tranny", "wetback*"],
    ),
    (
        "Threats",
        "suspect",
        "personal_attack",
        "Wishing or threatening harm.",
        ["deserve to die", "deserves to die", "hope you die", "i will kill you", "kill yourself",
         "kys", "should be hanged", "should be shot"],
    ),
    (
        "Coded hate",
        "suspect",
        "abusive",
        "Terms of organised hate against religious and ethnic groups, and dehumanising "
        "words. Flagged for a moderator to read in context.",
        ["dhimmitude", "eurabia", "goyim", "great replacement", "mudslime*", "muzrat*",
         "retard", "retarded", "retards", "subhuman*", "taqiyya", "untermensch*",
         "white genocide", "zog"],
    ),
    (
        "Spam phrases",
        "suspect",
        "spam",
        "Advertising.",
        ["casino*", "cialis", "click here", "crypto giveaway", "make money online",
         "onlyfans", "payday loan*", "viagra", "work from home"],
    ),
]


def create_starter_lists(apps, schema_editor):
    WordList = apps.get_model("moderation", "WordList")
    Word = apps.get_model("moderation", "Word")
    for name, kind, reason, description, words in STARTER_LISTS:
        word_list, created = WordList.objects.get_or_create(
            name=name, defaults={"kind": kind, "reason": reason, "description": description}
        )
        if created:
            Word.objects.bulk_create(Word(word_list=word_list, text=w) for w in words)


def delete_starter_lists(apps, schema_editor):
    WordList = apps.get_model("moderation", "WordList")
    WordList.objects.filter(name__in=[name for name, *_ in STARTER_LISTS]).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0001_initial'),
        ('moderation', '0003_moderators_group'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Word',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('text', models.CharField(help_text='A word or phrase; case is ignored; end it with * to match any ending.', max_length=100)),
            ],
            options={
                'ordering': ['text'],
            },
        ),
        migrations.CreateModel(
            name='WordList',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100, unique=True)),
                ('kind', models.CharField(choices=[('banned', 'Banned: hold on post-moderated articles, and flag'), ('suspect', 'Suspect: flag for review')], default='suspect', max_length=10)),
                ('reason', models.CharField(choices=[('off_topic', 'Off-topic'), ('abusive', 'Abusive'), ('spam', 'Spam'), ('personal_attack', 'Personal attack'), ('other', 'Other')], default='abusive', help_text='The reason on the flag a match raises.', max_length=20)),
                ('enabled', models.BooleanField(default=True)),
                ('description', models.TextField(blank=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'ordering': ['kind', 'name'],
            },
        ),
        migrations.AddField(
            model_name='comment',
            name='priority',
            field=models.FloatField(default=0.0, editable=False),
        ),
        migrations.AddField(
            model_name='comment',
            name='triage',
            field=models.JSONField(blank=True, default=dict, editable=False),
        ),
        migrations.AddField(
            model_name='comment',
            name='triaged_at',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AlterField(
            model_name='moderationevent',
            name='action',
            field=models.CharField(choices=[('posted', 'Posted'), ('imported', 'Imported'), ('approved', 'Approved'), ('hidden', 'Hidden'), ('flagged', 'Flagged'), ('reported', 'Reported'), ('undone', 'Undone'), ('held', 'Held for review')], max_length=10),
        ),
        migrations.AddIndex(
            model_name='comment',
            index=models.Index(fields=['-priority', 'created'], name='comment_priority_idx'),
        ),
        migrations.AddField(
            model_name='word',
            name='word_list',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='words', to='moderation.wordlist'),
        ),
        migrations.AddConstraint(
            model_name='word',
            constraint=models.UniqueConstraint(fields=('word_list', 'text'), name='word_unique_in_list'),
        ),
        migrations.RunPython(create_starter_lists, delete_starter_lists),
    ]
