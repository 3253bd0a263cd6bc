"""What automated triage costs: ms per posted comment with scoring off and on, and how
many comments a second the scorer gets through.

    DJANGO_DEBUG=1 .venv/bin/python bench/bench_triage.py [--posts 300] [--batch 1000]
        [--corpus ../shared/corpus] [--batch-only]

Uses a scratch SQLite file in /tmp, or the database named by BENCH_DATABASE_URL
(e.g. postgres://postgres@127.0.0.1:5432/mod_bench_triage; it is dropped and made anew).
Comment texts are the seed thread's, our validation set's, the Jigsaw sample's and the
YouTube Spam Collection's, in turn (over 2,000 different texts, so a batch of 1,000
embeds 1,000 texts), so lengths and vocabulary are those of real comments.

Posting is timed as a reader's request pays for it: services.post_comment() from start
to committed, including the on-commit hook. Three ways:
- off: TRIAGE_ENABLED=false;
- on (the default): the scoring task queued after commit (one row in the task table; a
  `manage.py db_worker` scores it, see bench/bench_tasks.py); timed paced (a comment
  every 50 ms, a busy comment section) and back to back;
- inline: the tasks' immediate backend, scoring in the request after commit (what the
  workers save a reader from).
"""

import argparse
import csv
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._setup import ROOT, setup_django  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"


def sample_texts(corpus: Path = CORPUS) -> list[str]:
    seed = json.loads((ROOT / "fixtures" / "seed.json").read_text())
    texts = [o["fields"]["body"] for o in seed if o["model"] == "moderation.comment"]
    validation = json.loads((ROOT / "bench" / "triage_validation.json").read_text())
    texts += [c["body"] for c in validation["comments"]]
    jigsaw = corpus / "toxic" / "jigsaw_test_examples.csv"
    if jigsaw.exists():
        with jigsaw.open(newline="", encoding="utf-8") as handle:
            texts += [r["comment_text"] for r in csv.DictReader(handle)]
    for path in sorted((corpus / "spam" / "youtube-spam-collection").glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            texts += [r["CONTENT"] for r in csv.DictReader(handle)]
    return list(dict.fromkeys(texts))


def summary(times: list[float]) -> str:
    ms = sorted(t * 1000 for t in times)
    p95 = ms[int(len(ms) * 0.95) - 1]
    return (f"median {statistics.median(ms):6.2f} ms   mean {statistics.mean(ms):6.2f} ms   "
            f"p95 {p95:6.2f} ms")


def post_many(article, texts, n, pace: float = 0.0) -> list[float]:
    from moderation import services

    times = []
    for i in range(n):
        started = time.perf_counter()
        services.post_comment(article=article, author_name=f"Bench {i}",
                              body=texts[i % len(texts)])
        elapsed = time.perf_counter() - started
        times.append(elapsed)
        if pace > elapsed:
            time.sleep(pace - elapsed)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=300, help="posts per way of posting")
    parser.add_argument("--batch", type=int, default=1000, help="comments in the batch run")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--batch-only", action="store_true", help="skip the posting runs")
    args = parser.parse_args()

    setup_django()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import override_settings

    from articles.models import Article
    from moderation.models import Comment
    from moderation.screening import score_comments

    call_command("loaddata", "seed", verbosity=0)
    texts = sample_texts(args.corpus)
    seed_article = Article.objects.get(slug="trump-kazakhstan-joins-abraham-accords")
    print(f"database: {connection.vendor}; {len(texts)} sample texts; "
          f"model threads {settings.TRIAGE_MODEL_THREADS}")

    # Load both models once, as a running server would have them after its first post.
    started = time.perf_counter()
    score_comments(Comment.objects.filter(article=seed_article), flag=False)
    print(f"first scoring in this process (loads the models): "
          f"{time.perf_counter() - started:.2f} s")

    def article(policy):
        n = Article.objects.count()
        return Article.objects.create(title=seed_article.title, slug=f"bench-{n}",
                                      body=seed_article.body, comment_policy=policy)

    results = {}
    if args.batch_only:
        batch_scoring(args, texts, article)
        return
    settings.TRIAGE_ENABLED = False
    post_many(article("pre"), texts, 20)  # warm up
    results["off, back to back"] = post_many(article("pre"), texts, args.posts)
    results["off, paced 50 ms"] = post_many(article("pre"), texts, args.posts, pace=0.05)

    settings.TRIAGE_ENABLED = True
    results["on (queued as a task), paced 50 ms"] = post_many(article("post"), texts,
                                                              args.posts, pace=0.05)
    results["on (queued as a task), back to back"] = post_many(article("post"), texts,
                                                               args.posts)
    immediate = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with override_settings(TASKS=immediate):
        results["inline (in the request)"] = post_many(article("post"), texts, args.posts)

    print(f"\nposting {args.posts} comments, ms per post (post_comment to commit):")
    for name, times in results.items():
        print(f"  {name:<32} {summary(times)}")
    base = statistics.median(results["off, paced 50 ms"])
    on = statistics.median(results["on (queued as a task), paced 50 ms"])
    print(f"  scoring on costs {1000 * (on - base):+.2f} ms per post at the median (paced)")

    batch_scoring(args, texts, article)


def batch_scoring(args, texts, article) -> None:
    from django.conf import settings

    from moderation.models import Comment
    from moderation.screening import score_comments

    print(f"\nbatch scoring ({args.batch} comments, one article, score_comments with flags, "
          f"batches of 256 as the tasks run them):")
    for model in ("minilm", "tfidf"):
        settings.TRIAGE_OFFTOPIC_MODEL = model
        target = article("pre")
        made = Comment.objects.bulk_create_threaded(
            Comment(article=target, author_name=f"B{i}", body=texts[i % len(texts)],
                    status=Comment.Status.PENDING)
            for i in range(args.batch)
        )
        started = time.perf_counter()
        for i in range(0, len(made), 256):
            score_comments(made[i:i + 256])
        elapsed = time.perf_counter() - started
        print(f"  off-topic by {model:<7} {elapsed:6.2f} s   "
              f"{args.batch / elapsed:7.0f} comments/s")


if __name__ == "__main__":
    main()
