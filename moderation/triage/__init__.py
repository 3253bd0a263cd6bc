"""Automated triage: abuse, off-topic and spam scores for every comment, with reasons.

It reads comments and computes; it changes nothing and never calls the moderation
services. scoring.py is how a comment is scored (signals, findings, priority), display.py
how a moderator reads the scores; classifiers.py, topic.py, text.py and wordlists.py are
the measures behind them. moderation/screening.py runs it and acts on what it finds.
"""
