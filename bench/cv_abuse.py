"""Leave-one-thread-out cross-validation of the shipped abuse model's training choices.

    .venv/bin/python bench/cv_abuse.py [--corpus ../shared/corpus] [--cache DIR]
        [--thread-weight W ...] [--c C ...] [--quantile Q ...] [--without NAME ...]

The labelled threads the abuse model trains on (bench/triage_retired_*.json and
bench/triage_training_thread_*.json: whole comment sections on the seed's story) are
each left out in turn: the model is trained as bench/train_triage.py trains it on
everything else, its threshold chosen the same way (the written examples and the other
threads out of fold, our validation set, the seed), and the left-out thread's comments are
judged as the triage judges them with the word lists emptied (abusive when the profanity
classifier or the abuse model passes its threshold). Prints, per setting, the abusive
comments found, the false alarms and F1, summed over the left-out threads, so that a
training choice is made on the threads and never on a held-out set
(bench/triage_holdout_*.json is not read here).
"""

import argparse
import itertools
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import train_triage as tt  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=tt.DEFAULT_CORPUS)
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--thread-weight", type=float, nargs="+", default=[tt.THREAD_WEIGHT])
    parser.add_argument("--c", type=float, nargs="+", default=[tt.ABUSE_C])
    parser.add_argument("--quantile", type=float, nargs="+", default=[tt.ABUSE_QUANTILE])
    parser.add_argument("--without", nargs="*", default=[],
                        help="thread files (stem) never trained on in any fold")
    parser.add_argument("--judge", default="",
                        help="leave out and judge only the threads whose file name has this in it")
    parser.add_argument("--show", action="store_true",
                        help="print the comments missed and the false alarms (they are training "
                        "threads, read already; no held-out set is read here)")
    args = parser.parse_args()
    embed = tt.CachedEmbedder(args.cache)
    data = tt.AbuseData.load(args.corpus, embed)
    threads = {p.stem: c for p, c in data.threads.items()
               if p.stem not in args.without and args.judge in p.stem}
    from profanity_check import predict_prob

    judged = {name: (np.array([c["label"] == "abusive" for c in comments]),
                     predict_prob([c["body"] for c in comments]))
              for name, comments in threads.items()}
    print(f"judged: {', '.join(threads)}; never trained on: {', '.join(args.without) or '-'}")
    print(f"{'thread weight':>13} {'C':>5} {'quantile':>8}   found  false  missed  F1     "
          "per thread (found/false)")
    for weight, c, quantile in itertools.product(args.thread_weight, args.c, args.quantile):
        tp = fp = fn = 0
        per = []
        for name in threads:
            kept = {p: cs for p, cs in data.threads.items()
                    if p.stem != name and p.stem not in args.without}
            fitted = data.train(kept, thread_weight=weight, c=c, quantile=quantile)
            comments = threads[name]
            texts = [x["body"] for x in comments]
            scores = fitted.model.predict_proba(tt.abuse_matrix(embed(f"thread-{name}", texts),
                                                         texts))[:, 1]
            labels, profanity = judged[name]
            predicted = (scores >= fitted.threshold) | (profanity >= 0.5)
            t, f, n = (int((predicted & labels).sum()), int((predicted & ~labels).sum()),
                       int((~predicted & labels).sum()))
            tp, fp, fn = tp + t, fp + f, fn + n
            if args.show:
                for comment, score, got, label in zip(comments, scores, predicted, labels,
                                                      strict=True):
                    if got != label:
                        print(f"    {name.rsplit('_', 1)[1]} {'missed' if label else 'false'} "
                              f"{score:.2f}: {comment['body'][:150]}")
            per.append(f"{name.rsplit('_', 1)[1]} {t}/{f}")
        f1 = 2 * tp / (2 * tp + fp + fn)
        print(f"{weight:>13g} {c:>5g} {quantile:>8g}   {tp:>5} {fp:>6} {fn:>7}  {f1:.3f}  "
              + ", ".join(per), flush=True)


if __name__ == "__main__":
    main()
