"""What learning from the newsroom's moderators does to the triage, measured.

    DJANGO_DEBUG=1 .venv/bin/python bench/eval_learning.py [--decide FILE ...] [--judge FILE ...]
        [--set NAME=VALUE] [--weight W]

A newsroom's moderators decide on comments under one story, the per-newsroom model
(moderation/triage/learning.py) learns from their decisions in the task's own way
(learning.train() until nothing is left), and the triage is scored again on comments it
has not seen, under the same story. Prints, for each judged set, the eval_triage tables
before any decision and after them, and the learned model's labels and blend weight.

The decisions: by default the labelled sets whose misses have already been read, (b) and
(d) to (i) (bench/triage_validation.json, triage_retired_d.json to _i.json):
each comment posted under the seed's story and decided by a moderator as its label says
(on-topic approved; abusive, spam and off-topic hidden with that reason; noise hidden as
noise). They stand in for a newsroom's decisions: real comments on the story, labelled by
people. Nothing here trains the shipped models or moves a threshold; the learned model
lives in this scratch database only. Since 2026-12-02 the shipped abuse model is trained
on (d) to (i) too, so what the learned model adds on top of it is smaller than before.

The judged sets: by default the held-out sets written after those, (j) and on
(triage_holdout_7.json and later); their mistakes are counted, not printed, so that the
sets stay clean. `--stories` adds comments under other kinds of story: the moderators
also decide on half of bench/triage_dev_stories.json (by story) and the abuse flags are
judged on the other half.

The learning schedule (learning.py's MAX_WEIGHT, FULL_LABELS, REASON_FULL) is chosen
leave-one-set-out over the read sets alone, never on the judged ones: for each of (b)
and (d) to (i), `--decide` the other six and `--judge` that one; `--set NAME=VALUE`
tries another value of a constant and `--weight` one fixed blend weight.
"""

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import eval_triage  # noqa: E402

DECIDED = [ROOT / "bench" / "triage_validation.json",
           *sorted((ROOT / "bench").glob("triage_retired_*.json"))]
HIDDEN_AS = {"abusive": "abusive", "spam": "spam", "off-topic": "off_topic", "noise": "noise"}
# Ordinary and abusive comments under 50 other kinds of story, a development set (read).
DEV_STORIES = ROOT / "bench" / "triage_dev_stories.json"


def judged_by_default() -> list[Path]:
    return sorted((p for p in (ROOT / "bench").glob("triage_holdout_*.json")
                   if p not in DECIDED), key=lambda p: int(p.stem.rsplit("_", 1)[1]))


def decide(paths: list[Path]) -> int:
    """Post every comment of `paths` under its story and decide it as labelled, through
    the moderation services; return how many decisions were made."""
    from django.contrib.auth import get_user_model

    from articles.models import Article
    from moderation import services
    from moderation.models import Comment

    moderator, _ = get_user_model().objects.get_or_create(
        username="learning-moderator", defaults={"is_staff": True})
    made = 0
    for path in paths:
        data = json.loads(path.read_text(encoding="utf-8"))
        article = Article.objects.get(slug=data["article"])
        for item in data["comments"]:
            comment = Comment.objects.create(article=article, author_name=item["author"],
                                             body=item["body"], status=Comment.Status.PENDING)
            if item["label"] == "on-topic":
                services.approve(comment=comment, actor=moderator)
            else:
                services.hide(comment=comment, actor=moderator,
                              reason=HIDDEN_AS[item["label"]], tell_author=False)
            made += 1
    return made


def story_halves() -> tuple[list[dict], list[dict]]:
    """The development set of other stories in two halves, by story (every other story in
    the order they first appear): the moderators decide on one, the other is judged."""
    items = json.loads(DEV_STORIES.read_text(encoding="utf-8"))["comments"]
    decided = set(list(dict.fromkeys(i["story"] for i in items))[::2])
    return ([i for i in items if i["story"] in decided],
            [i for i in items if i["story"] not in decided])


def decide_stories(items: list[dict]) -> int:
    """Post each comment under an article of its own story and decide it as labelled:
    abusive hidden as abusive, the rest approved."""
    from django.contrib.auth import get_user_model

    from moderation import services

    moderator, _ = get_user_model().objects.get_or_create(
        username="learning-moderator", defaults={"is_staff": True})
    comments = eval_triage.post_under_stories(items)
    for item, comment in zip(items, comments, strict=True):
        if item["label"] == "abusive":
            services.hide(comment=comment, actor=moderator, reason="abusive", tell_author=False)
        else:
            services.approve(comment=comment, actor=moderator)
    return len(items)


def learn() -> dict:
    from moderation.triage import learning

    while learning.train()["learned"]:
        pass
    learned = learning.current()
    if learned is None:
        return {"labels": 0, "weight": 0.0, "per reason": {}}
    return {"labels": learned.labels, "weight": learned.weight,
            "per reason": {reason: learned.weight_of(reason)
                           for reason in ("abusive", "spam", "off_topic")}}


def judge(paths: list[Path], when: str, stories: list[dict] | None = None) -> None:
    """Score each set and print its tables, then blank its comments' text: scored a second
    time, they would be copies of the first ("same text as comment #…": spam). Comments
    with audit rows cannot be deleted."""
    from moderation.models import Comment

    def blank_after(before: int) -> None:
        for pk in Comment.objects.filter(pk__gt=before).values_list("pk", flat=True):
            Comment.objects.filter(pk=pk).update(body=f"(scored earlier as #{pk})")

    def last() -> int:
        return Comment.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    for path in paths:
        before = last()
        # A held-out set's mistakes stay unread (eval_triage.py --show-held-out-mistakes).
        eval_triage.evaluate_written(path, f"{path.name}, {when}",
                                     show_mistakes=not path.name.startswith("triage_holdout_"))
        blank_after(before)
    if stories:
        before = last()
        eval_triage.evaluate_stories(stories, f"other stories, the judged half, {when}")
        blank_after(before)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decide", type=Path, nargs="*", default=DECIDED,
                        help="labelled sets the moderators decide on (default: (b), (d)-(i))")
    parser.add_argument("--judge", type=Path, nargs="*", default=None,
                        help="labelled sets scored before and after (default: (j) and later)")
    parser.add_argument("--weight", type=float, default=None,
                        help="blend the learned model with this weight instead of the product's "
                        "schedule (learning.weight_for), to explore the schedule")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override one of learning.py's constants (MAX_WEIGHT, "
                        "FULL_LABELS, REASON_FULL, …), to explore them")
    parser.add_argument("--stories", action="store_true",
                        help="also decide on half of bench/triage_dev_stories.json (other kinds "
                        "of story) and judge the abuse flags on its other half")
    args = parser.parse_args()
    judged = args.judge if args.judge is not None else judged_by_default()
    if overlap := set(judged) & set(args.decide):
        parser.error(f"a set both decided on and judged: {', '.join(p.name for p in overlap)}")
    eval_triage.setup_django()
    from django.core.management import call_command

    from moderation.triage import learning

    for setting in args.set:
        name, value = setting.split("=", 1)
        if not hasattr(learning, name):
            parser.error(f"--set: learning.py has no {name}")
        setattr(learning, name, type(getattr(learning, name))(value))
    if args.weight is not None:
        learning.weight_for = lambda labels: args.weight if labels else 0.0

    call_command("loaddata", "seed", verbosity=0)
    decided_stories, judged_stories = story_halves() if args.stories else ([], [])
    judge(judged, "BEFORE any decision (the shipped models alone)", judged_stories)
    made = decide(args.decide) + decide_stories(decided_stories)
    learned = learn()
    print(f"\n{made} decisions made on {len(args.decide)} sets; the learned model has "
          f"{learned['labels']} labels, blend weight {learned['weight']} (per reason: "
          f"{learned['per reason']})\n")
    judge(judged, f"AFTER {made} decisions (blend weight {learned['weight']})", judged_stories)


if __name__ == "__main__":
    main()
