"""Precision and recall of each triage signal against a plain keyword-list baseline.

    DJANGO_DEBUG=1 .venv/bin/python bench/eval_triage.py [--jigsaw CSV] [--labels JSON]

(a) the seed thread (fixtures/seed.json) against its labels (fixtures/seed_labels.json,
    explained in fixtures/README.md), and (b) a Jigsaw toxic-comment sample
    (../shared/corpus/toxic/jigsaw_test_examples.csv beside the checkout by default; any
    CSV with `comment_text` and `toxic` columns will do). Everything runs through the real
    pipeline (moderation.screening.score_comments) on a scratch SQLite database with the
    thresholds in config/settings.py; nothing is tuned here.

The baseline is what WordPress's "comment moderation" box does: a list of bad words, any
of which anywhere in the text (even inside another word) holds the comment. It is shown
as WordPress matches (substring) and with whole-word matching, the fairer of the two.
For off-topic the keyword baseline is: the comment shares no word with the headline.
"""

import argparse
import csv
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._setup import ROOT, setup_django  # noqa: E402

DEFAULT_JIGSAW = ROOT.parent / "shared" / "corpus" / "toxic" / "jigsaw_test_examples.csv"
DEFAULT_LABELS = ROOT / "fixtures" / "seed_labels.json"

# A plain list of English swear words and insults, as a newsroom would paste into a
# keyword filter. Fixed here, not chosen from either data set.
KEYWORDS = [
    "arse", "ass", "asshole", "bastard", "bitch", "bollocks", "cock", "crap", "cunt", "damn",
    "dick", "douche", "dumb", "fag", "faggot", "fuck", "gay", "hate", "hell", "idiot", "jerk",
    "kill", "loser", "moron", "nigger", "piss", "prick", "pussy", "retard", "scum", "shit",
    "shut up", "slut", "stupid", "suck", "twat", "ugly", "wanker", "whore",
]
ABUSE_REASONS = {"abusive", "personal_attack"}
STOP = None


def keyword_substring(text: str) -> bool:
    low = text.lower()
    return any(k in low for k in KEYWORDS)


_WHOLE = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(k) for k in KEYWORDS) + r")(?!\w)",
                    re.IGNORECASE)


def keyword_whole_word(text: str) -> bool:
    return bool(_WHOLE.search(text))


def shares_no_headline_word(text: str, title: str) -> bool:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    def key_words(s):
        return {w for w in re.findall(r"[^\W\d_]+", s.lower())
                if len(w) > 2 and w not in ENGLISH_STOP_WORDS}

    return not (key_words(text) & key_words(title))


def scores(predicted: list[bool], actual: list[bool]) -> tuple[float, float, float, str]:
    tp = sum(p and a for p, a in zip(predicted, actual, strict=True))
    fp = sum(p and not a for p, a in zip(predicted, actual, strict=True))
    fn = sum(a and not p for p, a in zip(predicted, actual, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, f"{tp}/{fp}/{fn}"


def table(title: str, positives: int, total: int, rows: list[tuple[str, list, list]]) -> None:
    print(f"\n{title} ({positives} positive of {total})")
    print(f"  {'signal':<52} {'precision':>9} {'recall':>7} {'F1':>6}  tp/fp/fn")
    for name, predicted, actual in rows:
        p, r, f, counts = scores(predicted, actual)
        print(f"  {name:<52} {p:>9.2f} {r:>7.2f} {f:>6.2f}  {counts}")


def findings(comment, *reasons) -> bool:
    return any(f["reason"] in reasons for f in comment.triage.get("findings", []))


def word_hit(comment, *reasons) -> bool:
    return any(w["reason"] in reasons for w in comment.triage.get("words", []))


def rescore(comments, model: str):
    from django.conf import settings

    from moderation.models import Comment
    from moderation.screening import score_comments

    settings.TRIAGE_OFFTOPIC_MODEL = model
    score_comments(comments, flag=False)
    return {c.pk: c for c in Comment.objects.filter(pk__in=[c.pk for c in comments])}


def evaluate_seed(labels_path: Path) -> None:
    from django.conf import settings
    from django.core.management import call_command

    from moderation.models import Comment

    labels = {row["pk"]: row["label"] for row in json.loads(labels_path.read_text())["comments"]}
    call_command("loaddata", "seed", verbosity=0)
    comments = list(Comment.objects.filter(pk__in=labels).select_related("article"))
    minilm = rescore(comments, "minilm")
    tfidf = rescore(comments, "tfidf")
    settings.TRIAGE_OFFTOPIC_MODEL = "minilm"
    pks = sorted(labels)
    texts = {c.pk: c.body for c in comments}
    title = comments[0].article.title
    abusive = [labels[pk] == "abusive" for pk in pks]
    off = [labels[pk] == "off-topic" for pk in pks]
    flagged = [labels[pk] != "on-topic" for pk in pks]
    table("(a) seed thread: abusive", sum(abusive), len(pks), [
        ("baseline: keyword list, substring (WordPress)",
         [keyword_substring(texts[pk]) for pk in pks], abusive),
        ("baseline: keyword list, whole words",
         [keyword_whole_word(texts[pk]) for pk in pks], abusive),
        (f"abuse classifier >= {settings.TRIAGE_ABUSE_THRESHOLD}",
         [minilm[pk].triage["abuse"] >= settings.TRIAGE_ABUSE_THRESHOLD for pk in pks],
         abusive),
        ("word lists (abusive reasons)", [word_hit(minilm[pk], *ABUSE_REASONS) for pk in pks],
         abusive),
        ("triage: abusive flag (classifier or word lists)",
         [findings(minilm[pk], *ABUSE_REASONS) for pk in pks], abusive),
    ])
    table("(a) seed thread: off-topic", sum(off), len(pks), [
        ("baseline: shares no word with the headline",
         [shares_no_headline_word(texts[pk], title) for pk in pks], off),
        (f"off-topic, TF-IDF >= {settings.TRIAGE_OFFTOPIC_THRESHOLD}",
         [findings(tfidf[pk], "off_topic") for pk in pks], off),
        (f"off-topic, MiniLM >= {settings.TRIAGE_OFFTOPIC_THRESHOLD} (default)",
         [findings(minilm[pk], "off_topic") for pk in pks], off),
    ])
    table("(a) seed thread: needs a moderator (off-topic or abusive)", sum(flagged), len(pks), [
        ("baseline: keyword list or no headline word",
         [keyword_whole_word(texts[pk]) or shares_no_headline_word(texts[pk], title)
          for pk in pks], flagged),
        ("triage: any automatic flag (TF-IDF off-topic)",
         [bool(tfidf[pk].triage["findings"]) for pk in pks], flagged),
        ("triage: any automatic flag (MiniLM off-topic)",
         [bool(minilm[pk].triage["findings"]) for pk in pks], flagged),
    ])
    # Separation, threshold-free: how often a labelled comment outranks an on-topic one.
    print("\n  ranking (share of labelled/on-topic pairs in the right order; 1.00 = all):")
    for name, scored in (("off-topic score, TF-IDF", tfidf), ("off-topic score, MiniLM", minilm)):
        print(f"    {name:<50} {_auc([scored[pk].triage['off_topic'] for pk in pks], off):.2f}")
    for name, scored in (("priority, TF-IDF off-topic", tfidf),
                         ("priority, MiniLM off-topic", minilm)):
        print(f"    {name:<50} {_auc([scored[pk].priority for pk in pks], flagged):.2f}")
    order = sorted(pks, key=lambda pk: (-minilm[pk].priority, minilm[pk].created, pk))
    print("  queue sorted by priority: " + ", ".join(
        f"#{pk}{'*' if labels[pk] != 'on-topic' else ''}" for pk in order)
        + "   (* labelled off-topic or abusive)")


def _auc(values: list[float], positive: list[bool]) -> float:
    pos = [v for v, p in zip(values, positive, strict=True) if p]
    neg = [v for v, p in zip(values, positive, strict=True) if not p]
    if not pos or not neg:
        return float("nan")
    wins = sum(1.0 if a > b else 0.5 if a == b else 0.0 for a in pos for b in neg)
    return wins / (len(pos) * len(neg))


def evaluate_jigsaw(path: Path) -> None:
    from django.conf import settings
    from django.utils import timezone

    from articles.models import Article
    from moderation.models import Comment

    with path.open(newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r.get("comment_text", "").strip()]
    article = Article.objects.create(title="Jigsaw sample", slug="jigsaw-eval",
                                     body="Wikipedia talk page comments.")
    now = timezone.now()
    comments = Comment.objects.bulk_create_threaded(
        Comment(article=article, author_name=f"J{i}", body=r["comment_text"], created=now,
                status=Comment.Status.PENDING)
        for i, r in enumerate(rows)
    )
    scored = rescore(comments, "minilm")
    toxic = [r["toxic"].strip() == "1" for r in rows]
    texts = [r["comment_text"] for r in rows]
    ordered = [scored[c.pk] for c in comments]
    threshold = settings.TRIAGE_ABUSE_THRESHOLD
    table(f"(b) {path.name}: toxic", sum(toxic), len(rows), [
        ("baseline: keyword list, substring (WordPress)",
         [keyword_substring(t) for t in texts], toxic),
        ("baseline: keyword list, whole words", [keyword_whole_word(t) for t in texts], toxic),
        (f"abuse classifier >= {threshold}", [c.triage["abuse"] >= threshold for c in ordered],
         toxic),
        ("word lists (abusive reasons)", [word_hit(c, *ABUSE_REASONS) for c in ordered], toxic),
        ("triage: abusive flag (classifier or word lists)",
         [findings(c, *ABUSE_REASONS) for c in ordered], toxic),
    ])
    print("\n  abuse classifier at other thresholds (for choosing TRIAGE_ABUSE_THRESHOLD):")
    for t in (0.3, 0.5, 0.7, 0.8, 0.9):
        p, r, f, counts = scores([c.triage["abuse"] >= t for c in ordered], toxic)
        print(f"    >= {t:.1f}: precision {p:.2f} recall {r:.2f} F1 {f:.2f} ({counts})")
    print(f"  ranking by abuse score: {_auc([c.triage['abuse'] for c in ordered], toxic):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jigsaw", type=Path, default=DEFAULT_JIGSAW)
    parser.add_argument("--labels", type=Path, default=DEFAULT_LABELS)
    args = parser.parse_args()
    setup_django()
    evaluate_seed(args.labels)
    if args.jigsaw.exists():
        evaluate_jigsaw(args.jigsaw)
    else:
        print(f"\n(b) skipped: {args.jigsaw} not found (pass --jigsaw CSV)")


if __name__ == "__main__":
    main()
