"""How triage scores a comment: every signal, the findings over their thresholds, the
priority.

`compute()` takes any number of comments (a post, an import batch, a rescoring run) and
computes every signal for all of them in a handful of batched calls. It changes nothing:
moderation/screening.py stores the scores and turns the findings into automatic flags and
holds through the moderation services. What only the database knows about a comment's
writer and its links (the behaviour signals) and the newsroom's own learned model come in
as arguments, read by the caller.

Each comment gets at most one reason for its content, the likeliest: spam before
off-topic, and noise ("First!", "lol") only when it is neither.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.utils.text import Truncator

from moderation.models import Comment, Reason, WordList

from . import features, learning, patterns, places, topic
from .classifiers import (
    WORST_SENTENCE_FROM_WORDS,
    ModelUnavailable,
    abuse_scores,
    embedder,
    shipped,
)
from .text import count_links, normalise, plain_text, repetition, shouting_ratio
from .wordlists import load_matcher

log = logging.getLogger(__name__)

# The stored signals' version: 3 since the abuse model's score became its blend with the
# fine-tuned model (abuse_parts.tuned), 4 since a long comment's worst sentence is shown
# (abuse_parts.sentence), 5 since how a link was sent is scored (link_behaviour), 6 since
# a writer's record of hidden comments raises the priority (hidden_record).
VERSION = 6
# How much each signal counts towards the queue's priority: what harms readers most
# (abuse, banned words) before spam, spam before a comment that is merely off-topic, and
# noise last.
WEIGHTS = {"abuse": 1.0, "banned": 1.0, "spam": 0.9, "suspect": 0.8, "off_topic": 0.7,
           "noise": 0.3}
# A comment that names the article's places or subjects, or a town of the country its
# headline names (a personal memory of the story's country), is that much less
# off-topic...
NAMED_FACTOR = 0.5
# ...and a reply that speaks to the person it answers ("Adam, thank you for sharing")
# is no more off-topic than its parent, or this, whichever is more.
ENGAGED_FLOOR = 0.3
# Spam signals from behaviour: the same link in another article's comments; a link from
# a writer with no approved comment, or in a text sent sooner after its form showed than
# anyone types it (a small push, never a flag on its own); and a link with both, the way
# a spammer's script posts (a flag at the default threshold).
SHARED_LINK_SCORE = 0.85
NEW_WRITER_LINK_SCORE = 0.5
PASTED_NEW_WRITER_LINK_SCORE = 0.85
# A writer most of whose decided comments moderators hid (at least RECORD_MIN_HIDDEN
# of them) is likelier than others to be hidden again, so their comment that raised no
# flag ranks with the nearest misses, RECORD_PUSH of the way to the least flag. Never a
# flag on its own: the record says who wrote a comment, not what is wrong with it.
RECORD_MIN_HIDDEN = 2
RECORD_PUSH = 0.9
# Commercial spam gives a way to reach the seller: a link, a domain, a handle or a phone
# number, or at least a price. Without any of them the content model alone ("Can the
# website add a dark mode?") stays below any threshold: it may raise the priority, never
# call a comment spam.
NO_HOOK_CAP = 0.5
# Exact copies shorter than this ("Agreed.", "Thank you!") are not spam.
DUPLICATE_MIN_CHARS = 20
# TF-IDF is fitted on at most this many of an article's latest comments.
TFIDF_THREAD_LIMIT = 5000


@dataclass(frozen=True)
class Thresholds:
    abuse: float
    off_topic: float
    spam: float
    hold: float
    max_links: int
    topic_model: str
    threads: int

    @classmethod
    def from_settings(cls) -> Thresholds:
        return cls(
            abuse=settings.TRIAGE_ABUSE_THRESHOLD,
            off_topic=settings.TRIAGE_OFFTOPIC_THRESHOLD,
            spam=settings.TRIAGE_SPAM_THRESHOLD,
            hold=settings.TRIAGE_HOLD_THRESHOLD,
            max_links=settings.TRIAGE_MAX_LINKS,
            topic_model=settings.TRIAGE_OFFTOPIC_MODEL,
            threads=settings.TRIAGE_MODEL_THREADS,
        )


@dataclass(frozen=True)
class Finding:
    """One reason for a moderator to look, with the line that explains it."""

    reason: str
    note: str
    score: float
    holds: bool = False


def _topic_space(model: str, articles: list, known: dict | None = None):
    if model == "minilm" and known is not None:
        return topic.MiniLMSpace(Thresholds.from_settings().threads, known=known)
    thread_texts = {}
    for article in articles:
        rows = (
            Comment.objects.filter(article=article)
            .order_by("-created")
            .values_list("body", "body_format")[:TFIDF_THREAD_LIMIT]
        )
        thread_texts[article.pk] = [plain_text(body, fmt) for body, fmt in rows]
    return topic.TfidfSpace(thread_texts)


def _off_topic(batch: list[Comment], texts: dict[int, str], model: str,
               known: dict | None = None) -> dict[int, dict]:
    """Return each comment's off-topic score and the similarities behind it.

    `known` maps texts to their sentence vectors, computed once for the whole batch
    (None: MiniLM is not available, and TF-IDF stands in)."""
    by_article: dict[int, list[Comment]] = defaultdict(list)
    articles = {}
    for comment in batch:
        by_article[comment.article_id].append(comment)
        articles[comment.article_id] = comment.article
    space = _topic_space(model, list(articles.values()), known)
    calibration = topic.CALIBRATIONS[space.name]
    results: dict[int, dict] = {}
    for article_id, comments in by_article.items():
        article = articles[article_id]
        terms = features.key_terms(article.title, article.paragraphs()[:topic.ARTICLE_PARAGRAPHS])
        story_places = places.story_places(article.title)
        rows: dict[int, int] = {}
        row_texts: list[str] = []
        for comment in comments:
            rows[comment.pk] = len(row_texts)
            row_texts.append(texts[comment.pk])
        for comment in comments:
            parent = comment.parent
            if parent is not None and parent.pk not in rows:
                rows[parent.pk] = len(row_texts)
                row_texts.append(plain_text(parent.body, parent.body_format))
        vectors = space.vectors(article, row_texts)
        to_article = vectors @ space.article_vector(article)
        reactions = space.reactions(vectors)
        # Parents come before their replies (the batch is in depth order), so a parent's
        # own score is known when its reply needs it.
        for comment in comments:
            row = rows[comment.pk]
            sim_article = float(to_article[row])
            sim_parent = None
            parent_off = 0.0
            if comment.parent_id is not None:
                parent_row = rows[comment.parent_id]
                sim_parent = topic.row_similarity(vectors, row, parent_row)
                if comment.parent_id in results:
                    parent_off = results[comment.parent_id]["off_topic"]
                elif comment.parent.triaged_at and "off_topic" in comment.parent.triage:
                    parent_off = comment.parent.triage["off_topic"]
                else:
                    parent_text = row_texts[parent_row]
                    parent_off, _ = topic.off_topic(
                        sim_article=float(to_article[parent_row]), sim_parent=None,
                        parent_off_topic=0.0, n_words=topic.content_words(parent_text),
                        calibration=calibration, reaction=float(reactions[parent_row]),
                    )
            n_words = topic.content_words(texts[comment.pk])
            score, _context = topic.off_topic(
                sim_article=sim_article, sim_parent=sim_parent, parent_off_topic=parent_off,
                n_words=n_words, calibration=calibration, reaction=float(reactions[row]),
            )
            # A place can be both one of the article's terms and one of its country's
            # towns: named once.
            named = list(dict.fromkeys(features.names_terms(texts[comment.pk], terms)
                                       + places.named_places(texts[comment.pk], story_places)))
            if named:
                score *= NAMED_FACTOR
            engaged = comment.parent is not None and features.addresses(
                texts[comment.pk], comment.parent.author_name)
            if engaged:
                score = min(score, max(parent_off, ENGAGED_FLOOR))
            results[comment.pk] = {
                "off_topic": round(score, 4),
                "names": named[:5],
                "engages_parent": engaged,
                "similarity": {
                    "article": round(sim_article, 4),
                    "parent": None if sim_parent is None else round(sim_parent, 4),
                },
                "parent_off_topic": round(parent_off, 4) if comment.parent_id else None,
                "content_words": n_words,
                "reaction": round(float(reactions[row]), 4),
                "topic_model": space.name,
            }
    return results


def _duplicates(batch: list[Comment], texts: dict[int, str]) -> dict[int, int]:
    """Map each comment that repeats another comment of its thread word for word to the
    earliest other copy (the first copy of a flood is spam as much as the rest)."""
    keys = {c.pk: (c.article_id, normalise(texts[c.pk])) for c in batch}
    keys = {pk: key for pk, key in keys.items() if len(key[1]) >= DUPLICATE_MIN_CHARS}
    if not keys:
        return {}
    rows = (
        Comment.objects.filter(article_id__in={a for a, _ in keys.values()},
                               body__in={c.body for c in batch if c.pk in keys})
        .order_by("created", "pk")
        .values_list("pk", "article_id", "body", "body_format")
    )
    copies_of: dict[tuple[int, str], list[int]] = defaultdict(list)
    for pk, article_id, body, fmt in rows:
        copies_of[(article_id, normalise(plain_text(body, fmt)))].append(pk)
    found = {}
    for pk, key in keys.items():
        others = [other for other in copies_of.get(key, []) if other != pk]
        if others:
            found[pk] = others[0]
    return found


def _spam_note(signals: dict) -> str:
    why = signals.get("spam_why") or []
    note = f"reads like spam: {signals['spam_content']:.2f}"
    return f"{note} ({', '.join(why)})" if why else note


def _findings(comment: Comment, signals: dict, hits, limits: Thresholds) -> list[Finding]:
    found: list[Finding] = []
    abuse = signals["abuse"]
    content = signals["spam_content"]
    # A sales pitch's urgency and capitals read to the abuse model as hostility, so when the
    # spam model is sure a comment is selling, the abuse model alone does not add a second
    # reason to it; swearing (the profanity classifier) and abuse over the hold threshold do.
    selling = (content >= limits.spam and abuse < limits.hold
               and signals["abuse_parts"]["profanity"] < limits.abuse)
    if abuse >= limits.abuse and not selling:
        found.append(Finding(Reason.ABUSIVE, f"abuse {abuse:.2f}", abuse,
                             holds=abuse >= limits.hold))
    for hit in hits:
        banned = hit.kind == WordList.Kind.BANNED
        found.append(Finding(hit.reason, f"{'banned' if banned else 'suspect'} word: "
                             f"{hit.found}", 1.0 if banned else WEIGHTS["suspect"],
                             holds=banned))
    links = signals["links"]
    link_score = signals["link_score"]
    if content >= limits.spam:
        found.append(Finding(Reason.SPAM, _spam_note(signals), content,
                             holds=content >= limits.hold))
    if link_score >= limits.spam:
        found.append(Finding(Reason.SPAM, f"{links} link{'s' if links != 1 else ''}",
                             link_score, holds=link_score >= limits.hold))
    behaviour = signals.get("behaviour") or {}
    if signals["duplicate_of"]:
        found.append(Finding(Reason.SPAM, f"same text as comment #{signals['duplicate_of']}",
                             1.0, holds=False))
    elif behaviour.get("same_text_as"):
        found.append(Finding(Reason.SPAM, f"same text as comment #{behaviour['same_text_as']}"
                             " on another article", 1.0, holds=False))
    elif signals["repetition"] >= limits.spam:
        found.append(Finding(Reason.SPAM, f"repeats itself: {signals['repetition']:.2f}",
                             signals["repetition"], holds=signals["repetition"] >= limits.hold))
    if behaviour.get("same_link_as") and limits.spam <= SHARED_LINK_SCORE:
        found.append(Finding(Reason.SPAM, f"same link as comment #{behaviour['same_link_as']}"
                             " on another article", SHARED_LINK_SCORE))
    # Only both together are a flag, whatever the threshold (as above for a shared link).
    if signals.get("link_behaviour", 0.0) >= max(limits.spam, PASTED_NEW_WRITER_LINK_SCORE):
        found.append(Finding(Reason.SPAM, "a link from a writer with no approved comment, "
                             f"in a text pasted {behaviour['seconds_to_post']} s after the "
                             "form showed", signals["link_behaviour"]))
    if signals["shouting_score"] >= limits.spam:
        found.append(Finding(Reason.SPAM, f"shouting: {signals['shouting']:.0%} capitals",
                             signals["shouting_score"]))
    spam = any(f.reason == Reason.SPAM for f in found)
    off = signals.get("off_topic")
    if not spam and off is not None and off >= limits.off_topic and not signals.get("noise"):
        sims = signals["similarity"]
        # The note gives the off-topic score the card shows, not the raw similarity it
        # came from (a cosine, negative for some texts, that means nothing to a reader).
        if sims["parent"] is None:
            note = f"little in common with the article (off-topic {off:.2f})"
        elif signals["content_words"] < topic.MIN_CONTENT_WORDS and (
            signals["parent_off_topic"] >= limits.off_topic
        ):
            note = (f"short reply in an off-topic exchange (the comment it answers: "
                    f"off-topic {signals['parent_off_topic']:.2f})")
        else:
            note = (f"little in common with the article or the comment it answers "
                    f"(off-topic {off:.2f})")
        found.append(Finding(Reason.OFF_TOPIC, note, off))
    if signals.get("noise") and not spam:
        found.append(Finding(Reason.NOISE, "adds nothing: a reaction of a word or two",
                             WEIGHTS["noise"]))
    return found


def _link_behaviour(has_link: bool, behaviour: dict) -> float:
    """How a link was sent, as a spam score: by a writer with no approved comment, in a
    text pasted within seconds of its form showing, or both (services.behaviour_signals()
    says which)."""
    if not has_link:
        return 0.0
    new_writer = behaviour.get("writer_approved") is False
    pasted = bool(behaviour.get("pasted"))
    if new_writer and pasted:
        return PASTED_NEW_WRITER_LINK_SCORE
    return NEW_WRITER_LINK_SCORE if new_writer or pasted else 0.0


def hidden_record(hidden: int, decided: int) -> bool:
    """Whether moderators hid most of a writer's `decided` comments (hidden or approved),
    and at least RECORD_MIN_HIDDEN of them. Read when a comment is scored (from
    services.behaviour_signals()); tasks.sweep_records() scores again the waiting comments
    of a person whose record has moved since."""
    return hidden >= RECORD_MIN_HIDDEN and 2 * hidden > decided


# The signals each of the learned model's reasons (learning.BLENDED_REASONS) is blended
# into.
_BLENDED = {Reason.ABUSIVE: ("abuse",), Reason.SPAM: ("spam", "spam_content"),
            Reason.OFF_TOPIC: ("off_topic",)}


def _priority(signals: dict, hits, findings: list[Finding], limits: Thresholds) -> float:
    """The queue's "worst first" key. Every comment flagged for abuse, spam or being off
    topic ranks above every comment flagged for none of them: a score that raised no flag
    counts only for how near it came to its threshold, scaled under the least priority
    such a flag carries. Without that, a near miss (an ordinary comment the abuse model
    scored 0.49) outranked a comment flagged off-topic (0.7 x 0.6 = 0.42 at the least),
    and a moderator working down the sort met it before the triage's own calls. Noise
    (0.3) ranks below those flags, and below the nearest misses; a comment by a writer
    with a record of hidden comments (hidden_record) ranks with them."""
    flagged = {f.reason for f in findings}
    # A ten-thousandth under the least flag: the priority is stored rounded to four places.
    ceiling = min(WEIGHTS["abuse"] * limits.abuse, WEIGHTS["spam"] * limits.spam,
                  WEIGHTS["off_topic"] * limits.off_topic) - 1e-4

    def part(reason: str, weight: float, score: float, threshold: float) -> float:
        if reason in flagged:
            return weight * score
        return ceiling * min(score / max(threshold, 1e-9), 1.0)

    off = 0.0 if signals.get("noise") else (signals.get("off_topic") or 0.0)
    parts = [
        part(Reason.ABUSIVE, WEIGHTS["abuse"], signals["abuse"], limits.abuse),
        part(Reason.SPAM, WEIGHTS["spam"], signals["spam"], limits.spam),
        part(Reason.OFF_TOPIC, WEIGHTS["off_topic"], off, limits.off_topic),
        WEIGHTS["noise"] if Reason.NOISE in flagged else 0.0,
    ]
    parts += [WEIGHTS["banned" if h.kind == WordList.Kind.BANNED else "suspect"] for h in hits]
    if signals.get("hidden_record"):
        parts.append(ceiling * RECORD_PUSH)
    return round(max(parts), 4)


def _by_reason(findings: list[Finding]) -> dict[str, Finding]:
    """One flag per reason: merge the notes of findings that share a reason."""
    merged: dict[str, Finding] = {}
    for finding in sorted(findings, key=lambda f: -f.score):
        if finding.reason in merged:
            first = merged[finding.reason]
            merged[finding.reason] = Finding(first.reason, f"{first.note}; {finding.note}",
                                             first.score, first.holds or finding.holds)
        else:
            merged[finding.reason] = finding
    return merged


def _embed(texts: list[str], limits: Thresholds):
    """The batch's sentence vectors, or None when the embedding model is missing."""
    try:
        model = embedder(limits.threads)
    except ModelUnavailable as error:
        log.warning("No sentence embeddings: abuse and spam models off, off-topic by "
                    "TF-IDF: %s", error)
        return None
    unique = list(dict.fromkeys(texts))
    return dict(zip(unique, model.embed(unique), strict=True)) if unique else {}


def compute(batch: list[Comment], limits: Thresholds | None = None, *,
            behaviour: dict[int, dict] | None = None,
            learned: learning.Learned | None = None) -> dict[int, dict]:
    """Return every comment's signals (the `triage` JSON), without saving anything.

    The comments need their article and parent loaded, and the batch must list parents
    before their replies (depth order) where both are in it: Comment.objects.for_triage()
    gives them so. `behaviour` maps a comment's pk to what the database says about its
    writer and links (services.behaviour_signals(): same_text_as, same_link_as,
    writer_approved); `learned` is the newsroom's model of its moderators' decisions
    (learning.Learned), blended in once it has enough labels.
    """
    limits = limits or Thresholds.from_settings()
    behaviour = behaviour or {}
    texts = {c.pk: plain_text(c.body, c.body_format) for c in batch}
    order = list(texts)
    profanity = dict(zip(order, abuse_scores([texts[pk] for pk in order]), strict=True))
    known = _embed([texts[pk] for pk in order], limits)
    models = shipped()
    listed = [texts[pk] for pk in order]
    if known is not None and order:
        vectors = np.vstack([known[text] for text in listed])
        blended, tuned = models.abuse_scores(vectors, listed, limits.threads)
        model_abuse = dict(zip(order, blended, strict=True))
        tuned_abuse = dict(zip(order, tuned, strict=True)) if tuned is not None else {}
        model_spam = dict(zip(order, models.spam.probabilities(vectors, listed), strict=True))
    else:
        model_abuse, model_spam, tuned_abuse = {}, {}, {}
    learned_scores = learned.scores(listed) if learned else None
    matcher = load_matcher()
    copies = _duplicates(batch, texts)
    topics = _off_topic(batch, texts, limits.topic_model,
                        known if limits.topic_model == "minilm" else None)
    result = {}
    for i, comment in enumerate(batch):
        text = texts[comment.pk]
        links = count_links(comment.body, comment.body_format)
        shouting = shouting_ratio(text)
        repeated = repetition(text)
        link_score = min(1.0, links / (limits.max_links + 1)) if links else 0.0
        # 50% capitals is emphatic; 80% and more is a comment written in capitals.
        shouting_score = min(1.0, max(0.0, (shouting - 0.5) / 0.3))
        hits = matcher.find(text)
        known_about = behaviour.get(comment.pk, {})
        spam_features = features.spam_features(text)
        content_spam = float(model_spam.get(comment.pk, 0.0))
        if not (spam_features["links"] or spam_features["contact"] or spam_features["money"]):
            content_spam = min(content_spam, NO_HOOK_CAP)
        abuse = max(float(profanity[comment.pk]), float(model_abuse.get(comment.pk, 0.0)))
        signals = {
            "version": VERSION,
            "abuse": round(abuse, 4),
            "abuse_parts": {"profanity": round(float(profanity[comment.pk]), 4),
                            "model": round(float(model_abuse.get(comment.pk, 0.0)), 4),
                            # The fine-tuned model's own score, before the blend.
                            **({"tuned": round(float(tuned_abuse[comment.pk]), 4)}
                               if comment.pk in tuned_abuse else {}),
                            # The abuse model's constructions that fired, for a moderator.
                            "patterns": patterns.why(text)},
            **topics[comment.pk],
            "links": links,
            "link_score": round(link_score, 4),
            "spam_content": round(content_spam, 4),
            "spam_why": _spam_why(spam_features),
            "shouting": round(shouting, 4),
            "shouting_score": round(shouting_score, 4),
            "repetition": round(repeated, 4),
            "duplicate_of": copies.get(comment.pk),
            "behaviour": known_about,
            "noise": features.is_noise(text),
            "words": [{"word": h.word, "found": h.found, "kind": h.kind, "reason": h.reason}
                      for h in hits],
        }
        signals["link_behaviour"] = _link_behaviour(
            bool(links or spam_features["links"]), known_about)
        signals["hidden_record"] = hidden_record(known_about.get("writer_hidden", 0),
                                                 known_about.get("writer_decided", 0))
        signals["spam"] = round(max(
            content_spam, link_score, shouting_score, repeated,
            1.0 if copies.get(comment.pk) or known_about.get("same_text_as") else 0.0,
            SHARED_LINK_SCORE if known_about.get("same_link_as") else 0.0,
            signals["link_behaviour"],
        ), 4)
        if learned_scores is not None:
            signals["learned"] = learned.explain(learned_scores[i], text)
            signals["learned"]["weights"] = _blend(signals, learned, learned_scores[i])
        findings = list(_by_reason(_findings(comment, signals, hits, limits)).values())
        signals["findings"] = [
            {"reason": f.reason, "note": f.note, "score": round(f.score, 4), "holds": f.holds}
            for f in findings
        ]
        signals["priority"] = _priority(signals, hits, findings, limits)
        result[comment.pk] = signals
    if known is not None:
        _add_worst_sentences(result, texts, limits)
    return result


# A sentence shown to a moderator is cut to this many characters.
SENTENCE_SHOWN = 200


def _add_worst_sentences(result: dict[int, dict], texts: dict[int, str],
                         limits: Thresholds) -> None:
    """Add to each long comment flagged for its abuse score the sentence the abuse model
    scores highest, where one alone passes its threshold (abuse_parts.sentence). The
    sentence explains the score, so a comment flagged by a word list alone gets none: there
    the word is the reason, and the model's likeliest sentence may be an innocent one (the
    seed's #9). Only those comments' sentences are embedded, so a batch of ordinary
    comments costs nothing more."""
    pks = [pk for pk, signals in result.items()
           if signals["abuse"] >= limits.abuse
           and any(f["reason"] == Reason.ABUSIVE for f in signals["findings"])
           and len(texts[pk].split()) >= WORST_SENTENCE_FROM_WORDS]
    if not pks:
        return
    found = shipped().worst_sentences([texts[pk] for pk in pks],
                                      embedder(limits.threads).embed)
    for pk, sentence in zip(pks, found, strict=True):
        if sentence:
            text, score = sentence
            result[pk]["abuse_parts"].update(sentence=Truncator(text).chars(SENTENCE_SHOWN),
                                             sentence_score=round(score, 4))


def _spam_why(values: dict[str, float]) -> list[str]:
    why = []
    if values["shortener"]:
        why.append("link shortener")
    if values["cheap_domain"]:
        why.append("storefront link")
    if values["money"]:
        why.append("money or offer words")
    if values["contact"]:
        why.append("contact handle")
    return why


def _blend(signals: dict, learned: learning.Learned,
           scores: dict[str, float]) -> dict[str, float]:
    """Mix the newsroom's learned scores into the shipped ones, each reason by its own
    weight (0 until the model has enough labels, and less while it has seen few of that
    reason: learning.Learned.weight_of()); return those weights, for the card."""
    weights = learned.weights()
    for reason, weight in weights.items():
        if not weight or reason not in scores:
            continue
        for key in _BLENDED[reason]:
            if signals.get(key) is not None:
                signals[key] = round((1 - weight) * signals[key] + weight * scores[reason], 4)
    return weights
