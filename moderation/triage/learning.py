"""The newsroom's own model: what its moderators approve, and what they hide and why.

Every moderator's approve is a label "ok", every hide a label with its reason (a hide
without one is "other"). A HashingVectorizer (no vocabulary to store) feeds an
SGDClassifier trained with partial_fit, a few thousand decisions at a time, by the task
moderation.tasks.train_learned_model; the weights live in the database (LearnedModel).
Scoring blends it with the shipped models once it has MIN_LABELS decisions, with a
weight that grows with them up to MAX_WEIGHT, and says so ("learned from 1,240
decisions"), with the words that pushed a comment towards a reason.

train() reads the audit log (bounded, in id order after the last row it read) and writes
the model; current() loads it for scoring; start_over() makes it forget, for an admin.
None of them calls the moderation services.
"""

from __future__ import annotations

import io
import re
import threading
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Exists, OuterRef
from django.utils import timezone

from moderation.models import CommenterEvent, LearnedModel, ModerationEvent, Reason

from .text import plain_text

NAME = "newsroom"
N_FEATURES = 2**16
CLASSES = ("ok", *Reason.values)
# Below this many decisions the learned model is shown but not used.
MIN_LABELS = 200
# Its weight in the blend grows with its labels: MAX_WEIGHT at FULL_LABELS and beyond.
# Chosen by leave-one-set-out runs of bench/eval_learning.py over the seven labelled sets
# of ours that had been read (decisions on six, the seventh judged; about 360 decisions
# on the story each time): abuse went from 76 to 86 of 99 found, with 4 false alarms
# instead of 12, full at 300 labels; at 0.1 (this schedule's weight there when it was
# full at 2,000) it barely moved (78, 8 false alarms).
MAX_WEIGHT = 0.5
FULL_LABELS = 300
# A reason's own weight is that weight times its share of REASON_FULL decisions with it:
# a model that has seen few spam comments says "not spam" of most spam, and at full
# weight for every reason it lost 7 of 44 spam comments and 4 of 92 off-topic ones in
# those runs, where the shipped models had been right (1 and none with this).
REASON_FULL = 100
# Decisions read per training run; the next run takes the rest.
TRAIN_BATCH = 5000
TOKEN_RE = re.compile(r"(?u)\b\w\w+\b")

# The reasons whose shipped scores it is blended into (scoring._blend()).
BLENDED_REASONS = (Reason.ABUSIVE, Reason.SPAM, Reason.OFF_TOPIC)
# The labels behind each blended score (Learned.scores() adds personal attacks to abuse).
_COUNTED = {Reason.ABUSIVE: (Reason.ABUSIVE, Reason.PERSONAL_ATTACK)}

_lock = threading.Lock()
_loaded: dict = {}


def weight_for(labels: int) -> float:
    if labels < MIN_LABELS:
        return 0.0
    return round(min(MAX_WEIGHT, MAX_WEIGHT * labels / FULL_LABELS), 3)


def _vectorizer():
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(n_features=N_FEATURES, alternate_sign=False, ngram_range=(1, 2),
                             norm="l2", strip_accents="unicode")


def _classifier():
    from sklearn.linear_model import SGDClassifier

    return SGDClassifier(loss="log_loss", alpha=1e-5, random_state=0)


def _dump(model) -> bytes:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, coef=model.coef_.astype(np.float32),
                        intercept=model.intercept_.astype(np.float32),
                        classes=np.array(model.classes_, dtype="U20"), t=np.array([model.t_]))
    return buffer.getvalue()


def _load(data: bytes):
    arrays = np.load(io.BytesIO(bytes(data)), allow_pickle=False)
    model = _classifier()
    model.coef_ = arrays["coef"].astype(np.float64)
    model.intercept_ = arrays["intercept"].astype(np.float64)
    model.classes_ = arrays["classes"].astype(object)
    model.t_ = float(arrays["t"][0])
    return model


def _learnable(after: int):
    """Moderators' approves and hides after audit row `after` that nobody undid, along
    the primary key: what decisions() learns and pending_decisions() counts. A ban's
    "hide all" is left out: a moderator judged the person, not each comment, and a
    prolific writer's thousands of hides, alike, outweighed every other label (QA: 2,500
    of them put the model at its full weight and an ordinary question at 0.93 abusive)."""
    hidden_with_a_ban = CommenterEvent.hides.through.objects.filter(
        moderationevent_id=OuterRef("pk"))
    return ModerationEvent.objects.filter(
        pk__gt=after, actor__isnull=False,
        action__in=[ModerationEvent.Action.APPROVED, ModerationEvent.Action.HIDDEN],
        undone_by__isnull=True,
    ).exclude(Exists(hidden_with_a_ban)).order_by("pk")


def decisions(after: int, limit: int = TRAIN_BATCH):
    """Moderators' approves and hides after audit row `after`, oldest first, as
    (event id, label, comment body, body format); undone decisions are left out.
    Bounded, and read along the primary key."""
    rows = _learnable(after).values_list(
        "pk", "action", "reason", "comment__body", "comment__body_format")[:limit]
    for pk, action, reason, body, body_format in rows:
        label = "ok" if action == ModerationEvent.Action.APPROVED else (reason or Reason.OTHER)
        yield pk, label, body, body_format


def pending_decisions(limit: int) -> int:
    """How many decisions wait to be learned, counted up to `limit`."""
    after = LearnedModel.objects.filter(name=NAME).values_list("last_event_id", flat=True).first()
    return _learnable(after or 0)[:limit].count()


def train(limit: int = TRAIN_BATCH) -> dict:
    """Learn from the decisions since the last run (at most `limit`); return what it did."""
    row = LearnedModel.objects.filter(name=NAME).first()
    after, known = (row.last_event_id, row.labels) if row else (0, 0)
    batch = list(decisions(after, limit))
    if not batch:
        return {"learned": 0, "labels": known}
    texts = [plain_text(body, fmt) for _pk, _label, body, fmt in batch]
    labels = np.array([label for _pk, label, _body, _fmt in batch], dtype=object)
    x = _vectorizer().transform(texts)
    if known:
        model = _load(row.weights)
        model.partial_fit(x, labels)
    else:  # the first run, or the first since start_over()
        model = _classifier()
        model.partial_fit(x, labels, classes=np.array(CLASSES, dtype=object))
    counts = dict(row.counts) if known else {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    fields = {"weights": _dump(model), "labels": known + len(batch),
              "last_event_id": batch[-1][0], "counts": counts, "trained_at": timezone.now()}
    # Written only over the row as it was read: a run that met another run (which learned
    # the same decisions) or an admin's start_over() (which forgot them) is dropped
    # instead of overwriting it.
    if row:
        saved = LearnedModel.objects.filter(pk=row.pk, last_event_id=after,
                                            labels=known).update(**fields)
    else:
        _row, saved = LearnedModel.objects.get_or_create(name=NAME, defaults=fields)
    if not saved:
        return {"learned": 0, "labels": known}
    return {"learned": len(batch), "labels": known + len(batch)}


def start_over(*, relearn: bool = False) -> None:
    """Forget everything learned. Then it learns only from the decisions made from now on
    (a newsroom that changed its rules: every earlier decision teaches the old ones), or,
    with `relearn`, from the whole audit log again (after many decisions were undone:
    a decision undone once it was learned stays learned until then). Until it has
    MIN_LABELS decisions again, nothing is blended in and the card says nothing of it."""
    latest = 0 if relearn else (
        ModerationEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0)
    LearnedModel.objects.update_or_create(name=NAME, defaults={
        "weights": b"", "labels": 0, "last_event_id": latest, "counts": {},
        "trained_at": timezone.now(),
    })


@dataclass
class Learned:
    """The learned model as scoring uses it."""

    labels: int
    model: object

    # Decisions per label ({"ok": 812, "spam": 40, …}).
    counts: dict = field(default_factory=dict)

    @property
    def weight(self) -> float:
        return weight_for(self.labels)

    def weight_of(self, reason: str) -> float:
        """The blend weight of one reason's score: the model's weight, scaled down while
        it has seen fewer than REASON_FULL decisions with that reason (for abuse,
        personal attacks count too, as its score adds them)."""
        seen = sum(self.counts.get(label, 0) for label in _COUNTED.get(reason, (reason,)))
        return round(self.weight * min(1.0, seen / REASON_FULL), 3)

    def weights(self) -> dict[str, float]:
        """Each blended reason's weight, as scoring uses them and the card and the admin
        show them."""
        return {reason: self.weight_of(reason) for reason in BLENDED_REASONS}

    def scores(self, texts: list[str]) -> list[dict[str, float]]:
        """Each text's probability per label; abuse counts personal attacks too."""
        if not texts:
            return []
        probabilities = self.model.predict_proba(_vectorizer().transform(texts))
        classes = list(self.model.classes_)
        out = []
        for row in probabilities:
            scores = {c: float(p) for c, p in zip(classes, row, strict=True)}
            scores[Reason.ABUSIVE] = scores.get(Reason.ABUSIVE, 0.0) + scores.get(
                Reason.PERSONAL_ATTACK, 0.0)
            out.append(scores)
        return out

    def explain(self, scores: dict[str, float], text: str) -> dict:
        """What the card shows: how many decisions, the weight, the likeliest reason
        to hide and the words that pushed the comment towards it."""
        hides = {r: s for r, s in scores.items() if r != "ok"}
        reason = max(hides, key=hides.get) if hides else ""
        return {
            "labels": self.labels,
            "weight": self.weight,
            "reason": reason,
            "score": round(hides.get(reason, 0.0), 4),
            "ok": round(scores.get("ok", 0.0), 4),
            "words": self.top_words(text, reason) if reason else [],
        }

    def top_words(self, text: str, reason: str, n: int = 3) -> list[str]:
        classes = list(self.model.classes_)
        if reason not in classes:
            return []
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        coef = self.model.coef_[classes.index(reason)]
        vectorizer = _vectorizer()
        weights = {}
        for word in dict.fromkeys(TOKEN_RE.findall(text.lower())):
            if word in ENGLISH_STOP_WORDS:
                continue
            column = vectorizer.transform([word]).indices
            if len(column):
                weights[word] = float(coef[column[0]])
        ranked = sorted(weights, key=weights.get, reverse=True)
        return [w for w in ranked[:n] if weights[w] > 0]


def current() -> Learned | None:
    """The newsroom's learned model (one query; the weights are decoded once per
    training run and process), or None before its first training."""
    row = (LearnedModel.objects.filter(name=NAME)
           .values_list("pk", "trained_at", "labels", "counts").first())
    if row is None or not row[2]:  # never trained, or started over since
        return None
    key = (row[0], row[1])
    with _lock:
        if _loaded.get("key") != key:
            weights = LearnedModel.objects.values_list("weights", flat=True).get(pk=row[0])
            _loaded.update(key=key, learned=Learned(labels=row[2], model=_load(weights),
                                                    counts=dict(row[3] or {})))
        return _loaded["learned"]
