"""Would the linear abuse model find more abuse if it also scored each sentence? A probe
of three ways to read a comment sentence by sentence, each with its own threshold chosen
as bench/train_triage.py chooses the product's.

    .venv/bin/python bench/sentence_abuse.py [--corpus ../shared/corpus] [--cache DIR]

Leave-one-thread-out's misses are mostly abuse inside a long, reasoned comment whose
sentence embedding is the reasoning's. Each comment is read whole (as the product scores
it) and in its sentences of three words or more (moderation.triage.classifiers.sentences),
and scored:

- whole: the product's score;
- mean 0.25 and mean 0.5: the whole's log-odds and its worst sentence's, the sentence
  weighing 0.25 or 0.5;
- either: abusive when the whole passes its threshold or the worst sentence passes a
  second, higher one; "either, long" the same for comments of
  WORST_SENTENCE_FROM_WORDS words or more only, as the product looks for the worst
  sentence to show.

Each scoring's threshold is chosen on what the product's is chosen on (our validation set,
the written examples and threads out of fold, the seed, never flagging or ranking an
ordinary seed comment above a flagged one: AbuseData.threshold), once on everything for
the development set of other stories and once without each labelled thread, which is
then judged (with the profanity classifier, as bench/cv_abuse.py judges). Prints, per
scoring, the threshold, the seed's highest ordinary and its abusive comment, the
development set and the left-out threads summed. No held-out set is read.

An earlier version of this probe judged every scoring at the whole comment's threshold:
there the mean found 279 of 320 with 29 false alarms against the whole's 271 and 24. With
a threshold of its own the seed decides: read alone, some ordinary sentences of the seed's
real comments score as high as abuse.
"""

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import train_triage as tt  # noqa: E402

DEV = tt.ROOT / "bench" / "triage_dev_stories.json"
SHARES = (0.25, 0.5)
SCORINGS = ("whole", *(f"mean {share}" for share in SHARES), "either", "either, long")


class Read:
    """Texts read whole and in their sentences."""

    def __init__(self, embed, name: str, texts: list[str]):
        from moderation.triage.classifiers import WORST_SENTENCE_FROM_WORDS, split_sentences

        flat, self.owners = split_sentences(texts)
        self.whole = tt.abuse_matrix(embed(name, texts), texts)
        self.each = tt.abuse_matrix(embed(f"{name}-sentences", flat), flat) if flat else None
        self.texts = texts
        self.long = np.array([len(t.split()) >= WORST_SENTENCE_FROM_WORDS for t in texts],
                             dtype=bool)

    def margins(self, model) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """`model`'s log-odds of each text whole, of its worst sentence (the whole's
        where it has none), and of its worst sentence if it is long (else the whole's)."""
        from moderation.triage.classifiers import best_sentence

        whole = model.decision_function(self.whole)
        worst = whole.copy()
        if self.each is not None:
            each = model.decision_function(self.each)
            best = best_sentence(each, self.owners, len(whole))
            worst[best >= 0] = each[best[best >= 0]]
        return whole, worst, np.where(self.long, worst, whole)


def sigmoid(m: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-m))


def logit(p: float) -> float:
    return math.log(p / (1 - p))


class Judge:
    """The texts the threshold is chosen on, read both ways; each scoring's rule."""

    def __init__(self, data: tt.AbuseData, embed):
        self.data = data
        self.written = Read(embed, "written-abuse", data.w_texts)
        self.threads = {p: Read(embed, f"thread-{p.stem}", [c["body"] for c in comments])
                        for p, comments in data.threads.items()}
        self.validation = Read(embed, "validation", [c["body"] for c in data.validation])
        self.seed = Read(embed, "seed", data.seed_texts)

    def rules(self, threads) -> tuple[tt.AbuseFit, dict]:
        """The model trained without the threads not in `threads`, and each scoring's
        rule: a function from (whole, worst) log-odds to flagged, with its threshold."""
        fitted = self.data.train(threads)
        parts = [self.written, *(self.threads[p] for p in threads)]
        # Each example scored by the model of its fold, whole and worst sentence.
        scored = [[np.concatenate(side) for side in zip(*(part.margins(model) for part in parts),
                                                        strict=True)]
                  for model in fitted.fold_models]
        oof = tuple(np.choose(fitted.folds, [s[side] for s in scored]) for side in (0, 1, 2))
        v = self.validation.margins(fitted.model)
        seed = self.seed.margins(fitted.model)
        rules = {}
        for name in SCORINGS[:-2]:
            share = float(name.split()[1]) if name != "whole" else 0.0

            def mixed(m, share=share):
                return sigmoid((1 - share) * m[0] + share * m[1])

            threshold, _ = self.data.threshold(mixed(v), mixed(oof), mixed(seed),
                                               fitted.example_labels)
            rules[name] = (threshold, lambda m, t=threshold, f=mixed: f(m) >= t)
        rules["either"] = self.either(fitted, rules["whole"][0], v, oof, seed, side=1)
        rules["either, long"] = self.either(fitted, rules["whole"][0], v, oof, seed, side=2)
        return fitted, rules

    def either(self, fitted, whole_t: float, v, oof, seed, side: int):
        """The whole's threshold, and the sentence threshold with the best F1 over the
        same texts that leaves the seed's ordinary comments under SEED_RANK_FLOOR once
        shifted to the setting, as AbuseData.threshold does."""
        labels = np.concatenate([self.data.v_y, fitted.example_labels, self.data.seed_y])
        whole = sigmoid(np.concatenate([v[0], oof[0], seed[0]]))
        worst = sigmoid(np.concatenate([v[side], oof[side], seed[side]]))
        ordinary_seed = np.concatenate([np.zeros(len(v[0]) + len(oof[0]), bool),
                                        ~self.data.seed_y])
        best, best_f1 = 1.0, -1.0
        for t in np.linspace(0.5, 0.999, 200):
            barred = worst >= sigmoid(logit(t) + logit(tt.SEED_RANK_FLOOR))
            if (barred & ordinary_seed).any():
                continue
            flagged = (whole >= whole_t) | (worst >= t)
            f1 = 2 * (flagged & labels).sum() / (flagged.sum() + labels.sum())
            if f1 > best_f1:
                best, best_f1 = float(t), f1
        return best, lambda m: (sigmoid(m[0]) >= whole_t) | (sigmoid(m[side]) >= best)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=tt.DEFAULT_CORPUS)
    parser.add_argument("--cache", type=Path, default=None)
    args = parser.parse_args()
    from profanity_check import predict_prob

    embed = tt.CachedEmbedder(args.cache)
    data = tt.AbuseData.load(args.corpus, embed)
    judge = Judge(data, embed)
    dev = json.loads(DEV.read_text(encoding="utf-8"))["comments"]
    dev_read = Read(embed, "dev-stories", [c["body"] for c in dev])
    dev_y = np.array([c["label"] == "abusive" for c in dev])

    def counts(flagged: np.ndarray, labels: np.ndarray, texts: list[str]) -> np.ndarray:
        flagged = flagged | (np.array(predict_prob(texts)) >= 0.5)
        return np.array([(flagged & labels).sum(), labels.sum(), (flagged & ~labels).sum()])

    fitted, rules = judge.rules(list(data.threads))
    seed = judge.seed.margins(fitted.model)
    print("trained on everything:")
    for name, (threshold, rule) in rules.items():
        found, positives, false = counts(rule(dev_read.margins(fitted.model)), dev_y,
                                         dev_read.texts)
        flagged = rule(seed)
        print(f"  {name:<12} threshold {threshold:.3f}; seed: abusive comment flagged "
              f"{int((flagged & data.seed_y).sum())} of {int(data.seed_y.sum())}; "
              f"development set found {found} of {positives}, false alarms {false}",
              flush=True)
    summed = {name: np.zeros(3, int) for name in SCORINGS}
    for path in data.threads:
        fitted, rules = judge.rules([p for p in data.threads if p != path])
        read = judge.threads[path]
        labels = np.array([c["label"] == "abusive" for c in data.threads[path]])
        line = []
        for name, (threshold, rule) in rules.items():
            found = counts(rule(read.margins(fitted.model)), labels, read.texts)
            summed[name] += found
            line.append(f"{name} {found[0]}/{found[2]} at {threshold:.2f}")
        print(f"  left out {path.stem}: " + ", ".join(line), flush=True)
    print("summed over the left-out threads, each scoring at its own threshold:")
    for name, (found, positives, false) in summed.items():
        f1 = 2 * found / (found + false + positives)
        print(f"  {name:<12} found {found} of {positives}, false alarms {false} (F1 {f1:.3f})")


if __name__ == "__main__":
    main()
