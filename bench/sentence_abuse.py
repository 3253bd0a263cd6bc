"""Does the linear abuse model find the abuse inside long, reasoned comments when it also
scores each sentence on its own? A probe, not the product's scoring.

    .venv/bin/python bench/sentence_abuse.py [--corpus ../shared/corpus] [--cache DIR]
        [--leave-out NAME ...]

Leave-one-thread-out's misses are mostly abuse inside a long comment whose sentence
embedding is the reasoning's. Here the linear abuse model is trained as
bench/train_triage.py trains it (on everything for the development set of other stories,
without the thread for each `--leave-out` thread, whose file name has NAME in it), and
each comment is scored four ways: whole (as the product scores it), the highest score of
its sentences of three words or more, the higher of the two, and their mean. Prints, for
each, the average precision and what the model's own threshold finds, per set and summed
over the left-out threads. No threshold is chosen for the new scorings and no held-out
set is read.
"""

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import train_triage as tt  # noqa: E402

DEV = tt.ROOT / "bench" / "triage_dev_stories.json"
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
SCORINGS = ("whole", "sentence max", "max of both", "mean of both")


def sentences(text: str) -> list[str]:
    parts = [p for p in SENTENCE_END.split(text.strip()) if len(p.split()) >= 3]
    return parts or [text]


def scorings(fitted, embed, name: str, texts: list[str]) -> dict[str, np.ndarray]:
    x = tt.abuse_matrix(embed(name, texts), texts).tocsr()
    whole = fitted.model.predict_proba(x)[:, 1]
    split = [(i, s) for i, text in enumerate(texts) for s in sentences(text)]
    flat = [s for _, s in split]
    by_sentence = fitted.model.predict_proba(
        tt.abuse_matrix(embed(f"{name}-sentences", flat), flat).tocsr())[:, 1]
    best = np.zeros(len(texts))
    np.maximum.at(best, np.array([i for i, _ in split]), by_sentence)
    return dict(zip(SCORINGS, (whole, best, np.maximum(whole, best), (whole + best) / 2),
                    strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=tt.DEFAULT_CORPUS)
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--leave-out", nargs="*", default=["retired", "training_thread"],
                        help="judge each thread whose file name has one of these in it")
    args = parser.parse_args()
    from sklearn.metrics import average_precision_score

    embed = tt.CachedEmbedder(args.cache)
    data = tt.AbuseData.load(args.corpus, embed)

    def judge(label: str, fitted, texts: list[str], abusive: np.ndarray) -> dict:
        """Prints each scoring's figures on one set; returns found, positives and false
        alarms by scoring."""
        counts = {}
        for name, scores in scorings(fitted, embed, label, texts).items():
            flagged = scores >= fitted.threshold
            counts[name] = np.array([(flagged & abusive).sum(), abusive.sum(),
                                     (flagged & ~abusive).sum()])
            print(f"  {label:<28} {name:<13} average precision "
                  f"{average_precision_score(abusive, scores):.3f}, at {fitted.threshold:.3f} "
                  f"found {counts[name][0]} of {counts[name][1]}, "
                  f"false alarms {counts[name][2]}", flush=True)
        return counts

    dev = json.loads(DEV.read_text(encoding="utf-8"))["comments"]
    judge("dev-stories", data.train(list(data.threads)), [c["body"] for c in dev],
          np.array([c["label"] == "abusive" for c in dev]))
    summed = {name: np.zeros(3, int) for name in SCORINGS}
    for path in [p for p in data.threads if any(n in p.stem for n in args.leave_out)]:
        comments = data.threads[path]
        counts = judge(path.stem, data.train([p for p in data.threads if p != path]),
                       [c["body"] for c in comments],
                       np.array([c["label"] == "abusive" for c in comments]))
        for name in SCORINGS:
            summed[name] += counts[name]
    print("summed over the left-out threads, each at its own model's threshold:")
    for name, (found, positives, false) in summed.items():
        f1 = 2 * found / (found + false + positives)
        print(f"  {name:<13} found {found} of {positives}, false alarms {false} (F1 {f1:.3f})")


if __name__ == "__main__":
    main()
