"""What the moderation services announce to the layers above them.

The services sit below the automated triage (moderation/triage, moderation/screening.py)
and never import it; they say what happened, and moderation/apps.py connects the
listeners.
"""

from django.dispatch import Signal

# Sent once new comments are committed (a reader's post), with `ids`: their primary keys.
comments_added = Signal()
