"""The abuse model's hand features (moderation/triage/patterns.py): constructions of
threats, dehumanising language, generalisations about a group and personal attacks, which
the shipped model weighs beside the sentence embedding. Pure functions, no database."""

import json
import sys
from pathlib import Path

import pytest

from moderation.triage import patterns

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(("text", "feature"), [
    ("Muslims are liars by nature, their religion tells them to deceive us.",
     "group_generalised"),
    ("Every one of them smiles at you and stabs you in the back, it is in their blood.",
     "group_generalised"),
    ("Those people are vermin and breed like rats.", "dehumanising_group"),
    ("If I ever meet the man who signed this, he will regret it.", "threat"),
    ("Watch your back. We know where you live.", "threat"),
    # Intimidation that only says others are watching.
    ("Nice city you live in. Lots of people read these threads, you know.", "threat"),
    ("Wouldn't be too sure of yourself, Dana.", "threat"),
    ("Reporters who write like this tend to have short careers.", "threat"),
    ("I hope someone shoots the whole council.", "violent_wish"),
    ("Carl, you brain-dead clown, nobody cares what you think.", "attack"),
])
def test_it_finds_the_construction(text, feature):
    assert patterns.abuse_features(text)[feature] > 0


@pytest.mark.parametrize("text", [
    "The Kazakh government jails journalists and rigs elections.",
    "Politicians lie all the time, this is nothing new.",
    "We should kill this bill in the senate before it does more harm.",
    "Israel's government should be ashamed of its settlement policy.",
    "As a Muslim I welcome this. Peace between our peoples is what our faith asks of us.",
    "If I were you I'd read the treaty before judging it.",
    "Keep writing, I read everything you post about Almaty.",
])
def test_heated_criticism_of_governments_fires_no_construction(text):
    assert not any(patterns.abuse_features(text).values())


def test_the_features_are_numbers_between_0_and_1_in_a_fixed_order():
    values = patterns.vector("Those people are vermin. Watch your back.")
    assert len(values) == len(patterns.ABUSE_FEATURE_NAMES)
    assert all(0.0 <= v <= 1.0 for v in values)


@pytest.mark.parametrize("name", sorted(
    path.name for path in (ROOT / "bench").glob("triage_holdout*.json")))
def test_training_refuses_a_held_out_text(name):
    sys.path.insert(0, str(ROOT / "bench"))
    import train_triage

    held = json.loads((ROOT / "bench" / name).read_text())["comments"]
    text = next(c["body"] for c in held if len(c["body"].split()) > 2)
    with pytest.raises(SystemExit, match="held-out"):
        train_triage._refuse_holdout(["an ordinary sentence", text])
    train_triage._refuse_holdout(["an ordinary sentence"])


def test_a_moderator_sees_which_constructions_the_abuse_score_read():
    from moderation.triage import display

    triage = {"abuse": 0.9, "abuse_parts": {"profanity": 0.1, "model": 0.9,
                                            "patterns": ["threat"]}}
    assert "why: abuse model (threat)" in display.summary(triage)
