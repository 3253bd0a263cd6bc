"""BERT's uncased WordPiece tokenizer, as all-MiniLM-L6-v2 was trained with it.

The ONNX model package ships no tokenizer, and the `tokenizers` package would pull in the
Hugging Face hub client, so this is the few dozen lines of the reference BasicTokenizer
and WordpieceTokenizer (clean, split CJK, lower case, strip accents, split punctuation,
greedy longest-match-first pieces). tests/test_triage_signals.py checks it on known ids.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

VOCAB_PATH = Path(__file__).parent / "data" / "vocab.txt"
MAX_CHARS_PER_WORD = 100


def _is_control(char: str) -> bool:
    if char in "\t\n\r":
        return False
    return unicodedata.category(char) in ("Cc", "Cf")


def _is_whitespace(char: str) -> bool:
    if char in " \t\n\r":
        return True
    return unicodedata.category(char) == "Zs"


def _is_punctuation(char: str) -> bool:
    cp = ord(char)
    # BERT counts all non-letter, non-number ASCII as punctuation ("$", "^", "`"...).
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2B73F
        or 0x2B740 <= cp <= 0x2B81F
        or 0x2B820 <= cp <= 0x2CEAF
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
    )


def _normalise(text: str) -> str:
    out = []
    for char in text:
        cp = ord(char)
        if cp == 0 or cp == 0xFFFD or _is_control(char):
            continue
        if _is_whitespace(char):
            out.append(" ")
        elif _is_cjk(cp):
            out.append(f" {char} ")
        else:
            out.append(char)
    text = unicodedata.normalize("NFD", "".join(out).lower())
    return "".join(c for c in text if unicodedata.category(c) != "Mn")


def _basic_split(text: str) -> list[str]:
    words = []
    for chunk in _normalise(text).split():
        current = ""
        for char in chunk:
            if _is_punctuation(char):
                if current:
                    words.append(current)
                    current = ""
                words.append(char)
            else:
                current += char
        if current:
            words.append(current)
    return words


class WordPiece:
    def __init__(self, vocab_path: Path = VOCAB_PATH):
        tokens = vocab_path.read_text(encoding="utf-8").split("\n")
        if tokens and tokens[-1] == "":
            tokens.pop()
        self.vocab = {token: i for i, token in enumerate(tokens)}
        self.unk = self.vocab["[UNK]"]
        self.cls = self.vocab["[CLS]"]
        self.sep = self.vocab["[SEP]"]
        self.pad = self.vocab["[PAD]"]
        self._word_ids = lru_cache(maxsize=65536)(self._pieces)

    def _pieces(self, word: str) -> tuple[int, ...]:
        if len(word) > MAX_CHARS_PER_WORD:
            return (self.unk,)
        ids, start = [], 0
        while start < len(word):
            end, found = len(word), None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                found = self.vocab.get(piece)
                if found is not None:
                    break
                end -= 1
            if found is None:
                return (self.unk,)  # a word with an unknown part is one [UNK], as in BERT
            ids.append(found)
            start = end
        return tuple(ids)

    def encode(self, text: str, max_length: int = 256) -> list[int]:
        """Return the ids of `text` framed by [CLS] and [SEP], cut to `max_length`."""
        ids: list[int] = []
        budget = max_length - 2
        for word in _basic_split(text):
            ids.extend(self._word_ids(word))
            if len(ids) >= budget:
                del ids[budget:]
                break
        return [self.cls, *ids, self.sep]
