"""The abuse model on other stories: trained as bench/train_triage.py trains it, judged on
the development set bench/triage_dev_stories.json (ordinary and abusive comments under 50
kinds of story other than the seed's, written to be read, unlike the held-out sets).

    .venv/bin/python bench/dev_abuse.py [--corpus ../shared/corpus] [--cache DIR]
        [--thread-weight W] [--show]

Prints what the abuse model and the profanity classifier flag (found, false alarms), the
ranking's average precision and the found / false alarms at fixed thresholds, and where
the abuse model's logit comes from (sentence embedding, constructions, hashed words) on
the false alarms, on the ordinary comments it leaves alone and on the abuse it finds;
then, where there is a fine-tuned model (bench/finetune_abuse.py --ship), the same for
the blend the product scores with. `--show` prints the false alarms and the misses.
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import train_triage as tt  # noqa: E402

DEV = tt.ROOT / "bench" / "triage_dev_stories.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=tt.DEFAULT_CORPUS)
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--thread-weight", type=float, default=tt.THREAD_WEIGHT)
    parser.add_argument("--show", action="store_true")
    args = parser.parse_args()
    from profanity_check import predict_prob
    from sklearn.metrics import average_precision_score

    embed = tt.CachedEmbedder(args.cache)
    comments = json.loads(DEV.read_text(encoding="utf-8"))["comments"]
    texts = [c["body"] for c in comments]
    abusive = np.array([c["label"] == "abusive" for c in comments])
    data = tt.AbuseData.load(args.corpus, embed)
    fitted = data.train(list(data.threads), thread_weight=args.thread_weight)
    x = tt.abuse_matrix(embed("dev-stories", texts), texts).tocsr()
    scores = fitted.model.predict_proba(x)[:, 1]
    profane = np.array(predict_prob(texts)) >= 0.5
    by_model = scores >= fitted.threshold
    flagged = by_model | profane

    def line(name: str, predicted: np.ndarray) -> None:
        found, false = int((predicted & abusive).sum()), int((predicted & ~abusive).sum())
        print(f"  {name:<30} found {found} of {abusive.sum()}, "
              f"false alarms {false} of {(~abusive).sum()}")

    print(f"abuse threshold {fitted.threshold:.3f}")
    line("abuse model", by_model)
    line("profanity classifier", profane)
    line("either (as the triage flags)", flagged)
    print(f"  abuse model's average precision {average_precision_score(abusive, scores):.3f}")
    for t in (0.5, 0.6, 0.7, 0.8, 0.9):
        line(f"abuse model at {t}", scores >= t)
    coef, width = fitted.model.coef_[0], tt.ABUSE_WIDTH
    parts = {"embedding": x[:, :384] @ coef[:384],
             "constructions": x[:, 384:width] @ coef[384:width],
             "hashed words": x[:, width:] @ coef[width:]}
    print(f"  mean logit by part (intercept {fitted.model.intercept_[0]:+.2f}):")
    for name, rows in (("false alarms", flagged & ~abusive), ("ordinary, not flagged",
                                                             ~flagged & ~abusive),
                       ("abuse found", flagged & abusive)):
        if rows.any():
            print(f"    {name:<22} ({rows.sum():>3}) " + "  ".join(
                f"{part} {values[rows].mean():+.2f}" for part, values in parts.items()))
    if tt.TUNED_FILE.exists():
        # What the product scores: the mean with the fine-tuned model in log-odds.
        blend = tt.TunedBlend(data, fitted)
        both = blend.probabilities(x, texts)
        print(f"the blend with the fine-tuned model (threshold {blend.threshold:.3f}):")
        line("the blend", both >= blend.threshold)
        line("either (as the triage flags)", (both >= blend.threshold) | profane)
        print(f"  the blend's average precision {average_precision_score(abusive, both):.3f}")
    if args.show:
        for i in np.flatnonzero(flagged != abusive):
            kind = "false" if flagged[i] else "missed"
            print(f"    {kind} {scores[i]:.2f}{' profane' if profane[i] else ''}: {texts[i][:140]}")


if __name__ == "__main__":
    main()
