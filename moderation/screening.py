"""Run the automated triage on comments and act on what it finds.

score_comments() is the whole round: moderation/triage computes the signals, then the
moderation services store them and turn the findings into automatic flags, holds, and the
publication of comments that waited for their scores (services/findings.py). It runs in
the task workers (moderation/tasks.py), never in a web process, and in
`manage.py triage_comments`; so the models are loaded there only.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from moderation import services
from moderation.models import Comment
from moderation.services.findings import behaviour_signals
from moderation.triage import learning
from moderation.triage.scoring import Thresholds, compute

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    scored: int = 0
    flagged: int = 0
    withdrawn: int = 0
    held: int = 0
    published: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)


def score_comments(comments: Iterable, *, flag: bool = True, rescore: bool = False
                   ) -> Outcome:
    """Score `comments` (Comment objects or ids) now, in one batch, store the scores and,
    unless `flag` is False, raise the automatic flags and holds their findings call for.

    Comments already scored are skipped unless `rescore`: a task run twice, or two workers
    given the same batch, score each comment once and raise each flag once.
    """
    ids = [c if isinstance(c, int) else c.pk for c in comments]
    wanted = Q(pk__in=ids) if rescore else Q(pk__in=ids, triaged_at__isnull=True)
    outcome = Outcome()
    batch = list(Comment.objects.filter(wanted).for_triage())
    if not batch:
        return outcome
    # The models' slow part, outside any transaction: no lock is held while it runs.
    signals = compute(batch, Thresholds.from_settings(), behaviour=behaviour_signals(batch),
                      learned=learning.current())
    with transaction.atomic():
        # Read the batch again under a row lock, still unscored: a second worker scoring the
        # same comments waits here, then finds them scored and skips them. (SQLite takes
        # its one write lock when the transaction begins, to the same effect.)
        locked = list(
            Comment.objects.filter(wanted, pk__in=[c.pk for c in batch])
            .select_for_update(of=("self",)).for_triage()
        )
        if not locked:
            return outcome
        services.store_scores(locked, signals, at=timezone.now())
        outcome.scored = len(locked)
        if flag:
            acted = services.act_on_findings(locked)
            outcome.flagged, outcome.held = acted.flagged, acted.held
            outcome.withdrawn = acted.withdrawn
            outcome.published, outcome.skipped = acted.published, acted.skipped
    return outcome
