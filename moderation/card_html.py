"""The moderator's comment card as HTML: the queue's cards, the card of an htmx answer and
the one on a comment's context page.

A card is about 9 KB of markup (five forms, two sets of reason radios, the author's
record and panels), and the queue shows 25: through Django's template engine, with an
include and a dozen `{% url %}` tags per card, rendering them was most of the queue
page's time. CardRenderer makes what every card of a page shares once (the CSRF input,
the `next` input, URL patterns reversed once with a placeholder id, the reason labels)
and writes each card with f-strings, as articles/thread_rows.py does for the reader's
thread. Text from the database is escaped with the standard library's html.escape (what
Django's escape() calls); bodies are already safe HTML from render_body().

The markup is the page's, and static/js/moderation.js and people.js read it: the
`data-mod-*` attributes, the `#comment-<id>` ids, the forms' names and actions.
"""

from __future__ import annotations

from html import escape

from django.contrib.humanize.templatetags.humanize import naturaltime
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from .models import Comment, Flag, Reason
from .rendering import excerpt, mark_sentence, render_body
from .services.findings import awaits_scores
from .triage.display import signals
from .wording import event_words_as, trust_effect, undo_label, undoable

# A placeholder id for reversing a URL once; every pattern here takes an <id:…>.
_MARKER = 987654321987654321


def _pattern(name: str) -> str:
    """`name`'s URL with "{}" where its id goes."""
    return reverse(name, args=[_MARKER]).replace(str(_MARKER), "{}", 1)


def _iso(value) -> str:
    """A datetime as the template filter `date:'c'` writes it (in the current time zone)."""
    return timezone.localtime(value).isoformat()


def _date(value, format_string: str) -> str:
    return dateformat.format(timezone.localtime(value), format_string)


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _day_time(value) -> str:
    """_date(value, "j M Y, H:i") ("2 Dec 2026, 13:05"), without the date filter's
    machinery, which cost a card as much as its text."""
    local = timezone.localtime(value)
    return f"{local.day} {_MONTHS[local.month - 1]} {local.year}, {local:%H:%M}"


def _plural(count: int) -> str:
    return "" if count == 1 else "s"


_NB = "\xa0"  # naturaltime keeps each number with its unit
_SHORT_UNITS = (("hour", 3600, "an hour ago"), ("minute", 60, "a minute ago"),
                ("second", 1, "a second ago"))
_UNITS = (("week", 604800), ("day", 86400), ("hour", 3600), ("minute", 60))
# timesince's month lengths (February always 28), for the day a month on from another.
_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _unit(count: int, unit: str) -> str:
    return f"{count}{_NB}{unit}{_plural(count)}"


def ago(value, now) -> str:
    """naturaltime(value) for a moment before `now`: "now", "a minute ago", "5 hours ago",
    "2 weeks, 3 days ago", "1 year, 2 months ago".

    The same words, worked out with arithmetic: naturaltime looks each of them up in the
    translation catalogue (the site is in English), which made it a third of a card's
    time, with three dates a card. A future moment is naturaltime's own."""
    now = now.astimezone(value.tzinfo)
    delta = now - value
    if delta.days < 0:
        return naturaltime(value)
    if delta.days == 0:
        seconds = delta.seconds
        if seconds == 0:
            return "now"
        for unit, size, one in _SHORT_UNITS:
            if seconds >= size:
                count = seconds // size
                return one if count == 1 else f"{count}{_NB}{unit}s ago"
    # Whole calendar months first, then what is left in weeks, days, hours and minutes;
    # like timesince(), the largest unit and the next one down unless that is zero.
    months = (now.year - value.year) * 12 + now.month - value.month
    if (value.day, value.time()) > (now.day, now.time()):
        months -= 1
    parts = []
    if months:
        years, months = divmod(months, 12)
        if years:
            parts.append(_unit(years, "year"))
        if months:
            parts.append(_unit(months, "month"))
        if years or len(parts) == 2 or not months:
            return ", ".join(parts) + " ago"
        year, month = divmod(value.month - 1 + months, 12)
        start = value.replace(year=value.year + year, month=month + 1,
                              day=min(value.day, _MONTH_DAYS[month]), microsecond=0)
        left = int((now - start).total_seconds())
        weeks = left // 604800
        if weeks:
            parts.append(_unit(weeks, "week"))
        return ", ".join(parts) + " ago"
    left = delta.days * 86400 + delta.seconds
    for unit, size in _UNITS:
        count, left = divmod(left, size)
        if count:
            parts.append(_unit(count, unit))
        elif parts:
            break
        if len(parts) == 2:
            break
    return ", ".join(parts) + " ago"


# Last events a card does not mention: every comment has one, and the card says it.
_UNMENTIONED = {"posted", "imported"}
# An open flag's own line already says who raised it, why and when.
_FLAG_EVENTS = {"flagged", "reported"}
_SYNC = 'hx-swap="outerHTML" hx-sync="closest .mod-card:drop"'


class CardRenderer:
    """Cards for one request: `next_url` is the page the moderator acts from; cards are
    `selectable` (bulk checkbox, the author's panels, the context link) on the queue."""

    def __init__(self, request, *, next_url: str, selectable: bool):
        self.selectable = selectable
        self.csrf = (f'<input type="hidden" name="csrfmiddlewaretoken" '
                     f'value="{get_token(request)}">')
        self.next = f'<input type="hidden" name="next" value="{escape(next_url)}">'
        self.comment_url = _pattern("moderation:comment")
        self.action_urls = {name: _pattern(f"moderation:{name}") for name in
                            ("approve", "hide", "flag", "undo", "feature", "unfeature")}
        self.person_urls = {name: _pattern(f"moderation:{name}") for name in
                            ("commenter", "commenter_ban", "commenter_trust")}
        self.hide_reasons = "".join(
            f'<option value="{value}"{" selected" if value == "other" else ""}>'
            f"{label.lower()}</option>" for value, label in _REASONS)
        self.article_urls: dict[int, str] = {}
        self.now = timezone.now()

    def render(self, c: Comment, *, oob: bool = False, error: str = "", open_panel: str = "",
               posted=None) -> SafeString:
        """One card. After a refused action, `error` says why and `open_panel` ("hide" or
        "flag") reopens the panel the moderator used, filled from `posted`."""
        pk = c.pk
        status = c.status
        flags = c.open_flags
        event = getattr(c, "last_event", None)
        article = c.article
        article_url = self.article_urls.get(article.pk)
        if article_url is None:
            article_url = self.article_urls[article.pk] = escape(article.get_absolute_url())
        last = f' data-last-event="{event.pk}"' if event else ""
        swap = ' hx-swap-oob="true"' if oob else ""
        out = [
            f'<article id="comment-{pk}" class="card mod-card'
            f'{"" if c.in_queue else " mod-card-done"}" tabindex="-1"\n'
            f'         data-mod-card data-status="{status}"{last} '
            f'data-created="{c.created.isoformat()}" data-priority="{c.priority!r}" '
            f'aria-labelledby="comment-{pk}-title"{swap}>\n'
            '  <div class="card-body">\n'
            '    <header class="mod-card-meta">\n'
        ]
        author = escape(c.author_name)
        if self.selectable:
            out.append(
                f'      <input class="form-check-input mod-select" type="checkbox" '
                f'form="bulk-form" name="selected" value="{pk}:{status}" id="select-{pk}" '
                f'aria-label="Select the comment by {author}" data-mod-select>\n')
        out.append(f'      <h2 class="mod-author h6" id="comment-{pk}-title">{author}</h2>\n')
        if c.author_email:
            out.append(f'      <span class="text-body-secondary text-truncate mod-email">'
                       f"{escape(c.author_email)}</span>\n")
        badges = _STATUS_BADGES.get(status) or status_badge(status)
        if c.hidden_reason:
            badges += (f' <span class="badge text-bg-light border">'
                       f"{_label(_REASON_LABELS, c.hidden_reason)}</span>")
        if flags:
            badges += (f' <span class="badge text-bg-danger">{len(flags)} open '
                       f"flag{_plural(len(flags))}</span>")
        out.append(
            f'      <span class="text-body-secondary text-truncate mod-article">on <a '
            f'class="link-secondary" href="{article_url}">{escape(article.title)}</a></span>\n'
            f'      <a class="text-body-secondary mod-time" '
            f'href="{self.comment_url.format(pk)}" title="Context and history of #{pk}">'
            f'<time datetime="{_iso(c.created)}" title="{_day_time(c.created)}">'
            f"{ago(c.created, self.now)}</time> · #{pk}</a>\n"
            f'      <span class="mod-badges">{badges}</span>\n'
            "    </header>\n"
        )
        out.append(self._author(c, author))
        parent = c.parent
        if parent is not None:
            state = ("" if parent.is_visible else
                     f' <span class="text-body-secondary">'
                     f"({_label(_STATUS_LABELS, parent.status).lower()})</span>")
            out.append(
                f'    <p class="mod-parent"><span class="text-body-secondary">In reply to</span>'
                f' <a href="{self.comment_url.format(parent.pk)}" class="fw-semibold">'
                f"{escape(parent.author_name)}</a>{state}: "
                f"<q>{escape(excerpt(parent, 160))}</q></p>\n")
        body = render_body(c.body, c.body_format)
        worst = ((c.triage or {}).get("abuse_parts") or {}).get("sentence")
        if worst:
            body = mark_sentence(body, worst, "the sentence the abuse model scores highest")
        out.append(f'    <div class="comment-body mod-body">{body}</div>\n')
        out.append(self._signals(c))
        if flags:
            out.append(self._flags(flags))
        if (event and event.action not in _UNMENTIONED
                and (not flags or event.action not in _FLAG_EVENTS)):
            when = (f'<time datetime="{_iso(event.created_at)}">'
                    f"{ago(event.created_at, self.now)}</time>")
            if event.action == "held" and flags:
                out.append(f'    <p class="mod-last">{escape(event_words_as(event, "brief"))}'
                           f", {when}</p>\n")
            else:
                note = (f": “{escape(event.note)}”"
                        if event.note and event.action != "undone" else "")
                out.append(f'    <p class="mod-last">{escape(event_words_as(event))}, '
                           f"{when}{note}</p>\n")
        if error:
            out.append(f'    <div class="alert alert-danger mod-error" role="alert">'
                       f"{escape(str(error))}</div>\n")
        out.append(self._actions(c, event, open_panel, posted))
        out.append("  </div>\n</article>\n")
        return mark_safe("".join(out))  # noqa: S308 - every text above is escaped

    def render_all(self, comments) -> SafeString:
        return mark_safe("".join(self.render(c) for c in comments))  # noqa: S308

    def _author(self, c: Comment, author: str) -> str:
        """The author's record, one line from the card's own row (the commenter is
        select_related with it), with the person's actions on the queue."""
        p = c.commenter
        if p is None:
            return ('<div class="mod-record text-body-secondary" data-mod-record>A guest who '
                    "gave no email: no record to tie this comment to.</div>\n")
        name = escape(p.display_name)
        signed = ("" if p.display_name == c.author_name else
                  f' <span class="text-body-secondary">(signed “{author}” here)</span>')
        first_seen = (f' · first seen <time datetime="{_iso(p.first_seen)}">'
                      f'{_date(p.first_seen, "j M Y")}</time>' if p.first_seen else "")
        out = [
            '<div class="mod-record" data-mod-record>\n'
            f'  <a class="mod-record-name" href="{self.person_urls["commenter"].format(p.pk)}" '
            f"data-mod-person title=\"The commenter's page\">{name}</a>{signed}\n"
            f'  <span class="mod-record-counts">{p.approved_count} approved · '
            f"{p.hidden_count} hidden · {p.pending_count} pending · {p.reported_count} "
            f"reported{first_seen}</span>\n"
            f"  {standing(p)}\n"
        ]
        if self.selectable:
            out.append('  <span class="mod-record-actions">\n')
            if not p.is_banned:
                shown = p.hideable_count
                out.append(
                    '    <details class="mod-panel mod-person-panel" data-mod-panel="ban">\n'
                    '      <summary class="btn btn-sm btn-link link-danger py-0">Ban… '
                    "<kbd>B</kbd></summary>\n"
                    f'      <form method="post" '
                    f'action="{self.person_urls["commenter_ban"].format(p.pk)}" '
                    f'class="mod-panel-body">\n'
                    f"        {self.csrf}\n        {self.next}\n"
                    f'        <input type="hidden" name="expected_standing" '
                    f'value="{escape(p.standing_key)}">\n'
                    f'        <label class="form-label" for="ban-{c.pk}-reason">Ban {name}: '
                    "every later comment is refused. Why? <span class=\"text-body-secondary\">"
                    "(they are told)</span></label>\n"
                    f'        <input class="form-control form-control-sm" type="text" '
                    f'name="reason" id="ban-{c.pk}-reason" maxlength="1000" required '
                    f'autocomplete="off">\n'
                    '        <div class="form-check mt-2">\n'
                    f'          <input class="form-check-input" type="checkbox" name="hide_all" '
                    f'value="on" id="ban-{c.pk}-all">\n'
                    f'          <label class="form-check-label" for="ban-{c.pk}-all">Also hide '
                    f"their {shown} published and pending comment{_plural(shown)}, as</label>\n"
                    '          <select class="form-select form-select-sm d-inline-block w-auto" '
                    'name="hide_reason" aria-label="Why their comments are hidden">'
                    f"{self.hide_reasons}</select>\n"
                    "        </div>\n"
                    f'        <button type="submit" class="btn btn-sm btn-danger mt-2">Ban {name}'
                    " <kbd>↵</kbd></button>\n"
                    "      </form>\n"
                    "    </details>\n")
            if not p.is_trusted and not p.is_banned:
                out.append(
                    '    <details class="mod-panel mod-person-panel" data-mod-panel="trust">\n'
                    '      <summary class="btn btn-sm btn-link py-0">Trust… <kbd>T</kbd>'
                    "</summary>\n"
                    f'      <form method="post" '
                    f'action="{self.person_urls["commenter_trust"].format(p.pk)}" '
                    f'class="mod-panel-body">\n'
                    f"        {self.csrf}\n        {self.next}\n"
                    f'        <input type="hidden" name="expected_standing" '
                    f'value="{escape(p.standing_key)}">\n'
                    f'        <p class="small mb-2">Trust {name}: '
                    f"{escape(trust_effect(p))}.</p>\n"
                    f'        <button type="submit" class="btn btn-sm btn-success" '
                    f"data-mod-confirm>Trust {name} <kbd>↵</kbd></button>\n"
                    "      </form>\n"
                    "    </details>\n")
            out.append("  </span>\n")
        out.append("</div>\n")
        return "".join(out)

    @staticmethod
    def _signals(c: Comment) -> str:
        if not c.triaged_at:
            # Whether it waits was decided when it was posted (the article's policy, the
            # writer's standing, the settings), and its posting is still its last event.
            waits = (c.status == Comment.Status.PENDING
                     and awaits_scores(getattr(c, "last_event", None)))
            return ('<p class="mod-signals mod-unscored small mb-2 text-body-secondary" '
                    'aria-label="Triage signals"><span class="badge text-bg-light border">'
                    "not scored yet</span> the automated triage has not scored this comment "
                    "yet" + ("; readers will see it once it is scored and nothing is found"
                             if waits else "") + "</p>\n")
        badges = []
        for s in signals(c.triage):
            title = f' title="{escape(s.title)}"' if s.title else ""
            colon = ":" if s.label in ("banned", "suspect", "why") else ""
            badges.append(f'<span class="badge {s.css}"{title}>{escape(s.label)}{colon} '
                          f"{escape(s.value)}</span> ")
        return ('<p class="mod-signals small mb-2" aria-label="Triage signals">\n  '
                + "".join(badges)
                + f'<span class="text-body-secondary">priority {c.priority:.2f}'
                "</span>\n</p>\n")

    def _flags(self, flags) -> str:
        out = ['<ul class="mod-flags list-unstyled" aria-label="Open flags">\n']
        for f in flags:
            by = f" {escape(f.created_by.get_username())}" if f.created_by else ""
            note = f'<span class="mod-flag-note">“{escape(f.note)}”</span>' if f.note else ""
            out.append(
                f'  <li class="mod-flag mod-flag-{escape(f.source)}">\n'
                f'    <span class="mod-flag-reason">⚑ {_label(_REASON_LABELS, f.reason)}</span>\n'
                f'    <span class="text-body-secondary">· {_label(_SOURCE_LABELS, f.source)}{by}'
                f' · <time datetime="{_iso(f.created_at)}">'
                f"{ago(f.created_at, self.now)}</time></span>\n"
                f"    {note}\n  </li>\n")
        out.append("</ul>\n")
        return "".join(out)

    def _panel(self, c: Comment, kind: str, open_panel: str, posted) -> str:
        """The hide or flag panel: reason radios, a note and the submit button."""
        pk = c.pk
        url = self.action_urls[kind].format(pk)
        reopened = open_panel == kind and posted is not None
        checked = posted.get("reason", "") if reopened else ""
        note = escape(posted.get("note", "")) if reopened else ""
        summary, legend, note_hint, button = {
            "hide": ('<summary class="btn btn-sm btn-outline-danger">Hide… <kbd>h</kbd>'
                     "</summary>", "Why hide it?", "(optional, moderators only)",
                     '<button type="submit" class="btn btn-sm btn-danger">Hide comment '
                     "<kbd>↵</kbd></button>"),
            "flag": ('<summary class="btn btn-sm btn-outline-secondary">Flag… <kbd>f</kbd>'
                     "</summary>", "What is wrong with it?", "(required for “other”)",
                     '<button type="submit" class="btn btn-sm btn-dark">Flag for review '
                     "<kbd>↵</kbd></button>"),
        }[kind]
        return (
            f'  <details class="mod-panel" data-mod-panel="{kind}"'
            f'{" open" if open_panel == kind else ""}>\n'
            f"    {summary}\n"
            f'    <form method="post" action="{url}" hx-post="{url}" hx-target="#comment-{pk}" '
            f'{_SYNC} class="mod-panel-body" data-mod-decision>\n'
            f"      {self.csrf}\n"
            f'      <input type="hidden" name="expected_status" value="{c.status}">\n'
            f"      {self.next}\n"
            + reason_choices(kind, pk, legend, checked)
            + '      <div class="mod-note">\n'
            f'        <label class="form-label" for="{kind}-{pk}-note">Note <span '
            f'class="text-body-secondary">{note_hint}</span></label>\n'
            f'        <input class="form-control form-control-sm" type="text" name="note" '
            f'id="{kind}-{pk}-note" maxlength="1000" autocomplete="off" value="{note}">\n'
            "      </div>\n"
            f"      {button}\n"
            "    </form>\n"
            "  </details>\n")

    def _actions(self, c: Comment, event, open_panel: str, posted) -> str:
        pk, status = c.pk, c.status
        approve = self.action_urls["approve"].format(pk)
        approved = status == Comment.Status.APPROVED
        if approved and not c.open_flags:
            approve_button = ' disabled title="Already approved">Approve'
        else:
            approve_button = ">Keep" if approved else ">Approve"
        out = [
            '<div class="mod-actions">\n'
            f'  <form method="post" action="{approve}" hx-post="{approve}" '
            f'hx-target="#comment-{pk}" {_SYNC} data-mod-decision>\n'
            f"    {self.csrf}\n"
            f'    <input type="hidden" name="expected_status" value="{status}">\n'
            f"    {self.next}\n"
            f'    <button type="submit" class="btn btn-sm btn-success" data-mod-approve'
            f"{approve_button} <kbd>a</kbd></button>\n"
            "  </form>\n",
            self._panel(c, "hide", open_panel, posted),
            self._panel(c, "flag", open_panel, posted),
        ]
        if approved:
            name = "unfeature" if c.featured_at else "feature"
            url = self.action_urls[name].format(pk)
            out.append(
                f'  <form method="post" action="{url}" hx-post="{url}" '
                f'hx-target="#comment-{pk}" {_SYNC}>\n'
                f"    {self.csrf}\n    {self.next}\n"
                f'    <button type="submit" class="btn btn-sm btn-outline-info" '
                f"data-mod-feature>{name.capitalize()} <kbd>F</kbd></button>\n"
                "  </form>\n")
        if undoable(event):
            url = self.action_urls["undo"].format(pk)
            out.append(
                f'  <form method="post" action="{url}" hx-post="{url}" '
                f'hx-target="#comment-{pk}" {_SYNC}>\n'
                f"    {self.csrf}\n"
                f'    <input type="hidden" name="expected_event_id" value="{event.pk}">\n'
                f"    {self.next}\n"
                f'    <button type="submit" class="btn btn-sm btn-link">'
                f"{escape(undo_label(event))}</button>\n"
                "  </form>\n")
        if self.selectable:
            out.append(f'  <a class="btn btn-sm btn-link ms-auto mod-context-link" '
                       f'href="{self.comment_url.format(pk)}">Context &amp; history '
                       "<kbd>o</kbd></a>\n")
        out.append("</div>\n")
        return "".join(out)


def standing(p) -> str:
    """A commenter's standing as badges (also on the people pages: `{% standing p %}`)."""
    out = ""
    if p.is_banned:
        out += f'<span class="badge text-bg-dark" title="{escape(p.ban_reason)}">Banned</span>'
    if p.suspended_now:
        out += (f' <span class="badge text-bg-danger" title="{escape(p.suspension_reason)}">'
                f'Suspended until {_date(p.suspended_until, "j M, H:i")}</span>')
    if p.premoderated:
        out += ' <span class="badge text-bg-warning">Pre-moderated</span>'
    if p.is_trusted:
        out += (f' <span class="badge text-bg-success" '
                f'title="{escape(str(p.get_trust_display()))}">Trusted</span>')
    return out


_REASONS = [(escape(value), escape(str(label))) for value, label in Reason.choices]
# The labels a card shows, looked up once (get_FOO_display() costs a choices walk each).
_REASON_LABELS = {value: label for value, label in _REASONS}
_SOURCE_LABELS = {value: escape(str(label)) for value, label in Flag.Source.choices}
_STATUS_LABELS = {value: escape(str(label)) for value, label in Comment.Status.choices}
STATUS_STYLES = {
    Comment.Status.PENDING: "text-bg-warning",
    Comment.Status.APPROVED: "text-bg-success",
    Comment.Status.HIDDEN: "text-bg-secondary",
}


def status_badge(status: str) -> SafeString:
    label = Comment.Status(status).label if status in Comment.Status.values else status
    return format_html('<span class="badge mod-status-badge {}">{}</span>',
                       STATUS_STYLES.get(status, "text-bg-light"), label)


_STATUS_BADGES = {value: status_badge(value) for value in Comment.Status.values}


def _label(labels: dict[str, str], value: str) -> str:
    """A stored choice's label, escaped; a value no longer among the choices as itself."""
    return labels.get(value) or escape(value)


def reason_choices(kind: str, key, legend: str, checked: str = "") -> str:
    """The reason radios of a hide or flag form: `kind` ("hide", "flag", "bulk-hide") and
    `key` (the comment's id, or "selected" in the bulk bar) make their ids."""
    radios = "".join(
        f'    <input type="radio" class="btn-check" name="reason" value="{value}" '
        f'id="{kind}-{key}-{value}" autocomplete="off" required'
        f'{" checked" if value == checked else ""}>\n'
        f'    <label class="btn btn-sm btn-outline-secondary" for="{kind}-{key}-{value}">'
        f'<kbd class="mod-digit">{number}</kbd> {label}</label>\n'
        for number, (value, label) in enumerate(_REASONS, 1))
    return (f'<fieldset class="mod-reasons">\n  <legend class="form-label">{escape(legend)}'
            f'</legend>\n  <div class="d-flex flex-wrap gap-1">\n{radios}  </div>\n'
            "</fieldset>\n")
