"""Banned and suspect word lists: matching rules, what a hit does, editing in the admin."""

import pytest
from django.urls import reverse

from moderation.models import (
    Comment,
    Flag,
    ModerationEvent,
    Reason,
    Word,
    WordList,
    normalise_word,
)
from moderation.screening import score_comments
from moderation.triage.wordlists import Entry, Matcher, load_matcher
from tests.factories import make_article, make_comment


def matcher(*words, kind="suspect", reason="abusive"):
    return Matcher(tuple(Entry(w, kind, reason) for w in words))


def found(m, text):
    return [hit.word for hit in m.find(text)]


def test_matching_ignores_case():
    assert found(matcher("idiot"), "What an IDIOT. What an Idiot.") == ["idiot"]


def test_a_word_inside_a_longer_word_does_not_match():
    m = matcher("cunt", "ass")
    assert found(m, "I grew up in Scunthorpe and went to class with a bassoon.") == []
    assert found(m, "Passing the classic assessment") == []


def test_a_word_next_to_punctuation_still_matches():
    m = matcher("ass")
    assert found(m, "You ass!") == ["ass"]
    assert found(m, "(ass)") == ["ass"]
    assert found(m, "ass-hat") == ["ass"]


def test_a_trailing_star_matches_any_ending_but_not_a_longer_start():
    m = matcher("spam*")
    assert found(m, "Spammers spamming") == ["spam*"]
    assert found(m, "antispam") == []


def test_a_phrase_matches_across_any_spacing():
    m = matcher("kill yourself")
    assert found(m, "Just KILL\n  yourself") == ["kill yourself"]
    assert found(m, "kill yourselves") == []


def test_each_word_is_reported_once():
    hits = matcher("taqiyya").find("Taqiyya! taqiyya again")
    assert [(h.word, h.found) for h in hits] == [("taqiyya", "taqiyya")]


@pytest.mark.parametrize("written", ["İstanbul", "Istanbul", "istanbul", "ISTANBUL"])
def test_a_dotted_capital_i_matches_however_the_i_is_written(written):
    assert found(matcher(normalise_word("İstanbul")), f"Back to {written}!") == ["istanbul"]


def test_case_is_folded_as_well_as_lowered():
    assert found(matcher(normalise_word("Straße")), "STRASSE and strasse") == ["strasse"]


def test_an_entry_saved_before_folding_still_matches():
    assert found(matcher("straße"), "In der Straße.") == ["straße"]


def test_regex_characters_in_a_word_are_taken_literally():
    m = matcher("c++", "a.b")
    assert found(m, "axb") == []
    assert found(m, "I like a.b") == ["a.b"]


@pytest.mark.django_db
def test_disabled_lists_are_not_matched():
    word_list = WordList.objects.create(name="Local", kind=WordList.Kind.SUSPECT)
    Word.objects.create(word_list=word_list, text="Gazpacho")
    assert found(load_matcher(), "gazpacho soup") == ["gazpacho"]
    word_list.enabled = False
    word_list.save()
    assert found(load_matcher(), "gazpacho soup") == []


@pytest.mark.django_db
def test_words_are_stored_lower_case_so_a_list_holds_each_once():
    word_list = WordList.objects.create(name="Local")
    word = Word.objects.create(word_list=word_list, text="  Big   Word ")
    assert word.text == "big word"


@pytest.mark.django_db
def test_a_suspect_word_flags_the_comment_for_review_without_hiding_it(triage_on):
    article = make_article(comment_policy="post")
    comment = make_comment(article, body="Their whole policy is taqiyya, plain and simple.",
                           status=Comment.Status.APPROVED)
    score_comments([comment])
    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED
    flag = comment.flags.get(source=Flag.Source.AUTOMATIC, reason=Reason.ABUSIVE)
    assert "suspect word: taqiyya" in flag.note
    event = flag.event
    assert event.action == ModerationEvent.Action.FLAGGED and event.actor_label == "automatic"


@pytest.mark.django_db
def test_a_banned_word_holds_a_published_comment_and_flags_it(triage_on):
    word_list = WordList.objects.create(name="House", kind=WordList.Kind.BANNED)
    Word.objects.create(word_list=word_list, text="flibbertigibbet")
    article = make_article(comment_policy="post")
    comment = make_comment(article, body="You pathetic Flibbertigibbet.",
                           status=Comment.Status.APPROVED)
    score_comments([comment])
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING
    held = comment.events.get(action=ModerationEvent.Action.HELD)
    assert (held.status_before, held.status_after) == ("approved", "pending")
    # The abuse model reads "You pathetic Flibbertigibbet." as an insult too: one flag, both
    # notes.
    assert held.note.startswith("banned word: flibbertigibbet")
    assert held.actor_label == "automatic"
    # (Two words with nothing of the article in them may be off-topic as well, a flag of
    # its own; the banned word and the model's abuse share one.)
    abusive = comment.flags.open().filter(source=Flag.Source.AUTOMATIC, reason=Reason.ABUSIVE)
    [note] = abusive.values_list("note", flat=True)
    assert note.startswith("banned word: flibbertigibbet; abuse ")


@pytest.mark.django_db
def test_the_admin_adds_pasted_words_to_a_list(admin_client):
    response = admin_client.post(
        reverse("admin:moderation_wordlist_add"),
        {
            "name": "Local insults", "kind": "suspect", "reason": "personal_attack",
            "enabled": "on", "description": "",
            "add_words": "Numpty\nnumpty\n  daft   apeth \n\n",
            "words-TOTAL_FORMS": "0", "words-INITIAL_FORMS": "0",
            "words-MIN_NUM_FORMS": "0", "words-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    word_list = WordList.objects.get(name="Local insults")
    assert sorted(word_list.words.values_list("text", flat=True)) == ["daft apeth", "numpty"]
    assert found(load_matcher(), "Such a NUMPTY") == ["numpty"]


@pytest.mark.django_db
def test_the_admin_refuses_a_star_inside_a_word(admin_client):
    response = admin_client.post(
        reverse("admin:moderation_wordlist_add"),
        {
            "name": "Bad", "kind": "suspect", "reason": "abusive", "enabled": "on",
            "add_words": "sp*m",
            "words-TOTAL_FORMS": "0", "words-INITIAL_FORMS": "0",
            "words-MIN_NUM_FORMS": "0", "words-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 200
    assert "A * may only end the word." in response.content.decode()
    assert not WordList.objects.filter(name="Bad").exists()


def test_starter_lists_hold_no_word_that_is_part_of_everyday_words():
    from importlib import import_module

    lists = import_module("moderation.migrations.0004_triage").STARTER_LISTS
    m = Matcher(tuple(Entry(w, kind, reason) for _n, kind, reason, _d, words in lists
                      for w in words))
    everyday = ("Scunthorpe class assessment Spicy spice retardant fire-retardant Penistone "
                "Middlesex cockpit therapist grape analyst Dickens shiitake casinos Zogby "
                "ozone chinking raghu")
    assert [h.word for h in m.find(everyday)] == ["casino*"]  # a spam word, as meant


@pytest.mark.django_db
def test_the_comment_admin_shows_the_scores_read_only(admin_client, triage_on):
    comment = make_comment(make_article(), body="Their policy is taqiyya.",
                           status=Comment.Status.PENDING)
    score_comments([comment])
    html = admin_client.get(
        reverse("admin:moderation_comment_change", args=[comment.pk])
    ).content.decode()
    assert "suspect: taqiyya" in html and "abuse 0." in html
    assert 'name="triage"' not in html and 'name="priority"' not in html


def edit_list(admin_client, word_list, *new_words, add_words=""):
    """Post the word list's change form with its words as they are, `new_words` typed
    into the inline's empty rows and `add_words` pasted."""
    words = list(word_list.words.all())
    data = {"name": word_list.name, "kind": word_list.kind, "reason": word_list.reason,
            "enabled": "on", "description": "", "add_words": add_words,
            "words-TOTAL_FORMS": str(len(words) + len(new_words)),
            "words-INITIAL_FORMS": str(len(words)),
            "words-MIN_NUM_FORMS": "0", "words-MAX_NUM_FORMS": "1000"}
    for i, word in enumerate(words):
        data |= {f"words-{i}-id": word.pk, f"words-{i}-word_list": word_list.pk,
                 f"words-{i}-text": word.text}
    for i, text in enumerate(new_words, start=len(words)):
        data |= {f"words-{i}-word_list": word_list.pk, f"words-{i}-text": text}
    return admin_client.post(reverse("admin:moderation_wordlist_change", args=[word_list.pk]),
                             data)


@pytest.mark.django_db
def test_a_word_typed_again_in_another_case_or_spacing_is_refused_as_already_there(
        admin_client):
    word_list = WordList.objects.create(name="House phrases")
    Word.objects.create(word_list=word_list, text="click here")

    response = edit_list(admin_client, word_list, "Click  Here")

    assert response.status_code == 200
    assert "Please correct the duplicate data for text." in response.content.decode()
    assert list(word_list.words.values_list("text", flat=True)) == ["click here"]


@pytest.mark.django_db
def test_two_new_rows_that_differ_only_in_case_are_refused(admin_client):
    word_list = WordList.objects.create(name="House phrases")

    response = edit_list(admin_client, word_list, "Dupword", "dupword")

    assert response.status_code == 200
    assert "Please correct the duplicate data for text." in response.content.decode()
    assert not word_list.words.exists()


@pytest.mark.django_db
def test_a_pasted_word_longer_than_a_word_may_be_is_refused_with_its_line(admin_client):
    word_list = WordList.objects.create(name="House phrases")
    long_word = "x" * 150

    response = edit_list(admin_client, word_list, add_words=f"fine\n{long_word}")

    assert response.status_code == 200
    page = response.content.decode()
    assert f"&#x27;{long_word}&#x27;: Ensure this value has at most 100 characters" in page
    assert not word_list.words.exists()
