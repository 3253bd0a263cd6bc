"""The pieces triage scores are made of: text, links, shouting, tokens, off-topic maths."""

import pytest

from moderation.triage import topic
from moderation.triage.classifiers import load_tokenizer
from moderation.triage.text import count_links, plain_text, repetition, shouting_ratio

MINILM = topic.CALIBRATIONS["minilm"]


def test_html_bodies_are_scored_on_their_text_without_tags_or_entities():
    body = "<p>Fish &amp; chips</p><p>are <b>great</b></p><script>alert(1)</script>"
    text = plain_text(body, "html")
    assert "<" not in text and "&amp;" not in text
    assert "Fish & chips" in text and "great" in text
    assert "alert" not in text
    # Paragraphs stay separate words, not "chipsare".
    assert "chipsare" not in text


def test_plain_text_bodies_are_left_as_written():
    assert plain_text("a <b> & c", "text") == "a <b> & c"


@pytest.mark.parametrize(
    ("body", "body_format", "links"),
    [
        ("No links here.", "text", 0),
        ("See https://example.org/a and http://example.org/b and www.example.org", "text", 3),
        ('<a href="https://example.org/a">https://example.org/a</a>', "html", 1),
        ('<a href="https://a.example">one</a> <a href="https://b.example">two</a>', "html", 2),
        ("<p>https://example.org/x https://example.org/y</p>", "html", 2),
    ],
)
def test_links_are_counted_once_each(body, body_format, links):
    assert count_links(body, body_format) == links


def test_shouting_is_the_share_of_capitals_in_long_enough_text():
    assert shouting_ratio("THIS IS A COMMENT WRITTEN ENTIRELY IN CAPITALS") == 1.0
    assert shouting_ratio("A quiet comment, written as people write.") < 0.1
    # "OK NATO" is too short to be shouting.
    assert shouting_ratio("OK NATO") == 0.0


def test_repetition_tells_a_pasted_flood_from_prose():
    prose = (
        "Israel and Kazakhstan have maintained full diplomatic relations since 1992, and "
        "Israeli President Isaac Herzog was even expected to visit the country in the "
        "coming months, which makes the announcement more symbolic than substantive."
    )
    assert repetition(prose) == 0.0
    assert repetition("Buy cheap watches now! " * 30) > 0.9
    assert repetition("short " * 3) == 0.0


def test_the_tokenizer_gives_the_ids_of_the_models_own_tokenizer():
    # Reference ids from the Hugging Face tokenizer of all-MiniLM-L6-v2.
    assert load_tokenizer().encode("Scunthorpe 😀 Say no more.").ids == [
        101, 8040, 16671, 22044, 100, 2360, 2053, 2062, 1012, 102,
    ]


def test_the_tokenizer_cuts_long_text_to_the_models_length():
    ids = load_tokenizer(max_tokens=256).encode("word " * 1000).ids
    assert len(ids) == 256 and ids[0] == 101 and ids[-1] == 102


def test_a_comment_unlike_its_article_is_off_topic():
    score, context = topic.off_topic(sim_article=0.02, sim_parent=None, parent_off_topic=0,
                                     n_words=20, calibration=MINILM)
    assert score == 1.0 and context == 0.02


def test_a_comment_close_to_its_article_is_on_topic():
    score, _ = topic.off_topic(sim_article=0.5, sim_parent=None, parent_off_topic=0,
                               n_words=20, calibration=MINILM)
    assert score == 0.0


def test_a_reply_close_to_an_on_topic_parent_is_on_topic():
    score, context = topic.off_topic(sim_article=0.05, sim_parent=0.6, parent_off_topic=0.0,
                                     n_words=20, calibration=MINILM)
    assert score == 0.0 and context == 0.6


def test_a_reply_close_to_an_off_topic_parent_stays_off_topic():
    score, _ = topic.off_topic(sim_article=0.05, sim_parent=0.6, parent_off_topic=1.0,
                               n_words=20, calibration=MINILM)
    assert score == 1.0


def test_a_short_top_level_reaction_is_taken_as_a_reaction_to_the_article():
    score, _ = topic.off_topic(sim_article=0.0, sim_parent=None, parent_off_topic=0.0,
                               n_words=2, calibration=MINILM)
    assert score == pytest.approx(0.25)


def test_a_short_comment_with_a_subject_of_its_own_is_judged_by_its_own_words():
    score, _ = topic.off_topic(sim_article=0.0, sim_parent=None, parent_off_topic=0.0,
                               n_words=2, calibration=MINILM, reaction=0.0)
    assert score == 1.0


def test_how_much_a_comment_reads_like_a_reaction_follows_its_nearest_reaction():
    assert topic.reaction_likeness(topic.REACTION_UNLIKE) == 0.0
    assert topic.reaction_likeness(topic.REACTION_LIKE) == 1.0
    assert topic.reaction_likeness(0.9) == 1.0


def test_a_short_reply_leans_on_its_parents_topicality():
    under_off_topic, _ = topic.off_topic(sim_article=0.0, sim_parent=0.0, parent_off_topic=0.9,
                                         n_words=1, calibration=MINILM)
    under_on_topic, _ = topic.off_topic(sim_article=0.0, sim_parent=0.0, parent_off_topic=0.0,
                                        n_words=1, calibration=MINILM)
    assert under_off_topic > 0.9 * 0.8
    assert under_on_topic < 0.2


def test_content_words_leave_out_stop_words_and_contractions():
    assert topic.content_words("Pardon me if I’m underwhelmed.") == 2
    assert topic.content_words("😀 Say no more.") == 1
