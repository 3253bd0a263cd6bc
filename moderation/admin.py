import functools
from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as AuthUserAdmin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils import timezone

from articles.models import Article
from config.converters import is_id

from . import services
from .forms import MAX_BULK
from .models import (
    Comment,
    Commenter,
    CommenterEvent,
    Flag,
    LearnedModel,
    ModerationEvent,
    Reason,
    SavedQueue,
    Word,
    WordList,
    normalise_word,
)
from .models.comments import FLAGGED_SOURCES, MODERATE, REPORTED_SOURCES
from .paging import CountedDeletionMixin, LargeTableAdminMixin, first_pks
from .triage import learning
from .triage.display import blend_weights, summary

# Each hide or flag reason with its bit in Comment.open_flag_reasons, worked out once.
REASON_BITS = [(Reason.bits([value]), label) for value, label in Reason.choices]


def within_bulk_limit(action):
    """`action`, refused (nothing changed, an error said) when it is asked to act on more
    than MAX_BULK rows, as the moderation workspace's bulk actions are.

    "Select all" hands an action every row the list's filters match: unbounded, one
    request approved a story's 1,476 pending comments at 10^6 (9 s, 9,000 queries)."""

    @functools.wraps(action)
    def bounded(model_admin, request, queryset):
        # Read through the plan for all of the matches (first_pks()), however few are read.
        pks = first_pks(queryset, MAX_BULK + 1)
        if len(pks) > MAX_BULK:
            noun = model_admin.model._meta.verbose_name_plural
            model_admin.message_user(
                request, f"Nothing was changed: an action applies to at most {MAX_BULK} "
                         f"{noun} at a time, as in the moderation workspace, and more are "
                         "selected. Narrow the list with its filters or search first.",
                level=messages.ERROR)
            return None
        return action(model_admin, request, queryset.filter(pk__in=pks))

    return bounded


class FlagInline(admin.TabularInline):
    model = Flag
    fk_name = "comment"
    extra = 0
    can_delete = False
    fields = ["reason", "source", "note", "created_by", "created_at", "resolved_at", "resolved_by"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class OpenFlagFilter(admin.SimpleListFilter):
    title = "open flags"
    parameter_name = "flags"

    def lookups(self, request, model_admin):
        return [("open", "Has open flags"), ("flagged", "Flagged by moderators or triage"),
                ("reported", "Reported by readers")]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.with_open_flags()
        if self.value() == "flagged":
            return queryset.with_open_flags(*FLAGGED_SOURCES)
        if self.value() == "reported":
            return queryset.with_open_flags(*REPORTED_SOURCES)
        return queryset


class ArticleFilter(admin.SimpleListFilter):
    """The newest articles (and the chosen one), not every article of the site."""

    title = "article"
    parameter_name = "article"
    SHOWN = 20

    def lookups(self, request, model_admin):
        articles = list(Article.objects.only("title")[: self.SHOWN])
        if self.value() and self.value().isdigit() and all(
                str(a.pk) != self.value() for a in articles):
            articles += list(Article.objects.filter(pk=self.value()).only("title"))
        return [(str(a.pk), a.title) for a in articles]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(article_id=int(self.value()))
        return queryset


class PostedFilter(admin.SimpleListFilter):
    """When a comment was posted, in ranges the created index answers (the date
    hierarchy's year and month links, which need a pass over the whole table, are left
    out)."""

    title = "posted"
    parameter_name = "posted"
    RANGES = {"day": ("Last 24 hours", 1), "week": ("Last 7 days", 7),
              "month": ("Last 30 days", 30), "year": ("Last 365 days", 365)}

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _days) in self.RANGES.items()]

    def queryset(self, request, queryset):
        if self.value() in self.RANGES:
            days = self.RANGES[self.value()][1]
            return queryset.filter(created__gte=timezone.now() - timedelta(days=days))
        return queryset


@admin.register(Comment)
class CommentAdmin(LargeTableAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "article", "author_name", "status", "open_flags", "created_at"]
    list_filter = ["status", OpenFlagFilter, PostedFilter, "body_format", ArticleFilter]
    list_select_related = ["article"]
    # What the rows show: not the triage scores or the article's text.
    list_only = ["article__title", "author_name", "body", "status", "flagged", "reported",
                 "open_flag_reasons", "created"]
    # Newest first, read from comment_created_idx (the model's own order, by thread
    # path, has no index across articles).
    ordering = ["-created", "-id"]
    # And oldest first, by the same index; the other columns have none to sort by.
    sortable_by = ["created_at"]
    # Searched by get_search_results() below; listed so the admin shows the search box.
    search_fields = ["body"]
    search_help_text = "Words in the text (full-text on PostgreSQL), or part of the " \
                       "author's name or email."
    # Kept for its URLs, which the admin turns into a range of `created` (an index
    # range); the links themselves are left out of the page (its change_list.html).
    date_hierarchy = "created"
    actions = ["approve_comments", "hide_as_spam", "hide_as_abusive", "hide_as_off_topic"]
    inlines = [FlagInline]
    # Only the words may be corrected here (a name, an address, a text to redact).
    # Status and reason change through the moderation services and their audit rows;
    # the article and parent fix the comment's place in its thread (path, counters) when
    # it is posted; the rest is the record of how it came and what the triage made of it.
    fields = ["article", "parent", "user", "commenter", "author_name", "author_email", "body",
              "body_format", "notify_replies", "status", "hidden_reason", "created",
              "featured_at", "seconds_to_post", "import_key", "seq", "path", "depth",
              "priority", "triage_line", "triaged_at"]
    readonly_fields = [name for name in fields
                       if name not in ("author_name", "author_email", "body")]

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return queryset.search_or_author(search_term.strip()), False

    def get_actions(self, request):
        # Every action, "Select all" included, on at most MAX_BULK comments.
        return {name: (within_bulk_limit(action), name, description)
                for name, (action, name, description) in super().get_actions(request).items()}

    @admin.display(description="triage")
    def triage_line(self, obj):
        return summary(obj.triage) or "not scored yet"

    @admin.display(description="open flags")
    def open_flags(self, obj):
        """What the stored flag facts say (no count of the flags per row)."""
        kinds = [label for fact, label in ((obj.flagged, "flagged"),
                                           (obj.reported, "reported")) if fact]
        if not kinds:
            return "—"
        reasons = [label for bit, label in REASON_BITS if obj.open_flag_reasons & bit]
        return f"{', '.join(kinds)}: {', '.join(reasons)}"

    @admin.display(description="created", ordering="created")
    def created_at(self, obj):
        # Local time as digits: Django's date format ("Dec. 2, 2026, 5:28 a.m.") took a
        # tenth of the page's time at 100 rows.
        return timezone.localtime(obj.created).strftime("%Y-%m-%d %H:%M")

    def has_add_permission(self, request):
        return False  # comments come from readers and imports, each with its audit row

    def has_delete_permission(self, request, obj=None):
        return False  # hide, never delete: moderation decisions must stay auditable

    def _report(self, request, result, verb):
        if result.changed:
            self.message_user(request, f"{len(result.changed)} comment(s) {verb}.")
        if result.unchanged:
            self.message_user(request, f"{len(result.unchanged)} already {verb}.")
        for _comment, error in result.refused:
            self.message_user(request, error, level=messages.ERROR)

    @admin.action(description="Approve selected comments", permissions=["moderate"])
    def approve_comments(self, request, queryset):
        self._report(request, services.bulk_approve(comments=queryset, actor=request.user),
                     "approved")

    def _hide(self, request, queryset, reason):
        result = services.bulk_hide(comments=queryset, actor=request.user, reason=reason)
        self._report(request, result, "hidden")

    @admin.action(description="Hide selected comments as spam", permissions=["moderate"])
    def hide_as_spam(self, request, queryset):
        self._hide(request, queryset, Reason.SPAM)

    @admin.action(description="Hide selected comments as abusive", permissions=["moderate"])
    def hide_as_abusive(self, request, queryset):
        self._hide(request, queryset, Reason.ABUSIVE)

    @admin.action(description="Hide selected comments as off-topic", permissions=["moderate"])
    def hide_as_off_topic(self, request, queryset):
        self._hide(request, queryset, Reason.OFF_TOPIC)

    def has_moderate_permission(self, request):
        return request.user.has_perm(MODERATE)


class ReadOnlyAdmin(admin.ModelAdmin):
    """The audit trail is written by the services only; the admin just reads it."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _by_comment_or_actor(queryset, search_term: str, actor_field: str):
    """Audit rows and flags are searched by comment number (indexed), or by the acting
    user's name (through the user table and the actor index)."""
    term = search_term.strip().lstrip("#")
    if not term:
        return queryset
    if is_id(term):
        return queryset.filter(comment_id=int(term))
    return queryset.filter(**{f"{actor_field}__username__iexact": term})


@admin.register(Flag)
class FlagAdmin(LargeTableAdminMixin, ReadOnlyAdmin):
    list_display = ["comment", "reason", "source", "created_by", "created_at", "resolved_at"]
    # Newest first by the primary key, which grows as flags are raised: created_at (the
    # model's order) has no index, and no column has one to sort by.
    ordering = ["-pk"]
    list_filter = ["source", "reason", ("resolved_at", admin.EmptyFieldListFilter)]
    list_select_related = ["comment", "created_by"]
    search_fields = ["comment__id"]
    search_help_text = "A comment number, or the name of the user who raised the flag."
    raw_id_fields = ["comment"]

    def get_search_results(self, request, queryset, search_term):
        return _by_comment_or_actor(queryset, search_term, "created_by"), False


class ActorFilter(admin.SimpleListFilter):
    """By the moderator who acted, offering those who did (ModerationEvent.objects
    .actors()), not every user: readers with accounts are users too."""

    title = "actor"
    parameter_name = "actor__id__exact"

    def lookups(self, request, model_admin):
        return [(user.pk, user.get_username()) for user in ModerationEvent.objects.actors()]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if not is_id(value):
            raise IncorrectLookupParameters
        return queryset.filter(actor_id=value)


@admin.register(ModerationEvent)
class ModerationEventAdmin(LargeTableAdminMixin, ReadOnlyAdmin):
    list_display = ["created_at", "action", "comment", "actor_name", "status_before",
                    "status_after", "reason"]
    # Newest or oldest first, by created_at's index; no other column has one.
    ordering = ["-created_at", "-id"]
    sortable_by = ["created_at"]
    list_filter = ["action", "reason", ActorFilter]
    list_select_related = ["comment", "actor"]
    search_fields = ["comment__id"]
    search_help_text = "A comment number, or a moderator's user name."
    # As for comments: a range filter on created_at, without the links (change_list.html).
    date_hierarchy = "created_at"

    def get_search_results(self, request, queryset, search_term):
        return _by_comment_or_actor(queryset, search_term, "actor"), False


class WordForm(forms.ModelForm):
    class Meta:
        model = Word
        fields = ["text"]

    def clean_text(self):
        # As the word is saved, so that "Click  Here" meets "click here", in the list and
        # among the rows sent with it, as a duplicate rather than at the database.
        return normalise_word(self.cleaned_data["text"])


class WordInline(admin.TabularInline):
    model = Word
    form = WordForm
    extra = 3


class WordListForm(forms.ModelForm):
    add_words = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Paste words or phrases to add, one per line (case is ignored; end one "
                  "with * to match any ending).",
    )

    class Meta:
        model = WordList
        fields = ["name", "kind", "reason", "enabled", "description"]

    def clean_add_words(self):
        words = []
        for line in self.cleaned_data["add_words"].splitlines():
            text = normalise_word(line)
            if not text:
                continue
            word = Word(text=text)
            try:
                # The field's own checks (its length) as well as the word's rules.
                word.full_clean(exclude=["word_list"], validate_unique=False,
                                validate_constraints=False)
            except ValidationError as error:
                raise ValidationError(f"{line.strip()!r}: {' '.join(error.messages)}") from None
            words.append(text)
        return list(dict.fromkeys(words))


@admin.register(WordList)
class WordListAdmin(admin.ModelAdmin):
    """Banned and suspect words for the triage rules; an edit applies to the next
    comment scored (run manage.py triage_comments --all to rescore older ones)."""

    form = WordListForm
    list_display = ["name", "kind", "reason", "enabled", "word_count", "updated_at"]
    list_filter = ["kind", "reason", "enabled"]
    search_fields = ["name", "words__text"]
    inlines = [WordInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(word_count=Count("words"))

    @admin.display(description="words", ordering="word_count")
    def word_count(self, obj):
        return obj.word_count

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        existing = set(form.instance.words.values_list("text", flat=True))
        new = [t for t in form.cleaned_data.get("add_words", []) if t not in existing]
        Word.objects.bulk_create(Word(word_list=form.instance, text=t) for t in new)
        if new:
            self.message_user(request, f"Added {len(new)} word(s) to {form.instance}.")


@admin.register(Commenter)
class CommenterAdmin(LargeTableAdminMixin, ReadOnlyAdmin):
    """Commenters are read here; their standing changes on the workspace's commenter
    page, through the services and their audit rows."""

    list_display = ["display_name", "email_key", "user", "approved_count", "hidden_count",
                    "pending_count", "reported_count", "banned_at", "suspended_until",
                    "premoderated", "trust", "first_seen"]
    list_filter = ["premoderated", "trust", ("banned_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user"]
    # Newest first, by the primary key: no column has an index to sort by, and the
    # workspace's order (troublesome_first()) reaches a later page only by sorting every
    # commenter (0.8 s at 394,631 of them).
    ordering = ["-pk"]
    # Searched by get_search_results() below; listed so the admin shows the search box.
    search_fields = ["display_name"]
    search_help_text = "Part of the name or of the email address."
    # The large tables' rows (LargeTableAdminMixin), without a template of its own.
    change_list_template = "admin/large_change_list.html"

    def get_search_results(self, request, queryset, search_term):
        # As the workspace's Commenters page searches (trigram indexes on PostgreSQL).
        return queryset.search(search_term), False


@admin.register(CommenterEvent)
class CommenterEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "action", "commenter", "actor_name", "reason"]
    list_filter = ["action"]
    list_select_related = ["commenter", "actor"]
    raw_id_fields = ["commenter"]


@admin.register(SavedQueue)
class SavedQueueAdmin(admin.ModelAdmin):
    """Moderators save, rename and delete their queues in the workspace; here an admin sees
    them all, and may rename, share, unshare or delete one."""

    list_display = ["name", "owner", "shared", "tab", "sort", "article", "reason", "author",
                    "text", "commenter", "updated_at"]
    list_filter = ["shared", "tab"]
    list_select_related = ["owner", "article", "commenter"]
    search_fields = ["name", "owner__username"]
    raw_id_fields = ["owner", "article", "commenter"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(LearnedModel)
class LearnedModelAdmin(ReadOnlyAdmin):
    """What the newsroom's learned model knows (moderation/triage/learning.py), and two
    ways to make it forget. It is written by its training task only, so nothing here is
    edited; the actions need the change permission on it (an admin's, not a moderator's).
    """

    list_display = ["name", "labels", "per_reason", "blend_weights", "trained_at"]
    fields = ["name", "labels", "per_reason", "blend_weights", "last_event_id", "trained_at"]
    readonly_fields = fields
    actions = ["start_over", "relearn"]

    @admin.display(description="decisions per label")
    def per_reason(self, obj):
        return ", ".join(f"{label} {n:,}" for label, n in
                         sorted(obj.counts.items(), key=lambda item: -item[1])) or "—"

    @admin.display(description="blended in")
    def blend_weights(self, obj):
        weights = learning.Learned(labels=obj.labels, model=None, counts=obj.counts).weights()
        return blend_weights(weights) or f"not yet (from {learning.MIN_LABELS} decisions)"

    def has_forget_permission(self, request):
        return request.user.has_perm("moderation.change_learnedmodel")

    @admin.action(description="Start over: learn only from decisions made from now on",
                  permissions=["forget"])
    def start_over(self, request, queryset):
        learning.start_over()
        self._forgot(request, "It learns again from the decisions made from now on")

    @admin.action(description="Relearn from every decision in the audit log",
                  permissions=["forget"])
    def relearn(self, request, queryset):
        learning.start_over(relearn=True)
        self._forgot(request, "The workers teach it the whole audit log again, "
                              f"{learning.TRAIN_BATCH:,} decisions a run")

    def _forgot(self, request, then: str):
        obj = LearnedModel.objects.get(name=learning.NAME)
        self.log_change(request, obj, f"Forgot what it learned. {then}.")
        self.message_user(request, f"The learned model forgot what it learned. {then}; "
                                   f"nothing is blended in until it has "
                                   f"{learning.MIN_LABELS} decisions.")


User = get_user_model()
# django.contrib.auth registered its UserAdmin (neither this project nor allauth registers
# one of its own): the same, but for a delete page that counts a moderator's audit rows
# and flags instead of loading them (they PROTECT the account: the audit trail stays).
admin.site.unregister(User)


@admin.register(User)
class UserAdmin(CountedDeletionMixin, AuthUserAdmin):
    pass
