"""Triage beyond swear words and link counts: the shipped abuse and spam models, noise,
the right reason for each flag, personal stories and replies that engage their parent,
and the behaviour signals the caller reads from the database."""

import hashlib
import json
import shutil
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command

from moderation import services
from moderation.models import Comment, Flag, Reason, Word
from moderation.screening import score_comments
from moderation.services.findings import behaviour_signals
from moderation.triage import display, features, patterns, places, scoring
from moderation.triage.classifiers import MODELS_PATH, ShippedModels, embedder, sentences
from tests.factories import make_article, make_comment

Status = Comment.Status
SEED_ARTICLE = "trump-kazakhstan-joins-abraham-accords"


@pytest.fixture
def seed(db, triage_on):
    call_command("loaddata", "seed", verbosity=0)
    return Comment.objects.get(pk=1).article


def post(article, body, parent=None, name="Reader"):
    """A new pending comment, scored as the task would score it (with its flags)."""
    comment = make_comment(article, parent=parent, author_name=name, body=body,
                           status=Status.PENDING)
    score_comments([comment])
    comment.refresh_from_db()
    return comment


def reasons(comment) -> set[str]:
    comment.refresh_from_db()
    return {f["reason"] for f in comment.triage["findings"]}


# The features, pure.

@pytest.mark.parametrize("text", ["First!", "lol", "😂😂😂", "LMAO", "Bump", "+1", "me too!!",
                                  "First!!! 🎉"])
def test_a_reaction_of_a_word_or_two_is_noise(text):
    assert features.is_noise(text)


@pytest.mark.parametrize("text", ["Pardon me if I’m underwhelmed.", "😀 Say no more.",
                                  "Good news for Kazakhstan.", "https://example.com/x"])
def test_a_short_sentence_or_a_bare_link_is_not_noise(text):
    assert not features.is_noise(text)


def test_it_knows_when_a_reply_speaks_to_the_person_it_answers():
    assert features.addresses("Adam, thank you for sharing your family's memory", "Adam")
    assert features.addresses("@Adam So I’ve read.", "Adam")
    assert features.addresses("What a moving story, Adam.", "Adam Smith")
    assert not features.addresses("Thank you for sharing.", "Adam")
    assert not features.addresses("Madam, thank you.", "Adam")


def test_it_finds_the_articles_names_by_their_stem():
    terms = features.key_terms("Kazakhstan joins the Abraham Accords",
                               ["Israel welcomed it. Officials in Israel said so."])
    assert {"kazakhstan", "abraham", "accords", "israel"} <= terms
    assert features.names_terms("My Kazakh neighbours were kind.", terms) == ["kazakhstan"]
    assert features.names_terms("Israeli officials agreed.", terms) == ["israel"]
    assert features.names_terms("My cat knocked the tree over.", terms) == []


def test_the_storys_country_is_the_one_its_headline_names_by_name_or_people():
    assert places.story_countries("Trump announces Kazakhstan has joined the Abraham "
                                  "Accords") == {"KZ"}
    assert places.story_countries("Kazakh diplomats sign the accords") == {"KZ"}
    assert places.story_countries("Council raises parking fees") == set()


def test_a_comment_names_the_towns_of_the_storys_country_written_as_names():
    kazakh = places.story_places("Kazakhstan joins the Abraham Accords")
    assert places.named_places("I taught English in Almaty for two years.", kazakh) == [
        "almaty"]
    assert places.named_places("Born in Alma-Ata, raised in Ust-Kamenogorsk.", kazakh) == [
        "alma-ata", "ust-kamenogorsk"]
    # A town of another country, and a town's name that is an everyday word, written as one.
    assert places.named_places("Snow again in Duluth tonight.", kazakh) == []
    assert places.named_places("The oral history project is online.", kazakh) == []
    assert places.story_places("Council raises parking fees") == frozenset()


def test_the_spam_features_read_links_offers_and_handles():
    values = features.spam_features("Earn $500 a day! bit.ly/xyz or WhatsApp +1 555 0199 123")
    assert values["shortener"] == 1.0
    assert values["money"] > 0
    assert values["contact"] == 1.0
    assert features.spam_features("Here is the treaty: https://www.gov.uk/treaty")[
        "money"] == 0.0


def test_an_email_address_and_a_checkout_code_are_ways_to_reach_the_seller():
    assert features.spam_features("Keys after deposit. Write to flat.owner@rentnow.com")[
        "contact"] == 1.0
    assert features.spam_features("Order today and use code PEACE20 at the till")[
        "money"] > 0
    # A reply to a reader is not an address, and a domain ends where its name ends.
    assert features.spam_features("@Adam I agree with you.")["contact"] == 0.0
    assert features.domains("Order at steppegold-hair.company today") == []


def test_the_shipped_weights_are_small_and_say_where_they_came_from():
    data = json.loads(MODELS_PATH.read_text())
    assert MODELS_PATH.stat().st_size < 200_000
    assert len(data["abuse"]["coef"]) == 384 + len(patterns.ABUSE_FEATURE_NAMES)
    assert data["abuse"]["features"] == list(patterns.ABUSE_FEATURE_NAMES)
    assert len(data["spam"]["coef"]) == 384 + len(features.FEATURE_NAMES)
    sources = data["sources"]
    assert sources["toxic/davidson-2017/labeled_data.csv"]["commit"]
    assert all(len(s["sha256"]) == 64 for s in sources.values())


def test_the_fine_tuned_abuse_model_is_the_file_its_blend_was_thresholded_with():
    tuned = json.loads(MODELS_PATH.read_text())["abuse_tuned"]
    path = MODELS_PATH.parent / tuned["file"]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == tuned["sha256"]
    assert path.stat().st_size < 25_000_000
    assert 0 < tuned["weight"] < 1


def shipped_copy(folder: Path, **tuned) -> ShippedModels:
    """The shipped models read from a copy of models.json whose fine-tuned entry is
    changed by `tuned`."""
    data = json.loads(MODELS_PATH.read_text())
    shutil.copy(MODELS_PATH.parent / data["abuse"]["words"], folder)
    (folder / data["abuse_tuned"]["file"]).symlink_to(
        MODELS_PATH.parent / data["abuse_tuned"]["file"])
    data["abuse_tuned"].update(tuned)
    (folder / "models.json").write_text(json.dumps(data))
    return ShippedModels(folder / "models.json")


SOME = ["Those people are vermin and should be driven out.", "I disagree with the treaty."]


@pytest.mark.parametrize("change", [{"file": "missing.onnx"}, {"sha256": "0" * 64}])
def test_without_the_fine_tuned_file_it_was_measured_with_abuse_is_the_linear_models_alone(
        tmp_path, caplog, change):
    models = shipped_copy(tmp_path, **change)
    vectors = embedder().embed(SOME)
    scores, tuned = models.abuse_scores(vectors, SOME)
    assert tuned is None
    assert scores == pytest.approx(models.abuse.probabilities(vectors, SOME))
    assert "No fine-tuned abuse model" in caplog.text


def test_the_abuse_score_is_the_mean_of_the_two_models_in_log_odds(tmp_path):
    models = shipped_copy(tmp_path, weight=0.5, shift=0.0)
    vectors = embedder().embed(SOME)
    scores, tuned = models.abuse_scores(vectors, SOME)
    linear = models.abuse.probabilities(vectors, SOME)
    log_odds = lambda p: np.log(p / (1 - p))  # noqa: E731
    assert log_odds(scores) == pytest.approx((log_odds(linear) + log_odds(tuned)) / 2,
                                             abs=1e-4)


@pytest.mark.parametrize("text, expected", [
    ("I disagree with the treaty.", []),
    ("Sure. I disagree with the treaty.", ["I disagree with the treaty."]),
    ("Oh? Sure!", []),
    ("The treaty changes little. Those people are vermin! Who signed it?",
     ["The treaty changes little.", "Those people are vermin!", "Who signed it?"]),
])
def test_a_comment_is_read_in_sentences_of_three_words_or_more(text, expected):
    assert sentences(text) == expected


LONG = ("The accords were always going to attract new members once the economic benefits "
        "became clear, and Kazakhstan has traded with Israel for decades. Its leaders are "
        "pragmatic about energy and grain. Those people are vermin and should be driven "
        "out. Still, I expect little to change on the ground.")
ORDINARY = ("The accords were always going to attract new members. Kazakhstan has traded "
            "with Israel for decades. I expect little to change on the ground.")


def test_the_worst_sentence_is_the_one_the_abuse_model_scores_highest_if_it_alone_passes():
    models = ShippedModels()
    parts = sentences(LONG)
    each = models.abuse.probabilities(embedder().embed(parts), parts)
    found = models.worst_sentences([LONG, ORDINARY, *SOME], embedder().embed)
    assert found[0] == ("Those people are vermin and should be driven out.",
                        pytest.approx(each.max(), abs=1e-4))
    # No sentence of an ordinary comment passes; a comment of one sentence is its whole.
    assert found[1:] == [None, None, None]


def test_a_comments_abuse_score_does_not_depend_on_the_comments_scored_beside_it():
    """The fine-tuned file quantises each layer's input with the range of what it is
    given; given a batch, a comment's score moved with its neighbours."""
    comment = ("Agree with you - maybe a courageous, smart Muslim in the US begins a "
               "reformation of Islam. I can hope it does.")
    neighbours = [*SOME, "lol", "The treaty was signed in Washington on Thursday, and the "
                  "ministers of both countries spoke for an hour about trade and energy."]
    texts = [comment, *neighbours]
    models = ShippedModels()
    alone, _ = models.abuse_scores(embedder().embed([comment]), [comment])
    beside, _ = models.abuse_scores(embedder().embed(texts), texts)
    assert beside[0] == pytest.approx(alone[0], abs=1e-6)


# Scoring through the pipeline.

def test_commercial_spam_with_a_link_is_flagged_as_spam_not_off_topic(seed):
    comment = post(seed, "I make $8,000 a month working from home, no experience needed. "
                         "Start today: https://easy-cash-now.biz/join")
    assert reasons(comment) == {"spam"}
    flag = Flag.objects.get(comment=comment, source=Flag.Source.AUTOMATIC)
    assert flag.reason == Reason.SPAM
    assert flag.note.startswith("reads like spam: ")
    # The card's signals line says why.
    assert "why: storefront link, money or offer words" in display.summary(comment.triage)


LIMITS = scoring.Thresholds(abuse=0.5, off_topic=0.6, spam=0.8, hold=0.9, max_links=2,
                            topic_model="tfidf", threads=1)


def reasons_of_signals(*, abuse=0.0, profanity=0.0, spam_content=0.0) -> set[str]:
    """The reasons scoring finds for a comment with these scores and nothing else."""
    signals = {"abuse": abuse, "abuse_parts": {"profanity": profanity, "model": abuse},
               "spam_content": spam_content, "spam_why": [], "links": 0, "link_score": 0.0,
               "behaviour": {}, "duplicate_of": None, "repetition": 0.0, "shouting": 0.0,
               "shouting_score": 0.0, "off_topic": 0.0, "noise": False}
    return {f.reason for f in scoring._findings(None, signals, [], LIMITS)}


def test_a_sales_pitch_is_spam_not_also_abusive_on_the_abuse_model_alone():
    assert reasons_of_signals(abuse=0.7, spam_content=0.95) == {"spam"}


def test_a_sales_pitch_that_swears_or_is_surely_abusive_is_both():
    assert reasons_of_signals(abuse=0.7, profanity=0.7, spam_content=0.95) == {"spam",
                                                                                "abusive"}
    assert reasons_of_signals(abuse=0.95, spam_content=0.95) == {"spam", "abusive"}
    assert reasons_of_signals(abuse=0.7, spam_content=0.5) == {"abusive"}


def test_an_on_topic_comment_with_a_source_link_is_not_spam(seed):
    comment = post(seed, "The Kazakh foreign ministry's statement is more cautious than the "
                         "White House's: https://www.gov.kz/memleket/entities/mfa/press")
    assert "spam" not in reasons(comment)


def test_a_comment_with_no_link_handle_or_price_is_never_spam_by_its_words_alone(seed):
    comment = post(seed, "Please check out the new layout everyone, subscribe to the "
                         "newsletter and share this page with your friends!")
    assert comment.triage["spam_content"] <= 0.5
    assert "spam" not in reasons(comment)


def test_noise_is_its_own_low_priority_flag(seed):
    comment = post(seed, "First!")
    assert reasons(comment) == {"noise"}
    comment.refresh_from_db()
    assert comment.priority < 0.5
    assert Flag.objects.get(comment=comment).reason == Reason.NOISE


@pytest.mark.parametrize("text", ["Who won the match last night?", "Going fishing tomorrow.",
                                  "Pizza for dinner again."])
def test_a_short_comment_about_something_else_is_off_topic(seed, text):
    assert reasons(post(seed, text)) == {"off_topic"}


@pytest.mark.parametrize("text", ["Colour me unimpressed.", "Not impressed at all.",
                                  "Well, that's a surprise."])
def test_a_short_reaction_to_the_story_is_not_off_topic(seed, text):
    assert reasons(post(seed, text)) == set()


def test_a_personal_memory_of_the_storys_country_is_on_topic(seed):
    comment = post(seed, "My grandmother was deported to Kazakhstan in 1941 and always said "
                         "the Kazakh families in her village shared their bread with the exiles.")
    assert reasons(comment) == set()


def test_a_memory_of_a_town_the_article_never_names_is_on_topic_and_says_why(seed):
    """The seed's article never names Almaty: the headline's country does the work."""
    comment = post(seed, "I spent a winter teaching in Almaty years ago. The mountains "
                         "behind the city and the apple orchards are what I remember most.")
    assert reasons(comment) == set()
    assert "almaty" in comment.triage["names"]


def test_a_reply_that_thanks_the_person_it_answers_is_on_topic(seed):
    comment = post(seed, "Adam, thank you for sharing your family's memory, it is a moving "
                         "story", parent=Comment.objects.get(pk=1))
    assert reasons(comment) == set()
    assert comment.triage["engages_parent"] is True


@pytest.fixture
def no_words(seed):
    """Every word list emptied: the models alone."""
    Word.objects.all().delete()
    return seed


@pytest.mark.parametrize("text", [
    # A veiled threat, a group dehumanised, a religion called deceitful, a call to kill.
    "People like the ones who signed this should watch their backs. Someone will deal with "
    "them eventually.",
    "Those people are vermin. They breed like rats and infest every country that lets them in.",
    "Islam is a religion of deceit. Every one of them smiles at you while planning the next "
    "attack.",
    "Muslims are liars by nature. Their religion tells them to deceive us, so no treaty with "
    "them is worth the paper.",
    "Somebody should put a bullet in every politician who signs these deals.",
    # Our validation set's veiled threat: missed for a while, caught again once the abuse
    # model was trained on the retired held-out sets' veiled threats.
    "If I ever meet the diplomats who pushed this deal, they won't walk away from it. "
    "Count on that.",
    "Arabs cannot be trusted, it is in their blood to lie and cheat.",
])
def test_abuse_without_swear_words_is_flagged_with_every_word_list_emptied(no_words, text):
    assert "abusive" in reasons(post(no_words, text))


@pytest.mark.parametrize("text", [
    "This is pure theatre. Kazakhstan has had an embassy in Israel since the nineties, so "
    "joining changes nothing.",
    "I don't trust Trump on anything, and this announcement reads like another photo "
    "opportunity before the election. Show me the actual agreement.",
    "As a Muslim I welcome this. Peace between our peoples is what our faith asks of us.",
    # Heated criticism of governments, of a country's policy and of religion in politics.
    "The Kazakh authorities shot protesters in Almaty in 2022 and now want applause in "
    "Washington. Disgusting.",
    "Tokayev is a dictator with better public relations than his predecessor. Nothing more.",
    "Religion has no business in foreign policy. Calling this 'Abrahamic' is marketing for an "
    "arms market.",
    "Our diplomats have a rare gift for celebrating things that already happened thirty years "
    "ago.",
])
def test_heated_or_religious_comments_on_the_story_are_not_called_abusive(no_words, text):
    assert "abusive" not in reasons(post(no_words, text))


def test_a_moderator_sees_what_each_abuse_model_said(no_words):
    comment = post(no_words, "Those people are vermin. They breed like rats and infest "
                             "every country that lets them in.")
    parts = comment.triage["abuse_parts"]
    assert parts["tuned"] >= 0.5 and parts["model"] >= 0.5
    abuse = display.signals(comment.triage)[0]
    assert f"fine-tuned {parts['tuned']:.2f}" in abuse.title


WORST = "Those people are vermin and should be driven out of every country that lets them in."
LONG_ABUSIVE = ("Kazakhstan has traded with Israel for decades and this changes little for the "
                "grain farmers or the oil companies. The ministers will shake hands in "
                f"Washington and fly home. {WORST}")


def test_a_moderator_sees_the_worst_sentence_of_a_long_abusive_comment(no_words):
    comment = post(no_words, LONG_ABUSIVE)
    assert "abusive" in reasons(comment)
    parts = comment.triage["abuse_parts"]
    assert parts["sentence"] == WORST
    abuse = display.signals(comment.triage)[0]
    assert f"worst sentence {parts['sentence_score']:.2f}: “{WORST}”" in abuse.title


def test_a_long_worst_sentence_is_stored_cut_short(no_words, monkeypatch):
    monkeypatch.setattr(ShippedModels, "worst_sentences",
                        lambda self, texts, embed: [("vermin " * 60, 0.99)] * len(texts))
    shown = post(no_words, LONG_ABUSIVE).triage["abuse_parts"]["sentence"]
    assert len(shown) == scoring.SENTENCE_SHOWN and shown.endswith("…")


@pytest.mark.parametrize("text", [
    ORDINARY + " " + ORDINARY,  # long, but not abusive
    "Kazakhstan has traded with Israel for decades and this changes little. Those people are "
    "vermin and should be driven out of every country that lets them in.",  # read at a glance
])
def test_only_a_long_abusive_comment_is_read_sentence_by_sentence(no_words, monkeypatch, text):
    calls = []
    monkeypatch.setattr(ShippedModels, "worst_sentences",
                        lambda self, texts, embed: calls.append(texts) or [None] * len(texts))
    comment = post(no_words, text)
    assert "sentence" not in comment.triage["abuse_parts"]
    assert calls == []


def test_triage_comments_all_raises_automatic_flags_with_their_reasons(seed):
    spam = make_comment(seed, body="Lose 25 pounds in 3 weeks with this one trick! Order now at "
                                   "https://keto-burn-pills.shop and get 50% off",
                        status=Status.PENDING)
    noise = make_comment(seed, body="lol", status=Status.PENDING)
    call_command("triage_comments", "--article", SEED_ARTICLE, "--all", stdout=StringIO())
    flags = dict(Flag.objects.filter(source=Flag.Source.AUTOMATIC, comment__in=[spam, noise])
                 .values_list("comment_id", "reason"))
    assert flags == {spam.pk: "spam", noise.pk: "noise"}


# Behaviour signals, read by the caller.

def test_the_same_text_on_another_article_is_spam(seed, triage_on):
    other = make_article(title="Another story", slug="another")
    text = "Visit my page for the best deals on furniture this week, you will not regret it"
    first = make_comment(other, body=text)
    comment = post(seed, text)
    comment.refresh_from_db()
    assert comment.triage["behaviour"]["same_text_as"] == first.pk
    assert "spam" in reasons(comment)
    assert f"same text as comment #{first.pk} on another article" in Flag.objects.get(
        comment=comment, reason="spam").note


def test_behaviour_signals_read_the_same_few_rows_whatever_the_batch(
        seed, django_assert_max_num_queries):
    other = make_article(title="Another story", slug="another")
    for size in (3, 30):
        batch = [make_comment(other, body=f"Comment {i} https://example.com/{i % 2}")
                 for i in range(size)]
        with django_assert_max_num_queries(2):
            found = behaviour_signals(batch)
        assert len(found) == size
        assert all(v["writer_approved"] is False for v in found.values())


def test_a_writer_with_an_approved_comment_is_known(seed, moderator):
    first = services.post_comment(article=seed, author_name="Ann", author_email="ann@example.org",
                                  body="Kazakhstan joining is good news.")
    services.approve(comment=first, actor=moderator)
    second = services.post_comment(article=seed, author_name="Ann",
                                   author_email="ann@example.org", body="More on this soon.")
    assert behaviour_signals([second])[second.pk]["writer_approved"] is True


# A reader's text, typed or pasted, with a link to where they read more.
WITH_LINK = ("I lived in Astana for six years and the trade with Israel was visible "
             "everywhere, from farm equipment to water systems. More on that here: "
             "https://example.org/kazakhstan-israel-trade")


def sent(article, body, seconds, email=""):
    """A reader's comment sent `seconds` after its form showed, scored as the task does."""
    comment = services.post_comment(article=article, author_name="Reader", body=body,
                                    author_email=email, seconds_to_post=seconds)
    score_comments([comment])
    comment.refresh_from_db()
    return comment


def test_a_long_text_sent_sooner_than_anyone_types_it_was_pasted(seed):
    pasted, typed = (services.post_comment(article=seed, author_name="R", body=WITH_LINK,
                                           seconds_to_post=s) for s in (4, 90))
    found = behaviour_signals([pasted, typed])
    assert (found[pasted.pk]["seconds_to_post"], found[pasted.pk]["pasted"]) == (4, True)
    assert (found[typed.pk]["seconds_to_post"], found[typed.pk]["pasted"]) == (90, False)


def test_a_pasted_link_is_not_counted_as_typed(seed):
    comment = services.post_comment(
        article=seed, author_name="R", seconds_to_post=4,
        body="Source: https://example.org/" + "a-very-long-address/" * 10)
    assert behaviour_signals([comment])[comment.pk]["pasted"] is False


def test_a_comment_with_no_form_time_says_nothing_of_its_speed(seed):
    comment = make_comment(seed, body=WITH_LINK)
    assert "pasted" not in behaviour_signals([comment])[comment.pk]


def test_a_new_writers_link_pasted_within_seconds_is_flagged_as_spam(seed):
    comment = sent(seed, WITH_LINK, seconds=5)
    assert reasons(comment) == {"spam"}
    assert Flag.objects.get(comment=comment, reason="spam").note == (
        "a link from a writer with no approved comment, in a text pasted 5 s after the "
        "form showed")
    assert "pasted: sent 5 s after its form showed" in display.summary(comment.triage)


def test_the_same_comment_typed_over_minutes_is_not_spam(seed):
    comment = sent(seed, WITH_LINK, seconds=180)
    assert "spam" not in reasons(comment)
    assert comment.triage["spam"] < scoring.PASTED_NEW_WRITER_LINK_SCORE


def test_a_known_writers_pasted_link_only_raises_the_priority(seed, moderator):
    first = services.post_comment(article=seed, author_name="Ann", author_email="ann@example.org",
                                  body="Kazakhstan joining is good news.")
    services.approve(comment=first, actor=moderator)
    comment = sent(seed, WITH_LINK, seconds=5, email="ann@example.org")
    assert "spam" not in reasons(comment)
    assert comment.triage["link_behaviour"] == scoring.NEW_WRITER_LINK_SCORE
    assert comment.priority > 0


def test_a_new_writers_link_alone_is_never_a_flag_even_under_a_low_threshold(seed, settings):
    settings.TRIAGE_SPAM_THRESHOLD = 0.4
    comment = sent(seed, "Kazakhstan's trade with Israel, year by year: "
                         "https://example.org/kazakhstan-israel-trade", seconds=300)
    assert comment.triage["link_behaviour"] == scoring.NEW_WRITER_LINK_SCORE
    assert not any("writer with no approved comment" in f["note"]
                   for f in comment.triage["findings"])


def written_by(article, moderator, email, hidden, approved):
    """Comments by one writer that moderators hid or approved, as many as asked."""
    for i in range(hidden + approved):
        comment = services.post_comment(article=article, author_name="Vic", author_email=email,
                                        body=f"Comment number {i} on this story.")
        if i < hidden:
            services.hide(comment=comment, actor=moderator, reason="abusive", tell_author=False)
        else:
            services.approve(comment=comment, actor=moderator)


def post_by(article, body, email):
    """A comment by the writer with this email, scored as the task scores it."""
    comment = services.post_comment(article=article, author_name="Vic", author_email=email,
                                    body=body)
    score_comments([comment])
    comment.refresh_from_db()
    return comment


def test_behaviour_signals_give_the_writers_record_and_nothing_for_a_guest(seed, moderator):
    written_by(seed, moderator, "vic@example.org", hidden=2, approved=1)
    comment = services.post_comment(article=seed, author_name="Vic",
                                    author_email="vic@example.org", body="Another one.")
    guest = services.post_comment(article=seed, author_name="Guest", body="A guest's word.")
    found = behaviour_signals([comment, guest])
    assert (found[comment.pk]["writer_hidden"], found[comment.pk]["writer_decided"]) == (2, 3)
    assert "writer_hidden" not in found[guest.pk]


def test_a_writer_mostly_hidden_before_ranks_with_the_nearest_misses(seed, moderator):
    written_by(seed, moderator, "vic@example.org", hidden=2, approved=1)
    ordinary = "Kazakhstan joining the Accords will matter for trade in Central Asia."
    comment = post_by(seed, ordinary, "vic@example.org")
    stranger = post_by(seed, ordinary + " Time will tell.", "new@example.org")
    assert comment.triage["hidden_record"] and not stranger.triage["hidden_record"]
    assert not comment.triage["findings"]
    assert comment.priority > stranger.priority
    assert comment.priority < 0.42  # under the least flag's priority (off-topic at 0.6)
    assert "a writer with 2 of 3 decided comments hidden" in display.summary(comment.triage)


@pytest.mark.parametrize(("hidden", "approved"), [(1, 0), (2, 2), (2, 8)])
def test_a_writer_with_one_hide_or_as_many_approved_keeps_an_ordinary_priority(
        seed, moderator, hidden, approved):
    written_by(seed, moderator, "vic@example.org", hidden=hidden, approved=approved)
    comment = post_by(seed, "Kazakhstan joining the Accords will matter for trade.",
                      "vic@example.org")
    assert not comment.triage["hidden_record"]
    assert "decided comments hidden" not in display.summary(comment.triage)


def test_the_validation_set_is_marked_as_ours():
    data = json.loads((Path(__file__).resolve().parent.parent / "bench" /
                       "triage_validation.json").read_text())
    assert data["about"].startswith("WRITTEN BY US")


def test_the_worst_sentence_is_looked_for_among_the_first_fifty():
    embedded = []

    def embed(texts):
        embedded.extend(texts)
        return embedder().embed(texts)

    text = " ".join(f"Sentence number {i} is calm." for i in range(200))
    assert ShippedModels().worst_sentences([text], embed) == [None]
    assert len(embedded) == 50


def test_a_long_comment_flagged_by_a_word_list_alone_has_no_worst_sentence(seed):
    # The seed's #9 is caught by the Coded-hate list's "taqiyya", under the abuse model's
    # threshold; the model's likeliest sentence there is its innocent first one.
    comment = Comment.objects.get(pk=9)
    score_comments([comment])
    comment.refresh_from_db()
    assert reasons(comment) == {"abusive"}
    assert comment.triage["abuse"] < scoring.Thresholds.from_settings().abuse
    assert "sentence" not in comment.triage["abuse_parts"]
