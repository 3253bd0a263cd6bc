"""Uploaded export files, kept in the database between the preview, the confirmation and
the import that a worker runs.

Each upload is an ImportJob named by a random token, its file in ImportChunk rows (so the
worker that imports it may run on any machine), with who uploaded it, its name, format
and preview. The token is also kept in the uploader's session: only that user, in that
session, can confirm or cancel it, and see its progress. The file never goes back to the
browser. Uploads not confirmed within IMPORT_UPLOAD_MAX_AGE are removed whenever someone
uploads; a finished import's file is removed when it ends.
"""

from __future__ import annotations

import errno
import io
import os
import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.db import DatabaseError, transaction
from django.utils import timezone

from articles.models import ImportChunk, ImportJob

SESSION_KEY = "articles.imports"
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
# Every chunk but the last holds exactly this many bytes, so a position is one lookup.
CHUNK_BYTES = 1024 * 1024


class UploadGone(Exception):
    """The upload expired, was already used, or belongs to someone else."""


class StorageFailed(Exception):
    """The server could not store the upload; the message is fit to show the uploader."""


def storage_message(error: OSError) -> str:
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        problem = "the server's disk is full"
    elif error.errno == errno.EROFS:
        problem = "the server's upload folder is read-only"
    elif error.errno == errno.EACCES:
        problem = "the server may not write to its upload folder"
    else:
        problem = f"the server could not write it ({os.strerror(error.errno or 0)})"
    return (f"The file could not be stored: {problem}. Nothing was imported; try again "
            "later, or tell the site's team.")


def purge_expired(now=None) -> int:
    """Forget uploads previewed but never confirmed in time, and finished imports' files;
    return how many uploads were forgotten."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.IMPORT_UPLOAD_MAX_AGE)
    _, removed = ImportJob.objects.filter(state=ImportJob.State.PREVIEWED,
                                          created_at__lt=cutoff).delete()
    ImportChunk.objects.filter(job__state__in=[ImportJob.State.DONE, ImportJob.State.FAILED]
                               ).delete()
    return removed.get(ImportJob._meta.label, 0)


def save(uploaded_file, *, request, fmt: str, repair_cycles: bool = False) -> ImportJob:
    """Store an uploaded file for this user's session and return its job, with a new
    token."""
    purge_expired()
    try:
        with transaction.atomic():
            job = ImportJob.objects.create(
                token=secrets.token_urlsafe(24), user=request.user,
                name=os.path.basename(uploaded_file.name or "upload")[:200], format=fmt,
                repair_cycles=repair_cycles,
            )
            size = 0
            buffer = bytearray()
            index = 0
            for piece in uploaded_file.chunks():
                buffer += piece
                while len(buffer) >= CHUNK_BYTES:
                    ImportChunk.objects.create(job=job, index=index,
                                               data=bytes(buffer[:CHUNK_BYTES]))
                    del buffer[:CHUNK_BYTES]
                    index += 1
                size += len(piece)
            if buffer or index == 0:
                ImportChunk.objects.create(job=job, index=index, data=bytes(buffer))
            job.size = size
            job.save(update_fields=["size"])
    except OSError as error:
        # The request's own copy of the file (spooled to a temporary file) could not be
        # read back; the transaction kept no part of it.
        raise StorageFailed(storage_message(error)) from error
    except DatabaseError as error:
        raise StorageFailed(
            "The file could not be stored: the database refused it. Nothing was imported; "
            "try again later, or tell the site's team.") from error
    tokens = request.session.get(SESSION_KEY, [])
    request.session[SESSION_KEY] = [*tokens[-9:], job.token]
    return job


def set_preview(job: ImportJob, preview: dict) -> None:
    job.preview = preview
    job.save(update_fields=["preview"])


def load(token: str, *, request, states=(ImportJob.State.PREVIEWED,)) -> ImportJob:
    """The job `token` names, if it is this user's, in this session, in one of `states`,
    and (while only previewed) not expired."""
    if not TOKEN_RE.match(token) or token not in request.session.get(SESSION_KEY, []):
        raise UploadGone
    job = ImportJob.objects.filter(token=token, user=request.user).first()
    if job is None or job.state not in states:
        raise UploadGone
    expired = timezone.now() - job.created_at > timedelta(
        seconds=settings.IMPORT_UPLOAD_MAX_AGE)
    if job.state == ImportJob.State.PREVIEWED and expired:
        discard(token, request=request)
        raise UploadGone
    return job


def discard(token: str, *, request=None) -> None:
    """Forget an upload that was never confirmed."""
    if TOKEN_RE.match(token):
        ImportJob.objects.filter(token=token, state=ImportJob.State.PREVIEWED).delete()
    if request is not None:
        tokens = request.session.get(SESSION_KEY, [])
        if token in tokens:
            request.session[SESSION_KEY] = [t for t in tokens if t != token]


class ChunkReader(io.RawIOBase):
    """A job's file, read (and sought) straight from its chunks, one in memory at a time."""

    def __init__(self, job: ImportJob):
        super().__init__()
        self.job_id = job.pk
        self.size = job.size
        self.position = 0
        self._index = -1
        self._chunk = b""

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence]
        self.position = max(0, base + offset)
        return self.position

    def readinto(self, buffer) -> int:
        if self.position >= self.size:
            return 0
        index, offset = divmod(self.position, CHUNK_BYTES)
        if index != self._index:
            data = (ImportChunk.objects.filter(job_id=self.job_id, index=index)
                    .values_list("data", flat=True).get())
            self._chunk, self._index = bytes(data), index
        piece = self._chunk[offset:offset + len(buffer)]
        buffer[:len(piece)] = piece
        self.position += len(piece)
        return len(piece)


def open_file(job: ImportJob) -> io.BufferedReader:
    """The job's file as a binary file object."""
    return io.BufferedReader(ChunkReader(job), buffer_size=256 * 1024)


class SizeLimitHandler(FileUploadHandler):
    """Stop reading an upload as soon as it passes IMPORT_MAX_BYTES.

    Installed ahead of Django's own handlers, so an oversized file is never written to a
    temporary file in full; the view then says how big the limit is.
    """

    def __init__(self, request=None):
        super().__init__(request)
        self.limit = settings.IMPORT_MAX_BYTES
        self.received = 0
        self.exceeded = False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        # The multipart envelope adds a little to the file itself.
        if content_length and content_length > self.limit + 64 * 1024:
            self.exceeded = True
            self.received = content_length

    def receive_data_chunk(self, raw_data, start):
        if not self.exceeded:
            self.received += len(raw_data)
        if self.exceeded or self.received > self.limit:
            self.exceeded = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None
