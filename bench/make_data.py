"""Generate a big, realistic comment dataset straight into PostgreSQL with COPY.

    .venv/bin/python bench/make_data.py [--comments 1000000] [--database-url URL] [--reset]
    .venv/bin/python bench/make_data.py --json FILE --comments 11000

Database mode (the default; URL from --database-url, else DATABASE_URL, else
postgres://postgres@127.0.0.1:5432/bench_million): creates the database if it is missing
(--reset drops it first; a database that already holds comments is refused without it),
runs `manage.py migrate` on it, then loads with COPY:

- N comments in all (default 1,000,000) over many articles (a long tail of article sizes),
  and one "viral" story (slug `bench-viral-story`, 10,000 comments by default) with bushy
  subtrees: a few top-level comments with hundreds of replies, direct fan-outs of 150-300,
  chains down to depth 10;
- statuses ~84% approved, ~6% pending (mostly on the newest articles), ~10% hidden; open
  flags from readers, moderators and the triage rules on a few % of comments, resolved
  reader reports under some hidden ones; triage scores with a long tail, triaged_at set;
- materialised paths exactly as the app builds them (per-article `seq` in creation order,
  7-digit segments, `depth`, Article.comment_seq = last seq); a quarter of the older
  articles are "imported" (import keys, "imported" audit rows);
- one audit row (moderation_moderationevent) per comment (posted or imported) plus one
  per decision and per flag; a few moderator users (bench-mod-1..6) act in them;
- the commenters (People: one very prolific writer, a long tail, guests without email
  who have none), each comment linked to its writer's, in by COPY with an empty record.

Column lists come from the live tables (information_schema): columns this script knows
are filled with meaningful values; columns added later are filled with their Django field
default (or left to their database default / NULL) and listed in a NOTE, since derived
columns (say a denormalised flag column) then need a backfill: --post-command runs a
manage.py command after the load for that. Then ANALYZE, and the app's own services fill
the commenters' records and standing: services.recount_commenters counts every record
(rather than this script counting as the services count), auto_trust() trusts those it
earns it, and a few moderators' decisions (trust, pre-moderation, bans) go through their
services with their audit rows (decide_on_people). Finally the commenter table, which the
recount rewrote, is vacuumed, everything ANALYZEd, and the time each step took printed.
The text filter words: "council" is in ~4% of bodies, "zanzibar" in ~20 per million.

JSON mode (--json FILE): writes the same shape (viral story + other articles, statuses,
hidden reasons, nesting, dates, the same writers' names and emails) as a newsroom-comments
v1 import file for `manage.py import_articles FILE`, touching no database.

Prints the steps with their durations and a summary of what was loaded.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_million"
VIRAL_SLUG = "bench-viral-story"
COMMON_WORD = "council"
RARE_WORD = "zanzibar"
SEGMENT_WIDTH = 7  # the app's path segment width (moderation.models.SEGMENT_WIDTH)
MAX_GEN_DEPTH = 10
REASONS = ["off_topic", "abusive", "spam", "personal_attack", "other"]
HIDE_REASON_WEIGHTS = [30, 30, 20, 15, 5]
MODERATORS = [f"bench-mod-{n}" for n in range(1, 7)]
TABLES = ("articles_article", "moderation_comment", "moderation_moderationevent",
          "moderation_flag", "moderation_commenter")

_WORDS = (
    "the of and to a in that is was he for it with as his on be at by i this had not are "
    "but from or have an they which one you were her all she there would their we him been "
    "has when who will more no if out so said what up its about into than them can only "
    "other new some could time these two may then do first any my now such like our over "
    "man me even most made after also did many before must through back years where much "
    "your way well down should because each just those people mr how too little state good "
    "very make world still own see men work long get here between both life being under "
    "never day same another know while last might us great old year off come since against "
    "go came right used take three policy budget school housing tax vote minister election "
    "story article reporter editor source data report poll argument evidence agree disagree "
    "nonsense brilliant interesting wrong point fact opinion transport road rail bus bridge "
    "hospital doctor nurse police crime court judge law climate energy water price market"
)
WORDS = _WORDS.split()
_NAMES = ("Ada Ben Cara Dev Eli Fay Gus Hana Ivo Jun Kai Lea Mo Nia Oto Pia Quin Rae "
               "Sam Tia Uma Vic Wes Xia Yan Zoe Adam Mona Raj Ines Olga Pete")
FIRST_NAMES = _NAMES.split()
LAST_INITIALS = "ABCDEFGHIJKLMNOPRSTVWZ"
_SURNAMES = ("Okafor Lindqvist Moreau Tanaka Kowalski Haddad Fernandes Novak Brennan Castillo "
             "Dubois Yilmaz Petrov Nakamura Oyelaran Rossi Schmidt Mbeki Larsen Quigley "
             "Abernathy Delgado Whitfield Osei Vasquez Holloway Ivanova Chen Gallagher Sorensen "
             "Achterberg Pillai Romero Eriksen Mukherjee Fairbanks Zielinski Duarte Kaur "
             "Templeton")
SURNAMES = _SURNAMES.split()
DOMAINS = ["example.org", "example.com", "example.net", "mail.example.org"]
# The shape of People (see its docstring).
GUEST_SHARE = 0.10
PROLIFIC_SHARE = 0.015
TAIL_INDEX = 1.3


def _ts_formatter():
    """Format epoch seconds as a COPY timestamptz literal, fast (minute prefixes cached)."""
    cache: dict[int, str] = {}

    def fmt(t: float) -> str:
        t = int(t)
        minute, sec = divmod(t, 60)
        prefix = cache.get(minute)
        if prefix is None:
            prefix = cache[minute] = datetime.fromtimestamp(minute * 60, UTC).strftime(
                "%Y-%m-%d %H:%M")
        return f"{prefix}:{sec:02d}+00"

    return fmt


def _esc(text: str) -> str:
    """Escape a value for COPY's text format."""
    if "\\" in text:
        text = text.replace("\\", "\\\\")
    if "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


# --------------------------------------------------------------------------------------
# The shape of the data, shared by the database and JSON modes.
# --------------------------------------------------------------------------------------

class Tree:
    """One article's comments in creation order: parents[i] < i (or -1), depth, times."""

    __slots__ = ("parents", "depths", "times")

    def __init__(self, parents, depths, times):
        self.parents, self.depths, self.times = parents, depths, times


def _finish_tree(parents, times) -> Tree:
    """Renumber nodes in creation order (seq order) so a parent always comes first."""
    order = sorted(range(len(parents)), key=times.__getitem__)
    new_index = {old: new for new, old in enumerate(order)}
    new_parents, depths, new_times = [], [], []
    for old in order:
        p = parents[old]
        np_ = -1 if p < 0 else new_index[p]
        new_parents.append(np_)
        depths.append(0 if np_ < 0 else depths[np_] + 1)
        new_times.append(times[old])
    return Tree(new_parents, depths, new_times)


def ordinary_tree(rng: random.Random, n: int, span: float) -> Tree:
    """n comments over `span` seconds: ~35% top-level, replies with preferential attachment
    (a comment that got replies draws more), depth at most MAX_GEN_DEPTH."""
    parents: list[int] = []
    depths: list[int] = []
    times: list[float] = []
    targets: list[int] = []
    for i in range(n):
        if i == 0 or rng.random() < 0.35:
            parents.append(-1)
            depths.append(0)
            times.append(rng.random() * span * 0.6)
        else:
            p = targets[int(rng.random() * len(targets))]
            while depths[p] >= MAX_GEN_DEPTH:
                p = parents[p]
            parents.append(p)
            depths.append(depths[p] + 1)
            times.append(min(span, times[p] + rng.expovariate(1 / 1800) + 1))
            targets.append(p)
        targets.append(i)
    return _finish_tree(parents, times)


def viral_tree(rng: random.Random, n: int, span: float) -> Tree:
    """The viral story: 4% top-level comments; 8 "hot" ones with 150-300 direct replies
    each and big subtrees under those; 25 chains from top level down to depth 10; the
    rest preferential replies anywhere (depth at most 10)."""
    parents: list[int] = []
    depths: list[int] = []
    times: list[float] = []

    def add(parent: int, t: float | None = None) -> int:
        if parent < 0:
            parents.append(-1)
            depths.append(0)
            times.append(rng.random() * span * 0.7 if t is None else t)
        else:
            parents.append(parent)
            depths.append(depths[parent] + 1)
            times.append(min(span, times[parent] + rng.expovariate(1 / 900) + 1))
        return len(parents) - 1

    top = max(10, n // 25)
    tops = [add(-1) for _ in range(top)]
    hot = rng.sample(tops, min(8, len(tops)))
    budget = n - top
    fanned: list[int] = []
    for h in hot:  # wide fan-outs
        for _ in range(min(rng.randint(150, 300), max(0, budget - 300 * 11))):
            fanned.append(add(h))
    for _ in range(min(25, len(tops))):  # deep chains down to depth MAX_GEN_DEPTH
        node = rng.choice(tops)
        while depths[node] < MAX_GEN_DEPTH and len(parents) < n:
            node = add(node)
    # The rest: replies, mostly inside the hot subtrees, preferentially attached.
    targets = list(range(len(parents))) + hot * 40 + fanned
    while len(parents) < n:
        p = targets[int(rng.random() * len(targets))]
        while depths[p] >= MAX_GEN_DEPTH:
            p = parents[p]
        i = add(p)
        targets.append(i)
        targets.append(p)
    return _finish_tree(parents, times)


def article_sizes(rng: random.Random, total: int, articles: int) -> list[int]:
    """Split `total` comments over `articles` with a long tail (log-normal weights)."""
    if articles <= 0 or total <= 0:
        return []
    weights = [rng.lognormvariate(0, 1.3) for _ in range(articles)]
    scale = total / sum(weights)
    # Capped so that the viral story stays the biggest (the other scripts pick it so).
    cap = max(1, min(5000, total // 4))
    sizes = [min(cap, max(1, int(w * scale))) for w in weights]
    diff = total - sum(sizes)
    i = 0
    while diff != 0:  # fix rounding, never below one comment
        j = i % articles
        if diff > 0 and (sizes[j] < cap or all(x >= cap for x in sizes)):
            sizes[j] += 1
            diff -= 1
        elif sizes[j] > 1:
            sizes[j] -= 1
            diff += 1
        i += 1
    return sizes


class Plan:
    """Articles in publication order (the viral story last, newest); each with its size,
    policy, publication time, and whether it came from an import."""

    def __init__(self, rng: random.Random, comments: int, viral: int, articles: int | None,
                 now: float):
        viral = min(viral, comments)
        rest = comments - viral
        if articles is None:
            articles = max(5, rest // 150) if rest else 0
        sizes = article_sizes(rng, rest, articles)
        self.now = now
        first = now - 2 * 365 * 86400
        self.articles = []
        n = len(sizes)
        for k, size in enumerate(sizes):
            published = first + (now - 3 * 86400 - first) * k / max(1, n)
            recent = k >= n * 0.85
            policy = rng.choices(["pre", "post", "closed"], [70, 25, 5])[0]
            imported = not recent and rng.random() < 0.25
            self.articles.append({
                "n": k + 1, "slug": f"bench-article-{k + 1}", "size": size,
                "published": published, "policy": policy, "imported": imported,
                "pending_p": 0.30 if recent else 0.018, "viral": False,
                "title": f"Benchmark article {k + 1}: {' '.join(rng.choices(WORDS, k=6))}",
            })
        if viral:
            self.articles.append({
                "n": n + 1, "slug": VIRAL_SLUG, "size": viral, "published": now - 2 * 86400,
                "policy": "post", "imported": False, "pending_p": 0.06, "viral": True,
                "title": "Viral story: the council's bridge decision and everyone's view",
            })

    def tree(self, rng: random.Random, article: dict) -> Tree:
        span = min(self.now - article["published"], 4 * 86400)
        if article["viral"]:
            return viral_tree(rng, article["size"], span - 60)
        return ordinary_tree(rng, article["size"], span - 60)


def body_text(rng: random.Random) -> str:
    k = int(rng.lognormvariate(3.2, 0.7)) + 3  # ~25 words, a long tail of essays
    words = rng.choices(WORDS, k=min(k, 700))
    roll = rng.random()
    if roll < 0.04:
        words.insert(int(rng.random() * len(words)), COMMON_WORD)
    elif roll > 1 - 0.00002:
        words.insert(int(rng.random() * len(words)), RARE_WORD)
    text = " ".join(words)
    text = text[0].upper() + text[1:] + "."
    if k > 60 and rng.random() < 0.5:
        cut = text.find(" ", len(text) // 2)
        if cut > 0:
            text = text[:cut] + ".\n\n" + text[cut + 1].upper() + text[cut + 2:]
    return text


def pick_status(rng: random.Random, pending_p: float) -> str:
    r = rng.random()
    if r < pending_p:
        return "pending"
    if r < pending_p + 0.10:
        return "hidden"
    return "approved"


def triage_of(rng: random.Random, auto_reason: str | None) -> tuple[str, float]:
    """The triage JSON and priority; a long tail, high when an automatic flag is due."""
    abuse = rng.betavariate(0.5, 12)
    off = rng.betavariate(2, 6) * 0.8
    spam = 0.0 if rng.random() < 0.9 else round(rng.random() * 0.6, 4)
    findings = []
    if auto_reason == "abusive":
        abuse = 0.5 + rng.random() * 0.5
        findings.append({"reason": "abusive", "note": f"abuse {abuse:.2f}",
                         "score": round(abuse, 4), "holds": False})
    elif auto_reason == "spam":
        spam = 0.8 + rng.random() * 0.2
        findings.append({"reason": "spam", "note": "3 links", "score": round(spam, 4),
                         "holds": False})
    elif auto_reason == "off_topic":
        off = 0.6 + rng.random() * 0.4
        findings.append({"reason": "off_topic",
                         "note": f"little in common with the article: {1 - off:.2f}",
                         "score": round(off, 4), "holds": False})
    priority = round(max(abuse, 0.9 * spam, 0.7 * off), 4)
    data = {
        "version": 1, "abuse": round(abuse, 4), "off_topic": round(off, 4),
        "similarity": {"article": round(1 - off, 4)}, "links": 3 if spam >= 0.8 else 0,
        "link_score": 1.0 if spam >= 0.8 else 0.0, "shouting": 0.0, "shouting_score": 0.0,
        "repetition": 0.0, "duplicate_of": None, "words": [], "spam": round(spam, 4),
        "findings": findings, "priority": priority,
    }
    return json.dumps(data, separators=(",", ":")), priority


class People:
    """Who writes each comment, drawn once for the whole dataset (from a generator of its
    own, so both modes give every comment the same writer):

    - GUEST_SHARE of the comments by guests who give no email, each signed with some name:
      post_comment() and the importers give those no commenter;
    - one very prolific writer, PROLIFIC_SHARE of the comments (15,000 at 10^6);
    - everyone else with a heavy tail of comments each, P(more than k) ~ k^-TAIL_INDEX
      (capped at a 500th of the comments, far below the prolific writer): at 10^6 about
      250,000 people, 84% of them with 1-3 comments and some 600 with over 100.

    Each person has one name and one email (lower case, so already its email_key); their
    comments fall anywhere in the two years, in a fixed shuffle.
    """

    def __init__(self, seed: int, comments: int):
        rng = random.Random(f"{seed}-people")
        guests = round(comments * GUEST_SHARE)
        left = comments - guests
        counts = [min(left, max(1, round(comments * PROLIFIC_SHARE)))] if left else []
        left -= sum(counts)
        cap = max(3, comments // 500)
        while left > 0:
            k = min(cap, left, int((1.0 - rng.random()) ** (-1 / TAIL_INDEX)))
            counts.append(k)
            left -= k
        writers = [-1] * guests
        for person, k in enumerate(counts):
            writers.extend([person] * k)
        rng.shuffle(writers)
        self.counts, self.writers, self.names, self.emails = counts, writers, [], []
        for person in range(len(counts)):
            first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
            self.names.append(f"{first} {last}" if rng.random() < 0.7 else f"{first} {last[0]}.")
            self.emails.append(f"{first}.{last}.{person + 1}@{rng.choice(DOMAINS)}".lower())
        self.rng = rng
        self.taken = 0

    def author(self) -> tuple[int, str, str]:
        """The next comment's (person, name, email); person -1 for a guest without email."""
        person = self.writers[self.taken]
        self.taken += 1
        if person < 0:
            return -1, f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_INITIALS)}.", ""
        return person, self.names[person], self.emails[person]


# --------------------------------------------------------------------------------------
# JSON mode
# --------------------------------------------------------------------------------------

def write_json(args) -> None:
    rng = random.Random(args.seed)
    now = time.time()
    plan = Plan(rng, args.comments, args.viral, args.articles, now)
    people = People(args.seed, args.comments)
    started = time.perf_counter()
    iso = lambda t: datetime.fromtimestamp(int(t), UTC).isoformat()  # noqa: E731
    total = 0
    with open(args.json, "w", encoding="utf-8") as out:
        out.write('{"format": "newsroom-comments", "version": 1, "exported_at": '
                  f'"{iso(now)}", "source": "bench", "articles": [\n')
        for a_index, art in enumerate(plan.articles):
            tree = plan.tree(rng, art)
            head = {
                "source": "json:bench", "id": str(art["n"]), "title": art["title"],
                "slug": art["slug"], "body": "First paragraph.\nSecond paragraph.",
                "published_at": iso(art["published"]), "comment_policy": art["policy"],
                "outlet": "Bench Gazette", "byline": "", "editors_note": "",
                "editors_note_author": "", "source_url": "",
            }
            text = json.dumps(head)[:-1] + ', "comments": [\n'
            out.write(("," if a_index else "") + text)
            for i, parent in enumerate(tree.parents):
                status = pick_status(rng, art["pending_p"])
                _person, name, email = people.author()
                html = rng.random() < 0.05
                body = body_text(rng)
                if html:
                    body = "<p>" + body.replace("\n\n", "</p><p>") + "</p>"
                comment = {
                    "id": f"c{i + 1}", "parent": None if parent < 0 else f"c{parent + 1}",
                    "author_name": name, "author_email": email, "body": body,
                    "body_format": "html" if html else "text", "status": status,
                    "hidden_reason": rng.choices(REASONS, HIDE_REASON_WEIGHTS)[0]
                    if status == "hidden" else "",
                    "created": iso(art["published"] + 60 + tree.times[i]),
                }
                out.write(("," if i else "") + json.dumps(comment) + "\n")
                total += 1
            out.write("]}\n")
        out.write("]}\n")
    size = os.path.getsize(args.json)
    print(f"wrote {args.json}: {len(plan.articles)} articles, {total:,} comments "
          f"(viral story {VIRAL_SLUG}: {min(args.viral, args.comments):,}), "
          f"{size / 1e6:.1f} MB in {time.perf_counter() - started:.1f} s")
    print(f"import it with: DATABASE_URL=... .venv/bin/python manage.py import_articles "
          f"{args.json} --brief")


# --------------------------------------------------------------------------------------
# Database mode
# --------------------------------------------------------------------------------------

def step(label: str):
    class _Step:
        def __enter__(self):
            self.t = time.perf_counter()
            print(f"-> {label} ...", flush=True)
            return self

        def __exit__(self, *exc):
            self.elapsed = time.perf_counter() - self.t
            if exc[0] is None:
                print(f"   {label}: {self.elapsed:.1f} s", flush=True)

    return _Step()


def prepare_database(url: str, reset: bool) -> None:
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and reset:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = None
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    with psycopg.connect(url) as conn:
        has_table = conn.execute("SELECT to_regclass('moderation_comment')").fetchone()[0]
        if has_table and conn.execute("SELECT EXISTS (SELECT 1 FROM moderation_comment)"
                                      ).fetchone()[0]:
            sys.exit(f"{name} already holds comments; pass --reset to drop and rebuild it.")


def django_env(url: str) -> dict:
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "bench-make-data-not-secret",
        "DJANGO_ALLOWED_HOSTS": "testserver", "TRIAGE_ENABLED": "false",
    })
    return env


class TableWriter:
    """COPY into one table on its own connection, with the live table's columns: the
    `known` ones from each row tuple, the others as their defaults (see column_plan)."""

    def __init__(self, url: str, table: str, known: list[str], defaults_from):
        import psycopg

        self.conn = psycopg.connect(url)
        self.conn.execute("SET session_replication_role = replica")  # no FK triggers: valid data
        live = [r[0] for r in self.conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
            "AND table_schema = current_schema() ORDER BY ordinal_position", [table])]
        if not live:
            sys.exit(f"table {table} is missing: did migrate run?")
        self.keep = [i for i, c in enumerate(known) if c in live]
        self.fast = len(self.keep) == len(known)
        extra, self.defaulted, self.skipped = defaults_from(table, [c for c in live
                                                                    if c not in known])
        self.columns = [known[i] for i in self.keep] + list(extra)
        self.suffix = "".join("\t" + v for v in extra.values())
        cols = ", ".join(f'"{c}"' for c in self.columns)
        self.cursor = self.conn.cursor()
        self._copy_cm = self.cursor.copy(f'COPY "{table}" ({cols}) FROM STDIN')
        self.copy = self._copy_cm.__enter__()
        self.buf: list[str] = []
        self.rows = 0
        self.table = table
        self.dropped = [c for c in known if c not in live]

    def row(self, values: tuple) -> None:
        if not self.fast:
            values = [values[i] for i in self.keep]
        self.buf.append("\t".join(values) + self.suffix + "\n")
        if len(self.buf) >= 5000:
            self.flush()

    def flush(self) -> None:
        if self.buf:
            self.rows += len(self.buf)
            self.copy.write("".join(self.buf))
            self.buf = []

    def close(self) -> None:
        self.flush()
        self._copy_cm.__exit__(None, None, None)
        self.conn.commit()
        self.conn.close()


def defaults_maker():
    """Values for columns this script does not know: the Django field's default (what
    the app would write), else the database default or NULL (the column is left out)."""
    from django.apps import apps
    from django.db import connection

    by_table = {m._meta.db_table: m for m in apps.get_models()}

    def to_copy(value) -> str:
        if value is None:
            return "\\N"
        if isinstance(value, bool):
            return "t" if value else "f"
        if isinstance(value, dict | list):
            return _esc(json.dumps(value))
        if isinstance(value, datetime):
            return value.isoformat()
        return _esc(str(getattr(value, "adapted", value)))

    def defaults(table: str, columns: list[str]):
        model = by_table.get(table)
        fields = {f.column: f for f in model._meta.concrete_fields} if model else {}
        extra, defaulted, skipped = {}, [], []
        for column in columns:
            field = fields.get(column)
            if field is not None and field.has_default():
                value = field.get_default()
                if isinstance(value, dict | list):
                    extra[column] = to_copy(value)
                else:
                    extra[column] = to_copy(field.get_db_prep_save(value, connection))
                defaulted.append(column)
            else:
                skipped.append(column)  # database default or NULL
        return extra, defaulted, skipped

    return defaults


def decide_on_people(rng: random.Random, *, spare: int) -> dict[str, int]:
    """Give the people the standing the services would have given them, each change
    through its service with its audit row: automatic trust wherever their record earns
    it (auto_trust() judges), then a few moderators' decisions: trust for some reliable
    regulars, pre-moderation and bans for some whose comments were hidden, never for
    `spare` (the prolific writer, whose page the benchmarks read as an ordinary person's).
    Returns how many of each were made."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.db.models import Q

    from moderation import services
    from moderation.models import Commenter
    from moderation.services.commenters import auto_trust

    mods = list(get_user_model().objects.filter(username__in=MODERATORS).order_by("pk"))
    made = {"trusted automatically": 0, "trusted by a moderator": 0, "pre-moderated": 0,
            "banned": 0}
    # auto_trust() reads and locks each person it is asked about: asked only about those
    # the setting's rule can apply to (COMMENTERS_AUTO_TRUST_AFTER approved and none
    # hidden, config/settings.py), a third of those with enough approved, the build takes
    # 5 s less at 10^6.
    due = list(Commenter.objects.filter(
        approved_count__gte=max(1, settings.COMMENTERS_AUTO_TRUST_AFTER), hidden_count=0,
    ).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(due), 500):
        with transaction.atomic():
            made["trusted automatically"] += sum(
                auto_trust(pk) is not None for pk in due[start:start + 500])
    # (what, whom, one in how many of them, the service)
    decisions = [
        ("trusted by a moderator", Q(approved_count__gte=10, hidden_count=0), 10,
         lambda c, mod: services.trust_commenter(commenter=c, actor=mod,
                                                 reason="A regular; never hidden")),
        ("pre-moderated", Q(hidden_count__gte=3), 20,
         lambda c, mod: services.premoderate_commenter(commenter=c, actor=mod,
                                                       reason="Hidden again and again")),
        ("banned", Q(hidden_count__gte=5), 20,
         lambda c, mod: services.ban_commenter(commenter=c, actor=mod,
                                               reason="Abuse after warnings")),
    ]
    for label, which, one_in, decide in decisions:
        for person in Commenter.objects.filter(which).exclude(pk=spare).order_by("pk"):
            if rng.randrange(one_in) == 0:
                made[label] += decide(person, rng.choice(mods)) is not None
    return made


def load_database(args) -> None:
    url = args.database_url
    total_started = time.perf_counter()
    with step("create database / check it is empty"):
        prepare_database(url, args.reset)
    with step("manage.py migrate"):
        subprocess.run([sys.executable, "manage.py", "migrate", "--verbosity", "0"],
                       cwd=ROOT, env=django_env(url), check=True)
    os.environ.update(django_env(url))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    with step("moderator users"):
        group = Group.objects.filter(name="Moderators").first()
        mod_ids = []
        for name in MODERATORS:
            user, created = get_user_model().objects.get_or_create(
                username=name, defaults={"is_staff": True})
            if created:
                user.set_unusable_password()
                user.save()
            if group is not None:
                user.groups.add(group)
            mod_ids.append(str(user.pk))

    import psycopg
    from psycopg import sql

    rng = random.Random(args.seed)
    now = time.time()
    plan = Plan(rng, args.comments, args.viral, args.articles, now)
    people = People(args.seed, args.comments)
    ts = _ts_formatter()
    defaults = defaults_maker()
    N = "\\N"

    with psycopg.connect(url) as conn:
        base = {t: conn.execute(sql.SQL("SELECT coalesce(max(id), 0) FROM {}").format(
                    sql.Identifier(t))).fetchone()[0]
                for t in TABLES}

    art_cols = ["id", "title", "slug", "outlet", "byline", "published_at", "body",
                "editors_note", "editors_note_author", "source_url", "comment_policy",
                "import_source", "import_id", "comment_seq", "created_at", "updated_at"]
    com_cols = ["id", "article_id", "parent_id", "user_id", "author_name", "author_email",
                "body", "body_format", "status", "created", "import_key", "seq", "path",
                "depth", "triage", "priority", "triaged_at", "hidden_reason", "commenter_id"]
    # The record (counts, first and last seen, trouble) starts empty: recount fills it.
    person_cols = ["id", "display_name", "user_id", "email_key", "external_key", "banned_at",
                   "ban_reason", "suspended_until", "suspension_reason", "premoderated",
                   "trust", "approved_count", "pending_count", "hidden_count",
                   "reported_count", "first_seen", "last_seen", "trouble_at", "created_at"]
    ev_cols = ["id", "comment_id", "actor_id", "actor_label", "action", "status_before",
               "status_after", "reason", "note", "created_at", "undoes_id"]
    fl_cols = ["id", "comment_id", "reason", "source", "note", "created_by_id",
               "reporter_key", "created_at", "event_id", "resolved_at", "resolved_by_id",
               "resolved_event_id"]

    counts = {"approved": 0, "pending": 0, "hidden": 0}
    flag_counts: dict[str, int] = {}
    with step(f"generate and COPY {args.comments:,} comments with events and flags") as s:
        arts = TableWriter(url, "articles_article", art_cols, defaults)
        for art in plan.articles:
            art["id"] = base["articles_article"] + art["n"]
            pub = ts(art["published"])
            arts.row((str(art["id"]), _esc(art["title"]), art["slug"], "Bench Gazette",
                      "Bench Reporter", pub, "First paragraph.\\nSecond paragraph.", "", "",
                      "", art["policy"], "json:legacy" if art["imported"] else "",
                      str(art["n"]) if art["imported"] else "", str(art["size"]), pub, pub))
        arts.close()  # committed first: the others reference it

        coms = TableWriter(url, "moderation_comment", com_cols, defaults)
        evs = TableWriter(url, "moderation_moderationevent", ev_cols, defaults)
        fls = TableWriter(url, "moderation_flag", fl_cols, defaults)
        cid, eid, fid = (base["moderation_comment"], base["moderation_moderationevent"],
                         base["moderation_flag"])
        person_ids = [str(base["moderation_commenter"] + 1 + p)
                      for p in range(len(people.counts))]
        first_at = [now] * len(people.counts)
        rand = rng.random
        for art in plan.articles:
            tree = plan.tree(rng, art)
            first_id = cid + 1
            paths: list[str] = []
            art_id = str(art["id"])
            pending_p = art["pending_p"]
            imported = art["imported"]
            post_mod = art["policy"] == "post"
            t0 = art["published"] + 60
            for i, parent in enumerate(tree.parents):
                cid += 1
                seq = i + 1
                path = (paths[parent] if parent >= 0 else "") + f"{seq:0{SEGMENT_WIDTH}d}"
                paths.append(path)
                created = t0 + tree.times[i]
                status = pick_status(rng, pending_p)
                counts[status] += 1
                # Open flags: ~2% reader reports, ~1.5% automatic, ~0.5% moderator's.
                open_flags = []
                if status == "pending":
                    if rand() < 0.05:
                        open_flags.append("automatic")
                elif status == "approved":
                    r = rand()
                    if r < 0.02:
                        open_flags.append("reader")
                        if rand() < 0.1:
                            open_flags.append("reader")
                    elif r < 0.035:
                        open_flags.append("automatic")
                    elif r < 0.04:
                        open_flags.append("moderator")
                auto_reason = (rng.choice(["abusive", "spam", "off_topic"])
                               if "automatic" in open_flags else None)
                triage, priority = triage_of(rng, auto_reason)
                person, name, email = people.author()
                if person >= 0 and created < first_at[person]:
                    first_at[person] = created
                html = rand() < 0.05
                body = body_text(rng)
                if html:
                    body = "<p>" + body.replace("\n\n", "</p><p>") + "</p>"
                hide_reason = (rng.choices(REASONS, HIDE_REASON_WEIGHTS)[0]
                               if status == "hidden" else "")
                coms.row((
                    str(cid), art_id, N if parent < 0 else str(first_id + parent), N,
                    name, email, _esc(body), "html" if html else "text", status, ts(created),
                    f"c{seq}" if imported else "", str(seq), path, str(tree.depths[i]),
                    _esc(triage), repr(priority), ts(min(now - 1, created + 2 + rand() * 30)),
                    hide_reason, N if person < 0 else person_ids[person],
                ))
                # The audit trail: posted (or imported), then the decision, then flags.
                cs = str(cid)
                t = created
                if imported:
                    eid += 1
                    evs.row((str(eid), cs, N, "import: json", "imported", "", status,
                             hide_reason, "", ts(art["published"] + 5 * 86400), N))
                    if hide_reason == "spam":
                        fid += 1
                        fl_t = ts(art["published"] + 5 * 86400)
                        fls.row((str(fid), cs, "spam", "automatic", "", N, "", fl_t,
                                 str(eid), fl_t, N, str(eid)))
                        flag_counts["resolved spam (import)"] = (
                            flag_counts.get("resolved spam (import)", 0) + 1)
                else:
                    first_status = "approved" if post_mod else "pending"
                    eid += 1
                    evs.row((str(eid), cs, N, "reader", "posted", "", first_status, "", "",
                             ts(t), N))
                    mod = mod_ids[int(rand() * len(mod_ids))]
                    # Readers report only what they can see: published comments.
                    reported_before_hide = (status == "hidden" and first_status == "approved"
                                            and rand() < 0.5)
                    report_eid = None
                    if reported_before_hide:
                        t = min(now - 1, t + 60 + rand() * 3600)
                        eid += 1
                        report_eid = eid
                        evs.row((str(eid), cs, N, "reader", "reported", first_status,
                                 first_status, "abusive", "", ts(t), N))
                    if status != first_status:
                        t = min(now - 1, t + 120 + rand() * 4 * 3600)
                        eid += 1
                        if status == "pending":  # held back by the triage rules
                            evs.row((str(eid), cs, N, "automatic", "held", first_status,
                                     status, "abusive", "", ts(t), N))
                        else:
                            evs.row((str(eid), cs, mod, "", status, first_status, status,
                                     hide_reason, "", ts(t), N))
                        if report_eid is not None:
                            fid += 1
                            fls.row((str(fid), cs, "abusive", "reader", "", N,
                                     f"{rng.getrandbits(128):032x}",
                                     ts(t - 30), str(report_eid), ts(t), mod, str(eid)))
                            flag_counts["resolved reader report"] = (
                                flag_counts.get("resolved reader report", 0) + 1)
                for source in open_flags:
                    t = min(now - 1, t + 60 + rand() * 3600)
                    eid += 1
                    reason = auto_reason if source == "automatic" else rng.choice(REASONS[:4])
                    if source == "reader":
                        action, actor, label = "reported", N, "reader"
                        key = f"{rng.getrandbits(128):032x}"
                    elif source == "automatic":
                        action, actor, label, key = "flagged", N, "automatic", ""
                    else:
                        action, actor, label, key = "flagged", mod_ids[0], "", ""
                    note = f"abuse {priority:.2f}" if source == "automatic" else ""
                    evs.row((str(eid), cs, actor, label, action, status, status, reason,
                             note, ts(t), N))
                    fid += 1
                    fls.row((str(fid), cs, reason, source, note, actor, key, ts(t), str(eid),
                             N, N, N))
                    flag_counts[f"open {source}"] = flag_counts.get(f"open {source}", 0) + 1
            art["first_id"], art["last_id"] = first_id, cid
            if art["viral"]:
                viral_info = {"id": art["id"], "comments": art["size"],
                              "max_depth": max(tree.depths),
                              "top_level": sum(1 for p in tree.parents if p < 0)}
                kids: dict[int, int] = {}
                for p in tree.parents:
                    if p >= 0:
                        kids[p] = kids.get(p, 0) + 1
                viral_info["widest_fanout"] = max(kids.values()) if kids else 0
        # Made when their first comment came (as post_comment() makes them).
        persons = TableWriter(url, "moderation_commenter", person_cols, defaults)
        for p, pk in enumerate(person_ids):
            persons.row((pk, _esc(people.names[p]), N, people.emails[p], "", N, "", N, "",
                         "f", "", "0", "0", "0", "0", N, N, N, ts(first_at[p])))
        writers = (coms, evs, fls, persons)
        for w in writers:
            w.close()
    load_seconds = s.elapsed

    with step("set id sequences"), psycopg.connect(url, autocommit=True) as conn:
        for table in TABLES:
            conn.execute(sql.SQL(
                "SELECT setval(pg_get_serial_sequence({}, 'id'), "
                "(SELECT greatest(coalesce(max(id), 0), 1) FROM {}))"
            ).format(sql.Literal(table), sql.Identifier(table)))
    # Before the recount: its aggregates over the comments are planned from the statistics
    # (without them, as a scan of the comment table per batch).
    with step("ANALYZE"), psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")
    from moderation import services

    with step(f"services.recount_commenters: {len(person_ids):,} records"):
        services.recount_commenters(int(pk) for pk in person_ids)
    with step("people's standing, through the services"):
        decided = decide_on_people(random.Random(f"{args.seed}-standing"),
                                   spare=int(person_ids[0]) if person_ids else 0)
    if args.post_command:
        with step(f"manage.py {args.post_command}"):
            subprocess.run([sys.executable, "manage.py", *args.post_command.split()],
                           cwd=ROOT, env=django_env(url), check=True)
    # The recount rewrote every commenter: vacuumed now rather than by autovacuum while a
    # benchmark runs.
    with step("VACUUM (ANALYZE) moderation_commenter; ANALYZE"), \
            psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) moderation_commenter")
        conn.execute("ANALYZE")
        people_seen = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE n <= 3), count(*) FILTER (WHERE n > 100), "
            "max(n) FROM (SELECT approved_count + pending_count + hidden_count AS n "
            "FROM moderation_commenter) AS c").fetchone()
        guests = conn.execute("SELECT count(*) FROM moderation_comment "
                              "WHERE commenter_id IS NULL").fetchone()[0]

    print()
    print(f"database {url}")
    print(f"  articles: {len(plan.articles):,}; comments: {sum(counts.values()):,} "
          + ", ".join(f"{k} {v:,} ({v / max(1, sum(counts.values())):.1%})"
                      for k, v in counts.items()))
    print(f"  audit rows: {evs.rows:,}; flags: {fls.rows:,} "
          + ", ".join(f"{k} {v:,}" for k, v in sorted(flag_counts.items())))
    if args.viral:
        print(f"  viral story /articles/{VIRAL_SLUG}/ (article id {viral_info['id']}): "
              f"{viral_info['comments']:,} comments, {viral_info['top_level']} top-level, "
              f"widest fan-out {viral_info['widest_fanout']} direct replies, "
              f"max depth {viral_info['max_depth']}")
    print(f"  text filter words: '{COMMON_WORD}' (~4% of bodies), '{RARE_WORD}' (~20/10^6)")
    everyone, few, many, most = people_seen
    print(f"  commenters: {everyone:,}, {few / max(1, everyone):.0%} with 1-3 comments, "
          f"{many:,} with over 100, the most prolific #{person_ids[0] if person_ids else '-'} "
          f"with {most or 0:,}; comments by guests without email (no commenter): {guests:,}")
    print("  standing: " + ", ".join(f"{k} {v:,}" for k, v in decided.items()))
    for w in (arts, *writers):
        if w.defaulted:
            print(f"  NOTE {w.table}: filled with Django defaults: {', '.join(w.defaulted)}"
                  " (derived columns need a backfill, see --post-command)")
        if w.skipped:
            print(f"  NOTE {w.table}: left to database default/NULL: {', '.join(w.skipped)}")
        if w.dropped:
            print(f"  NOTE {w.table}: columns no longer in the table: {', '.join(w.dropped)}")
    print(f"COPY of {args.comments:,} comments (+ events, flags, commenters): "
          f"{load_seconds:.0f} s; "
          f"total {time.perf_counter() - total_started:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[1:]))
    parser.add_argument("--comments", type=int, default=1_000_000,
                        help="comments in all, the viral story's included (default 10^6)")
    parser.add_argument("--viral", type=int, default=10_000,
                        help="comments on the viral story (default 10,000; 0: none)")
    parser.add_argument("--articles", type=int, default=None,
                        help="other articles (default: one per 150 comments, at least 5)")
    parser.add_argument("--database-url",
                        default=os.environ.get("DATABASE_URL") or DEFAULT_URL)
    parser.add_argument("--reset", action="store_true",
                        help="drop and recreate the database first")
    parser.add_argument("--post-command", default="",
                        help="a manage.py command (with arguments) to run after the load, "
                             "e.g. one that backfills derived columns")
    parser.add_argument("--json", metavar="FILE",
                        help="write an import file (newsroom-comments v1) instead")
    parser.add_argument("--seed", type=int, default=20261123)
    args = parser.parse_args()
    if args.json:
        write_json(args)
        return
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        sys.exit("make_data.py loads PostgreSQL only (COPY); give a postgres:// URL.")
    load_database(args)


if __name__ == "__main__":
    main()
