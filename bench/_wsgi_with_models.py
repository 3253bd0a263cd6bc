"""The WSGI app with the triage models loaded in each web worker, as every web process
held them before scoring moved to the task workers: bench/bench_tasks.py compares its
memory with config.wsgi's."""

from django.conf import settings

from config.wsgi import application
from moderation.triage import classifiers

classifiers.abuse_scores(["Loading the abuse model."])
classifiers.embedder(settings.TRIAGE_MODEL_THREADS).embed(["Loading the embedding model."])

__all__ = ["application"]
