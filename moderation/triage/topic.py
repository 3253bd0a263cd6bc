"""Off-topic scores: how little a comment has in common with its article or its parent.

Two measures of "in common", both cosine similarities: sentence embeddings (MiniLM, the
default) or TF-IDF over the article and its thread. Each has its own scale, so each has a
calibration: the similarity at or below which two texts are unrelated, and the one at or
above which they are plainly about the same thing.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .classifiers import embedder

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer


def _sklearn_text():
    # scikit-learn takes most of a second to import: load it when triage first runs, not
    # in every process that merely starts Django.
    from sklearn.feature_extraction import text

    return text

LETTERS_RE = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class Calibration:
    unrelated: float
    related: float


CALIBRATIONS = {
    # MiniLM: unrelated sentences score about -0.05 to 0.15, sentences on one subject 0.3
    # and up (the model's documented range for semantic search hits).
    "minilm": Calibration(unrelated=0.10, related=0.35),
    # TF-IDF: 0.02 is one shared common word; 0.10 is several shared key terms.
    "tfidf": Calibration(unrelated=0.02, related=0.10),
}
# A comment needs about a sentence's worth of content words for its own words to count
# fully; shorter ones ("Say no more.") lean on their context instead (see off_topic()).
MIN_CONTENT_WORDS = 8
ARTICLE_PARAGRAPHS = 60
# What a short comment that reacts to what it answers says: a verdict, a feeling, a
# doubt, with no subject of its own. A short comment close to one of these ("Pardon me if
# I'm underwhelmed.") leans on its context as above; one that is like none of them
# ("Nice weather today.", "Who won the match?") has a subject of its own, and its own
# words judge it. Sentence vectors, so any wording of a reaction counts.
REACTIONS = (
    "I agree.", "I disagree.", "Good news.", "Great news.", "Bad news.", "About time.",
    "I'm not impressed.", "I doubt it.", "What a joke.", "Well said.", "So what?",
    "Thank God.", "That's a surprise.", "Interesting.", "I hope so.", "Not convinced.",
    "Who cares?", "This won't last.", "Finally!", "Nonsense.", "Exactly right.",
    "That is wonderful.", "How sad.", "I don't believe it.", "We'll see.", "Unbelievable.",
    "Good for them.", "This changes nothing.", "Who would have thought?", "Say no more.",
    "Big deal.", "Let's hope it works.", "Thank you for this.", "You are right.",
    "You are wrong.", "That's the point.", "Fair enough.", "Me neither.",
)
# Below this similarity to the nearest reaction a short comment is not one at all, above
# REACTION_LIKE it plainly is one.
REACTION_UNLIKE = 0.22
REACTION_LIKE = 0.42


def content_words(text: str) -> int:
    # Contractions split at the apostrophe: "I’m" is "i" and "m", neither of them content.
    return sum(1 for w in LETTERS_RE.findall(text.lower())
               if len(w) > 1 and w not in _sklearn_text().ENGLISH_STOP_WORDS)


def off_topic(*, sim_article: float, sim_parent: float | None, parent_off_topic: float,
              n_words: int, calibration: Calibration, reaction: float = 1.0
              ) -> tuple[float, float]:
    """Return (off-topic score 0..1, the similarity it rests on).

    A reply may stay close to its parent instead of the article, but a parent counts only
    as much as it is on-topic itself, so a chat that drifted stays off-topic however
    closely its replies follow each other. A comment with few content words is mostly
    judged by its context: a short top-level reaction is taken as a reaction to the
    article, a short reply as a reaction to its parent, as far as it reads like a reaction
    (`reaction`, 0..1, from reaction_likeness(); 1 when not measured).
    """
    if sim_parent is None:
        context, prior = sim_article, 0.0
    else:
        context = max(sim_article, sim_parent * (1.0 - parent_off_topic))
        prior = parent_off_topic
    span = calibration.related - calibration.unrelated
    raw = min(1.0, max(0.0, (calibration.related - context) / span))
    weight = max(min(1.0, n_words / MIN_CONTENT_WORDS), 1.0 - reaction) if n_words else 0.0
    return weight * raw + (1.0 - weight) * prior, context


def article_text(article) -> str:
    return "\n".join([article.title, *article.paragraphs()[:ARTICLE_PARAGRAPHS]])


def reaction_likeness(similarity: float) -> float:
    """How much a short comment reads like a reaction, 0..1, from its similarity to the
    nearest of REACTIONS."""
    return min(1.0, max(0.0, (similarity - REACTION_UNLIKE) / (REACTION_LIKE - REACTION_UNLIKE)))


class MiniLMSpace:
    """Sentence embeddings; an article is the mean of its title's and paragraphs' vectors
    (the model reads only 256 tokens at a time, so a whole article would be cut short)."""

    name = "minilm"
    _articles: OrderedDict = OrderedDict()  # (pk, updated_at) -> vector, shared per process
    _reactions: np.ndarray | None = None  # REACTIONS' vectors, shared per process

    def __init__(self, threads: int = 1, known: dict | None = None):
        self.embedder = embedder(threads)
        # Texts whose vectors the caller has already (the batch's comments).
        self.known = known if known is not None else {}

    def article_vector(self, article) -> np.ndarray:
        key = (article.pk, article.updated_at)
        vector = self._articles.get(key)
        if vector is None:
            parts = [article.title, *article.paragraphs()[:ARTICLE_PARAGRAPHS]]
            vectors = self.embedder.embed(parts)
            vector = vectors.mean(axis=0)
            vector /= max(float(np.linalg.norm(vector)), 1e-12)
            self._articles[key] = vector
            while len(self._articles) > 256:
                self._articles.popitem(last=False)
        return vector

    def reactions(self, vectors: np.ndarray) -> np.ndarray:
        """Each row's reaction_likeness()."""
        if MiniLMSpace._reactions is None:
            MiniLMSpace._reactions = self.embedder.embed(list(REACTIONS))
        nearest = (vectors @ MiniLMSpace._reactions.T).max(axis=1) if len(vectors) else []
        return np.array([reaction_likeness(float(s)) for s in nearest])

    def vectors(self, article, texts: list[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self.known))
        if missing:
            self.known.update(zip(missing, self.embedder.embed(missing), strict=True))
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.vstack([self.known[t] for t in texts])


class TfidfSpace:
    """TF-IDF fitted on the article and its whole thread, so words common in this
    discussion weigh less than the words that set a comment apart. Rows are sparse."""

    name = "tfidf"

    def __init__(self, thread_texts: dict[int, list[str]] | None = None):
        self.thread_texts = thread_texts or {}
        self._fitted: dict[int, TfidfVectorizer] = {}

    def _vectorizer(self, article) -> TfidfVectorizer:
        vectorizer = self._fitted.get(article.pk)
        if vectorizer is None:
            vectorizer = _sklearn_text().TfidfVectorizer(stop_words="english", sublinear_tf=True,
                                         strip_accents="unicode")
            vectorizer.fit([article_text(article), *self.thread_texts.get(article.pk, [])])
            self._fitted[article.pk] = vectorizer
        return vectorizer

    def article_vector(self, article) -> np.ndarray:
        return self._vectorizer(article).transform([article_text(article)]).toarray()[0]

    def vectors(self, article, texts: list[str]):
        return self._vectorizer(article).transform(texts)

    def reactions(self, vectors) -> np.ndarray:
        """Not measured without sentence vectors: every short comment leans on its context."""
        return np.ones(vectors.shape[0])


def row_similarity(vectors, i: int, j: int) -> float:
    """Cosine of two unit-length rows of a dense or sparse matrix."""
    if hasattr(vectors, "multiply"):
        return float(vectors[i].multiply(vectors[j]).sum())
    return float(vectors[i] @ vectors[j])
