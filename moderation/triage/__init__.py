"""Automated triage: abuse, off-topic and spam scores for every comment, with reasons.

`score_comments(comments)` scores a batch now (imports, rescoring); `schedule(ids)` scores
after the current transaction commits, in a background thread unless
settings.TRIAGE_BACKGROUND is off, so posting a comment does not wait for the models.
"""


def score_comments(comments, *, flag: bool = True):
    from .scoring import score_comments as _score

    return _score(comments, flag=flag)


def schedule(comment_ids) -> None:
    from .worker import schedule as _schedule

    _schedule(comment_ids)
