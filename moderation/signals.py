"""What the moderation services announce to the layers above them.

The services sit below the automated triage (moderation/triage, moderation/screening.py)
and the tasks that run it (moderation/tasks.py) and never import them; they say what
happened, and moderation/apps.py connects the listeners.
"""

from django.dispatch import Signal

# Sent once new comments are committed (a reader's post, an import), with `ids`: their
# primary keys, parents before replies.
comments_added = Signal()

# Sent once a ban that hides the person's comments ("hide all") is committed, with
# `ban_id`: its CommenterEvent's primary key.
ban_committed = Signal()

# Sent once the undo of such a ban is committed, with `ban_id`: the ban's CommenterEvent's
# primary key (its hides are then taken back).
ban_undone = Signal()
