"""Who wrote a comment, and the record kept on each commenter.

The lowest layer of the people services: decisions.py (every status change), posting.py
and imports.py call it, so it imports none of them. The actions on a person (ban, suspend,
trust, …) are in people.py.

- Identity: an account's comments go to the account's commenter; a guest's to the
  commenter of the email they give (normalised), so that a new display name is the same
  person; an import's to its author's email or, without one, its author id.
- The record: approved / pending / hidden / reported counts, first and last seen and the
  last trouble, moved with each change in the change's own transaction (an import's new
  comments added by count_imported()); recount() rebuilds them from the comments.
- Automatic trust: after COMMENTERS_AUTO_TRUST_AFTER approved comments and none hidden;
  taken back (as an undo, by "automatic") once the record no longer earns it: one of their
  comments hidden, or approvals undone until fewer are left.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, connections, transaction
from django.db.models import Count, F, Max, Min, Q, Value
from django.db.models.functions import Greatest

from config.batching import written_at_end
from moderation.models import (
    Comment,
    Commenter,
    CommenterEvent,
    Flag,
    SavedQueue,
    can_copy,
    copy_missing_rows,
    normalise_email,
)

Status = Comment.Status
COUNTERS = {Status.APPROVED: "approved_count", Status.PENDING: "pending_count",
            Status.HIDDEN: "hidden_count"}
AUTOMATIC = "automatic"
STANDING_FIELDS = ("banned_at", "ban_reason", "suspended_until", "suspension_reason",
                   "premoderated", "trust")


# ---- identity -------------------------------------------------------------------------


def _get_or_create(lookup: dict, defaults: dict) -> Commenter:
    # Two first posts by one person at once: the unique constraints let one insert win
    # and the other read the winner's row.
    try:
        with transaction.atomic():
            return Commenter.objects.get_or_create(**lookup, defaults=defaults)[0]
    except IntegrityError:
        return Commenter.objects.get(**lookup)


def commenter_for_account(user, *, display_name: str = "") -> Commenter:
    """The commenter of an account, made on first need."""
    existing = Commenter.objects.filter(user=user).first()
    if existing is not None:
        return existing
    name = display_name or user.get_full_name() or user.get_username()
    return _get_or_create({"user": user}, {"display_name": name[:100]})


def rename_commenter(*, user, display_name: str) -> Commenter:
    """Give an account's commenter the name its owner chose (for their next comments)."""
    commenter = commenter_for_account(user, display_name=display_name)
    if commenter.display_name != display_name[:100]:
        commenter.display_name = display_name[:100]
        commenter.save(update_fields=["display_name"])
    return commenter


def link_verified_email(*, user, email: str) -> Commenter:
    """Tie an account to the guest commenter of an email its owner has just verified, so
    a banned guest who signs up with the same address is still banned; and give the
    account's commenter that email, its newest (an account has one email at a time, and
    a changed one is the account's, the old one no longer).

    An account that already has a record takes the guest's in: their comments, history
    and saved queues move to it, and so does any ban, suspension, pre-moderation or trust
    the guest was under.
    """
    key = normalise_email(email)
    with transaction.atomic():
        own = Commenter.objects.select_for_update().filter(user=user).first()
        guest = (Commenter.objects.select_for_update().filter(email_key=key, user__isnull=True)
                 .first() if key else None)
        if guest is not None and own is None:
            guest.user = user
            guest.display_name = (user.get_full_name() or guest.display_name)[:100]
            guest.save(update_fields=["user", "display_name"])
            return guest
        own = own or commenter_for_account(user)
        if guest is not None:
            _merge(guest, into=own)
        if key and own.email_key != key and not Commenter.objects.filter(
                email_key=key).exclude(pk=own.pk).exists():
            own.email_key = key
            own.save(update_fields=["email_key"])
        return own


def _merge(guest: Commenter, *, into: Commenter) -> None:
    Comment.objects.filter(commenter=guest).update(commenter=into)
    CommenterEvent.objects.filter(commenter=guest).update(commenter=into)
    # A moderator's queue of this person's comments (deleted with the record otherwise).
    SavedQueue.objects.filter(commenter=guest).update(commenter=into)
    changed = []
    if guest.is_banned and not into.is_banned:
        into.banned_at, into.ban_reason = guest.banned_at, guest.ban_reason
        changed += ["banned_at", "ban_reason"]
    if guest.suspended_until and (not into.suspended_until
                                  or guest.suspended_until > into.suspended_until):
        into.suspended_until = guest.suspended_until
        into.suspension_reason = guest.suspension_reason
        changed += ["suspended_until", "suspension_reason"]
    if guest.premoderated and not into.premoderated:
        into.premoderated, into.trust = True, Commenter.Trust.NONE
        changed += ["premoderated", "trust"]
    elif guest.trust and not into.trust and not into.premoderated:
        # The trust events moved with the history: the standing they made moves too.
        into.trust = guest.trust
        changed.append("trust")
    if changed:
        into.save(update_fields=changed)
    guest.delete()
    recount([into.pk])


def commenter_for_post(*, user, author_name: str, author_email: str) -> Commenter | None:
    """The commenter a reader's new comment belongs to: the account's, else the given
    email's (none for a guest without email)."""
    if user is not None:
        return commenter_for_account(user, display_name=author_name)
    key = normalise_email(author_email)
    if not key:
        return None
    return _get_or_create({"email_key": key}, {"display_name": author_name[:100]})


@dataclass(slots=True)
class Tally:
    """An import's new comments by one author, as their commenter's record counts them."""

    approved: int = 0
    pending: int = 0
    hidden: int = 0
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    last_hidden: datetime | None = None  # the record's trouble_at

    def add(self, status: str, created: datetime) -> None:
        if status == Status.APPROVED:
            self.approved += 1
        elif status == Status.PENDING:
            self.pending += 1
        else:
            self.hidden += 1
            if self.last_hidden is None or created > self.last_hidden:
                self.last_hidden = created
        if self.first_seen is None or created < self.first_seen:
            self.first_seen = created
        if self.last_seen is None or created > self.last_seen:
            self.last_seen = created

    def record(self) -> list:
        """The values of RECORD_FIELDS for a commenter whose comments are all these."""
        return [self.approved, self.pending, self.hidden, self.first_seen, self.last_seen,
                self.last_hidden]


# A new commenter's record, as Tally.record() lists it.
RECORD_FIELDS = ["approved_count", "pending_count", "hidden_count", "first_seen", "last_seen",
                 "trouble_at"]


def commenters_for_import(authors: Mapping[tuple[str, str], tuple[str, Tally]]
                          ) -> tuple[dict[tuple, int], set[int]]:
    """Commenter ids for an import's authors, made where missing, in a few queries.

    `authors` maps (email key, external key) to the display name to give a new commenter
    and the tally of the import's comments by them; the email wins when both are set. A
    commenter made here is made with that tally as its record, so only the others need
    count_imported() (adding to a record costs an UPDATE of the row and all its indexes,
    which was most of the commenters' share of a 100,000-comment import). Returns
    {identity: commenter id} and the ids of the commenters made.
    """
    by_email = {email: a for (email, _ext), a in authors.items() if email}
    by_external = {ext: a for (email, ext), a in authors.items() if ext and not email}
    found: dict[tuple[str, str], int] = {}
    made: set[int] = set()
    db = Commenter.objects.db
    for field, wanted in (("email_key", by_email), ("external_key", by_external)):
        if can_copy(db) and wanted:
            # A hundred thousand new commenters: COPY, and their ids back in one join.
            have, new = copy_missing_rows(
                Commenter, field,
                ([name[:100], k, *tally.record()] for k, (name, tally) in wanted.items()),
                fields=["display_name", field, *RECORD_FIELDS], using=db,
            )
            found.update({(field, k): pk for k, pk in have.items()})
            made.update(have[k] for k in new)
            continue
        keys = list(wanted)
        for start in range(0, len(keys), 500):
            batch = keys[start:start + 500]
            have = dict(Commenter.objects.filter(**{f"{field}__in": batch})
                        .values_list(field, "pk"))
            missing = [k for k in batch if k not in have]
            if missing:
                # Without COPY (SQLite), the import's transaction holds the database's
                # write lock, so nobody else can insert one of these meanwhile.
                Commenter.objects.bulk_create(
                    [Commenter(display_name=wanted[k][0][:100], **{field: k},
                               **dict(zip(RECORD_FIELDS, wanted[k][1].record(), strict=True)))
                     for k in missing],
                    ignore_conflicts=True,
                )
                new = dict(Commenter.objects.filter(**{f"{field}__in": missing})
                           .values_list(field, "pk"))
                have.update(new)
                made.update(new.values())
            found.update({(field, k): pk for k, pk in have.items()})
    ids = {
        identity: found[("email_key", identity[0])] if identity[0]
        else found[("external_key", identity[1])]
        for identity in authors
        if identity[0] or identity[1]
    }
    return ids, made


# ---- the record -----------------------------------------------------------------------


def posted(comment: Comment) -> None:
    """Count a reader's new comment on its commenter's record."""
    if not comment.commenter_id:
        return
    at = comment.created
    changes = {COUNTERS[comment.status]: F(COUNTERS[comment.status]) + 1, "last_seen": at}
    Commenter.objects.filter(pk=comment.commenter_id).update(**changes)
    Commenter.objects.filter(pk=comment.commenter_id, first_seen__isnull=True).update(
        first_seen=at
    )
    if comment.status == Status.APPROVED:
        auto_trust(comment.commenter_id)


@dataclass
class _Moves:
    """A commenter's record changes not written yet: counter deltas, the latest trouble,
    and whether a comment of theirs was approved or hidden."""

    deltas: dict[str, int] = dataclasses.field(default_factory=dict)
    trouble_at: datetime | None = None
    approved: bool = False
    hidden: bool = False


_moving: ContextVar[dict[int, _Moves] | None] = ContextVar("records_moving", default=None)


def recording_at_end():
    """Collect the record changes made inside, and write each commenter's once when it
    ends: one UPDATE of the person's record for a batch of their comments (a ban's "hide
    all", 100 a transaction) instead of one, and a trust check, per comment."""
    return written_at_end(_moving, dict, _write_all)


def _write_all(moving: dict[int, _Moves]) -> None:
    for commenter_id, moves in sorted(moving.items()):
        _write(commenter_id, moves)


def status_moved(comment: Comment, before: str, after: str, *, at) -> None:
    """Move a comment's count on its commenter's record from `before` to `after`."""
    if not comment.commenter_id or before == after:
        return
    moving = _moving.get()
    moves = _Moves() if moving is None else moving.setdefault(comment.commenter_id, _Moves())
    for status, step in ((before, -1), (after, 1)):
        if status in COUNTERS:
            moves.deltas[COUNTERS[status]] = moves.deltas.get(COUNTERS[status], 0) + step
    if after == Status.HIDDEN:
        moves.trouble_at = max(filter(None, (moves.trouble_at, at)))
    moves.approved |= after == Status.APPROVED
    moves.hidden |= after == Status.HIDDEN
    if moving is None:
        _write(comment.commenter_id, moves)


def _write(commenter_id: int, moves: _Moves) -> None:
    changes = {}
    for name, delta in moves.deltas.items():
        if delta < 0:
            # Never below zero, even for a record that missed a change (a comment made
            # outside the services, say in a shell): recount() puts such a record right.
            changes[name] = Greatest(F(name) + delta, Value(0))
        elif delta > 0:
            changes[name] = F(name) + delta
    if moves.trouble_at is not None:
        changes["trouble_at"] = moves.trouble_at
    if changes:
        Commenter.objects.filter(pk=commenter_id).update(**changes)
    if moves.hidden or moves.deltas.get(COUNTERS[Status.APPROVED], 0) < 0:
        lose_auto_trust(commenter_id)
    if moves.approved:
        auto_trust(commenter_id)


def reported(comment: Comment, *, at) -> None:
    """Count a reader's report on the commenter's record."""
    if comment.commenter_id:
        Commenter.objects.filter(pk=comment.commenter_id).update(
            reported_count=F("reported_count") + 1, trouble_at=at
        )


def recount(commenter_ids: Iterable[int]) -> None:
    """Rebuild the record of these commenters from their comments and reports (after an
    import or a data migration): one UPDATE per 400 commenters, which the database
    computes from two aggregates (building the new values in Python and writing them back
    with bulk_update() cost an import of 100,000 new commenters most of its time)."""
    ids = sorted(set(commenter_ids))
    connection = connections[Commenter.objects.db]
    quote = connection.ops.quote_name
    table = quote(Commenter._meta.db_table)
    # The latest of three dates, any of which may be NULL (SQLite's max() of NULL is NULL;
    # PostgreSQL's GREATEST skips them): each COALESCE is NULL only if all three are.
    latest = "GREATEST" if connection.vendor == "postgresql" else "MAX"
    dates = ("a.last_hidden", "r.last_at", f"{table}.{quote('trouble_at')}")
    trouble = f"{latest}(" + ", ".join(
        f"COALESCE({', '.join(dates[i:] + dates[:i])})" for i in range(3)) + ")"
    # Per batch, ids twice and a few constants as parameters: under SQLite's 999.
    for start in range(0, len(ids), 400):
        batch = ids[start:start + 400]
        comments = (
            Commenter.objects.filter(pk__in=batch).order_by().values(cid=F("pk")).annotate(
                approved=Count("comments", filter=Q(comments__status=Status.APPROVED)),
                pending=Count("comments", filter=Q(comments__status=Status.PENDING)),
                hidden=Count("comments", filter=Q(comments__status=Status.HIDDEN)),
                first_at=Min("comments__created"), last_at=Max("comments__created"),
                last_hidden=Max("comments__created",
                                filter=Q(comments__status=Status.HIDDEN)),
            )
        )
        reports = (
            Flag.objects.filter(comment__commenter_id__in=batch, source=Flag.Source.READER)
            .order_by().values(cid=F("comment__commenter_id"))
            .annotate(n=Count("pk"), last_at=Max("created_at"))
        )
        comments_sql, comments_params = comments.query.sql_with_params()
        reports_sql, reports_params = reports.query.sql_with_params()
        # Only names, the two compiled aggregates and fixed SQL are formatted in; every
        # value is a parameter.
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET approved_count = a.approved, pending_count = a.pending, "  # noqa: S608
                f"hidden_count = a.hidden, reported_count = COALESCE(r.n, 0), "
                f"first_seen = a.first_at, last_seen = a.last_at, trouble_at = {trouble} "
                f"FROM ({comments_sql}) AS a LEFT JOIN ({reports_sql}) AS r ON r.cid = a.cid "
                f"WHERE {table}.{quote('id')} = a.cid",
                [*comments_params, *reports_params],
            )


def count_imported(comments: Iterable[tuple[int | None, str, object]]) -> None:
    """Add an import's new comments, given as (commenter id, status, created), to their
    commenters' records, as posted() adds a reader's (for commenters that existed before:
    commenters_for_import() makes new ones with their records).

    On PostgreSQL the per-commenter sums go in by COPY and one UPDATE adds them (a
    recount's aggregate over the comment table, whose statistics are stale while an
    import fills it, was planned as a scan of the whole table for every batch);
    elsewhere the commenters are recounted.
    """
    sums: dict[int, Tally] = {}
    for commenter_id, status, created in comments:
        if commenter_id:
            tally = sums.get(commenter_id)
            if tally is None:
                tally = sums[commenter_id] = Tally()
            tally.add(status, created)
    if not sums:
        return
    db = Commenter.objects.db
    if not can_copy(db):
        recount(sums)
        return
    connection = connections[db]
    table = connection.ops.quote_name(Commenter._meta.db_table)
    with transaction.atomic(using=db, savepoint=False), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE staged_commenter_counts (id bigint, approved integer, "
            "pending integer, hidden integer, first_at timestamptz, last_at timestamptz, "
            "last_hidden timestamptz) ON COMMIT DROP"
        )
        with cursor.cursor.copy("COPY staged_commenter_counts FROM STDIN") as copy:
            for commenter_id, tally in sums.items():
                copy.write_row([commenter_id, *tally.record()])
        # GREATEST and LEAST skip NULLs: a new commenter's first_seen is the first given.
        cursor.execute(
            f"UPDATE {table} AS c SET approved_count = c.approved_count + s.approved, "  # noqa: S608
            "pending_count = c.pending_count + s.pending, "
            "hidden_count = c.hidden_count + s.hidden, "
            "first_seen = LEAST(c.first_seen, s.first_at), "
            "last_seen = GREATEST(c.last_seen, s.last_at), "
            "trouble_at = GREATEST(c.trouble_at, s.last_hidden) "
            "FROM staged_commenter_counts s WHERE c.id = s.id"
        )
        cursor.execute("DROP TABLE staged_commenter_counts")


# ---- audit rows and automatic trust ---------------------------------------------------


def standing(commenter: Commenter, fields: Iterable[str] = STANDING_FIELDS) -> dict:
    """The commenter's standing fields as an audit row stores them (JSON-safe)."""
    values = {}
    for name in fields:
        value = getattr(commenter, name)
        values[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return values


def standing_of(values: Mapping) -> dict:
    """The standing fields among an audit row's stored values (a ban's row also records
    what its "hide all" hides, which is no field of the commenter's)."""
    return {name: value for name, value in values.items() if name in STANDING_FIELDS}


def apply_standing(commenter: Commenter, values: Mapping) -> list[str]:
    """Set standing fields from an audit row's stored values; return the names set."""
    for name, value in values.items():
        field = Commenter._meta.get_field(name)
        if value is not None and field.get_internal_type() == "DateTimeField":
            value = field.to_python(value)
        setattr(commenter, name, value)
    return list(values)


def change_standing(commenter: Commenter, changes: Mapping, *, actor, action: str,
                    reason: str = "", actor_label: str = "", undoes=None,
                    recorded: Mapping | None = None) -> CommenterEvent:
    """Apply `changes` to a locked commenter and write the audit row that records what
    they were before, so undo can put them back (and, in its `after`, whatever else the
    action records: `recorded`)."""
    before = standing(commenter, changes)
    for name, value in changes.items():
        setattr(commenter, name, value)
    commenter.save(update_fields=list(changes))
    return CommenterEvent.objects.create(
        commenter=commenter, actor=actor, actor_label=actor_label, action=action,
        reason=reason, before=before, after={**standing(commenter, changes), **(recorded or {})},
        undoes=undoes,
    )


def auto_trust(commenter_id: int) -> CommenterEvent | None:
    """Trust a commenter automatically once they have enough approved comments and none
    hidden (COMMENTERS_AUTO_TRUST_AFTER; 0 turns it off)."""
    needed = settings.COMMENTERS_AUTO_TRUST_AFTER
    if needed <= 0:
        return None
    commenter = Commenter.objects.select_for_update().get(pk=commenter_id)
    if (commenter.trust or commenter.premoderated or commenter.is_banned
            or commenter.hidden_count or commenter.approved_count < needed):
        return None
    # Trust once taken back stays taken back until a moderator decides.
    if commenter.events.filter(action=CommenterEvent.Action.TRUSTED,
                               actor__isnull=True).exists():
        return None
    return change_standing(
        commenter, {"trust": Commenter.Trust.AUTOMATIC}, actor=None,
        action=CommenterEvent.Action.TRUSTED, actor_label=AUTOMATIC,
        reason=f"{commenter.approved_count} comments approved, none hidden",
    )


def lose_auto_trust(commenter_id: int) -> CommenterEvent | None:
    """Take back automatic trust once the record no longer earns it: a comment of theirs
    hidden, or approvals undone (a moderator's slip taken back must not leave the trust
    it earned, which publishes their comments without a moderator)."""
    commenter = Commenter.objects.select_for_update().get(pk=commenter_id)
    if commenter.trust != Commenter.Trust.AUTOMATIC:
        return None
    if commenter.hidden_count:
        reason = "A comment of theirs was hidden"
    elif commenter.approved_count < settings.COMMENTERS_AUTO_TRUST_AFTER:
        reason = (f"Approvals undone: {commenter.approved_count} comments approved, "
                  f"fewer than {settings.COMMENTERS_AUTO_TRUST_AFTER}")
    else:
        return None
    granted = commenter.events.filter(action=CommenterEvent.Action.TRUSTED,
                                      undone_by__isnull=True).first()
    return change_standing(
        commenter, {"trust": Commenter.Trust.NONE}, actor=None,
        action=CommenterEvent.Action.UNDONE, actor_label=AUTOMATIC,
        reason=reason, undoes=granted,
    )
