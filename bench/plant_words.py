"""Give a benchmark database two words that cluster in time, as a story's words do.

    .venv/bin/python bench/plant_words.py [--database-url URL] [--comments 40000]

Appends " What a quagmire." to the newest --comments comments (a breaking story's word)
and " Marmalade again." to the oldest (an old story's), unless they are there already,
then runs VACUUM (ANALYZE) on the comment table so that the planner knows them. make_data.py
spreads its words evenly through the table; these two are the case a planner that assumes
an even spread gets wrong (bench/explain_plans.py's search-newest-word, search-oldest-word
and admin-search-oldest-word pages).
"""

import argparse
import os

import psycopg

NEWEST_WORD, OLDEST_WORD = "quagmire", "marmalade"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get(
        "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_million"))
    parser.add_argument("--comments", type=int, default=40_000)
    args = parser.parse_args()
    with psycopg.connect(args.database_url, autocommit=True) as connection:
        for word, sentence, order in ((NEWEST_WORD, " What a quagmire.", "DESC"),
                                      (OLDEST_WORD, " Marmalade again.", "ASC")):
            present = connection.execute(
                "SELECT count(*) FROM moderation_comment WHERE search_document @@ "
                "plainto_tsquery('english', %s)", [word]).fetchone()[0]
            if present:
                print(f"{word!r}: already in {present:,} comments")
                continue
            changed = connection.execute(
                "UPDATE moderation_comment SET body = body || %s WHERE id IN (SELECT id FROM "  # noqa: S608
                f"moderation_comment ORDER BY created {order}, id {order} LIMIT %s)",
                [sentence, args.comments]).rowcount
            print(f"{word!r}: added to the {'newest' if order == 'DESC' else 'oldest'} "
                  f"{changed:,} comments")
        connection.execute("VACUUM (ANALYZE) moderation_comment")


if __name__ == "__main__":
    main()
