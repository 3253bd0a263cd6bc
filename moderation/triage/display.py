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
    """Return the comment's signals in a fixed order (abuse, off-topic, spam, noise, why,
    learned, words); empty if it was never scored."""
    if not triage:
        return []
    limits = Thresholds.from_settings()
    notes = {f["reason"]: f["note"] for f in triage.get("findings", [])}
    raised = (f"raised by the newsroom's model (blended in at "
              f"{triage['learned']['weights']['abusive']:.2f})"
              if _learned_raised_abuse(triage, limits) else "")
    out = [
        Signal("abuse", f"{triage.get('abuse', 0):.2f}",
               _level(triage.get("abuse", 0), limits.abuse),
               "; ".join(filter(None, [notes.get("abusive", ""),
                                       _abuse_parts(triage.get("abuse_parts") or {}),
                                       raised]))),
    ]
    if triage.get("off_topic") is not None:
        sims = triage.get("similarity", {})
        title = notes.get("off_topic") or f"similarity to the article {sims.get('article', 0):.2f}"
        out.append(Signal("off-topic", f"{triage['off_topic']:.2f}",
                          _level(triage["off_topic"], limits.off_topic), title))
    out.append(Signal("spam", f"{triage.get('spam', 0):.2f}",
                      _level(triage.get("spam", 0), limits.spam), notes.get("spam", "")))
    if triage.get("noise"):
        out.append(Signal("noise", "yes", "medium", notes.get("noise", "adds nothing")))
    why = _why(triage, limits)
    if why:
        out.append(Signal("why", why, "low", "what raised this comment's scores"))
    learned = triage.get("learned") or {}
    # Until it has enough labels to be blended in, the learned model changes no score,
    # and the card says nothing of it.
    if learned.get("weight"):
        weights = blend_weights(learned.get("weights") or {})
        title = ("the newsroom's model of its moderators' decisions "
                 f"(blended in{': ' + weights if weights else ''})")
        if _leans(learned):
            title += (f"; towards {learned['reason'].replace('_', '-')}: "
                      f"{', '.join(learned['words'])}")
        out.append(Signal("learned from", f"{learned.get('labels', 0):,} decisions", "low",
                          title))
    for word in triage.get("words", []):
        banned = word["kind"] == "banned"
        out.append(Signal("banned" if banned else "suspect", word["found"].lower(),
                          "high", f"{'banned' if banned else 'suspect'} word"))
    return out


def blend_weights(weights: dict[str, float]) -> str:
    """The learned model's weight in each reason it is blended into: "abusive 0.50,
    off-topic 0.35" (those it is not blended into left out)."""
    return ", ".join(f"{reason.replace('_', '-')} {w:.2f}" for reason, w in weights.items() if w)


def _abuse_parts(parts: dict) -> str:
    """The abuse score's sources: the models' blend (and the fine-tuned model's own score
    in it) and the profanity classifier; the score is the higher of the two. Then, for a
    long comment, the sentence the linear model scored highest, where it alone passes."""
    if not parts:
        return ""
    model = f"abuse models {parts.get('model', 0):.2f}"
    if "tuned" in parts:
        model += f" (fine-tuned {parts['tuned']:.2f})"
    line = f"{model}, profanity {parts.get('profanity', 0):.2f}"
    if parts.get("sentence"):
        line += f"; worst sentence {parts['sentence_score']:.2f}: “{parts['sentence']}”"
    return line


def _why(triage: dict, limits: Thresholds) -> str:
    """The few facts behind the highest scores, in words: the spam model's reasons, the
    abuse model against plain profanity, the article's names a comment uses, the person a
    reply speaks to, the words the learned model leaned on."""
    parts = []
    if triage.get("spam_content", 0) >= limits.spam / 2 and triage.get("spam_why"):
        parts.append(", ".join(triage["spam_why"]))
    behaviour = triage.get("behaviour") or {}
    if behaviour.get("same_text_as"):
        parts.append(f"same text as #{behaviour['same_text_as']} elsewhere")
    if behaviour.get("same_link_as"):
        parts.append(f"same link as #{behaviour['same_link_as']} elsewhere")
    if triage.get("link_behaviour"):
        if behaviour.get("writer_approved") is False:
            parts.append("a link from a writer with no approved comment")
        if behaviour.get("pasted"):
            parts.append(f"pasted: sent {behaviour['seconds_to_post']} s after its form showed")
    if triage.get("hidden_record"):
        parts.append(f"a writer with {behaviour['writer_hidden']} of "
                     f"{behaviour['writer_decided']} decided comments hidden")
    abuse = triage.get("abuse_parts") or {}
    learned = triage.get("learned") or {}
    if triage.get("abuse", 0) >= limits.abuse / 2 and abuse:
        if _learned_raised_abuse(triage, limits):
            parts.append("the newsroom's model")
        elif abuse.get("model", 0) >= abuse.get("profanity", 0):
            shapes = abuse.get("patterns") or []
            parts.append("abuse model" + (f" ({', '.join(shapes)})" if shapes else ""))
        else:
            parts.append("profanity")
    if triage.get("names"):
        parts.append("names " + ", ".join(triage["names"][:3]))
    if triage.get("engages_parent"):
        parts.append("answers its parent's writer")
    if learned.get("weight") and _leans(learned):
        parts.append(f"words moderators hid as {learned['reason'].replace('_', '-')}: "
                     + ", ".join(learned["words"]))
    return "; ".join(parts)


def _leans(learned: dict) -> bool:
    """Does the learned model lean towards hiding the comment, on words it can name? Its
    likeliest reason to hide is named even when it thinks the comment fine."""
    return bool(learned.get("reason") and learned.get("words")
                and learned.get("score", 0) >= 0.5)


def _learned_raised_abuse(triage: dict, limits: Thresholds) -> bool:
    """Did blending in the learned model take the abuse score over its threshold, which
    the shipped models (the higher of the abuse models and profanity) left it under? When
    they flagged it themselves, they are what the card names."""
    parts = triage.get("abuse_parts") or {}
    weights = (triage.get("learned") or {}).get("weights") or {}
    shipped = max(parts.get("model", 0), parts.get("profanity", 0))
    return bool(weights.get("abusive")) and shipped < limits.abuse <= triage.get("abuse", 0)


def summary(triage: dict) -> str:
    """One line: "abuse 0.97 · off-topic 0.10 · spam 0.00 · suspect: taqiyya"."""
    return " · ".join(f"{s.label} {s.value}" if s.label not in ("banned", "suspect", "why")
                      else f"{s.label}: {s.value}" for s in signals(triage))
