"""What a moderator sees of the triage scores: a short line of signals per comment."""

from __future__ import annotations

from dataclasses import dataclass

from .scoring import Thresholds


@dataclass(frozen=True)
class Signal:
    label: str
    value: str
    level: str  # "high" (over its threshold), "medium" or "low", for the badge colour
    title: str = ""

    @property
    def css(self) -> str:
        return {"high": "text-bg-danger", "medium": "text-bg-warning"}.get(
            self.level, "text-bg-light border"
        )


def _level(score: float, threshold: float) -> str:
    if score >= threshold:
        return "high"
    return "medium" if score >= threshold / 2 else "low"


def signals(triage: dict) -> list[Signal]:
    """Return the comment's signals in a fixed order (abuse, off-topic, spam, words);
    empty if it was never scored."""
    if not triage:
        return []
    limits = Thresholds.from_settings()
    notes = {f["reason"]: f["note"] for f in triage.get("findings", [])}
    out = [
        Signal("abuse", f"{triage.get('abuse', 0):.2f}",
               _level(triage.get("abuse", 0), limits.abuse), notes.get("abusive", "")),
    ]
    if triage.get("off_topic") is not None:
        sims = triage.get("similarity", {})
        title = notes.get("off_topic") or f"similarity to the article {sims.get('article', 0):.2f}"
        out.append(Signal("off-topic", f"{triage['off_topic']:.2f}",
                          _level(triage["off_topic"], limits.off_topic), title))
    out.append(Signal("spam", f"{triage.get('spam', 0):.2f}",
                      _level(triage.get("spam", 0), limits.spam), notes.get("spam", "")))
    for word in triage.get("words", []):
        banned = word["kind"] == "banned"
        out.append(Signal("banned" if banned else "suspect", word["found"].lower(),
                          "high", f"{'banned' if banned else 'suspect'} word"))
    return out


def summary(triage: dict) -> str:
    """One line: "abuse 0.97 · off-topic 0.10 · spam 0.00 · suspect: taqiyya"."""
    return " · ".join(f"{s.label} {s.value}" if s.label not in ("banned", "suspect")
                      else f"{s.label}: {s.value}" for s in signals(triage))
