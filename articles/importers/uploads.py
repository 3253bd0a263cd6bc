"""Uploaded export files, kept on the server between the preview and the confirmation.

Each upload is a file in settings.IMPORT_UPLOAD_DIR named by a random token, with a JSON
sidecar (who uploaded it, its name and format, the preview). The token is also kept in
the uploader's session: only that user, in that session, can confirm or cancel it. The
file never goes back to the browser. Uploads older than IMPORT_UPLOAD_MAX_AGE are removed
whenever someone uploads.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload

SESSION_KEY = "articles.imports"
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


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


@dataclass
class StoredUpload:
    token: str
    path: Path
    meta: dict

    @property
    def name(self) -> str:
        return self.meta["name"]

    @property
    def format(self) -> str:
        return self.meta["format"]

    @property
    def repair_cycles(self) -> bool:
        return bool(self.meta.get("repair_cycles"))


def _directory() -> Path:
    directory = Path(settings.IMPORT_UPLOAD_DIR)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    return directory


def _paths(token: str) -> tuple[Path, Path]:
    directory = _directory()
    return directory / f"{token}.upload", directory / f"{token}.json"


def purge_expired(now: float | None = None) -> None:
    now = now or time.time()
    directory = _directory()
    for path in directory.iterdir():
        if path.suffix in (".upload", ".json") and (
            now - path.stat().st_mtime > settings.IMPORT_UPLOAD_MAX_AGE
        ):
            path.unlink(missing_ok=True)


def save(uploaded_file, *, request, fmt: str, repair_cycles: bool = False) -> StoredUpload:
    """Store an uploaded file for this user's session and return it with its new token."""
    token = secrets.token_urlsafe(24)
    data_path = meta_path = None
    try:
        purge_expired()
        data_path, meta_path = _paths(token)
        fd = os.open(data_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            for chunk in uploaded_file.chunks():
                out.write(chunk)
        meta = {
            "user_id": request.user.pk,
            "name": os.path.basename(uploaded_file.name or "upload")[:200],
            "format": fmt,
            "repair_cycles": repair_cycles,
            "size": data_path.stat().st_size,
            "created": time.time(),
            "preview": None,
        }
        _write_meta(meta_path, meta)
    except OSError as error:
        # A disk that filled up midway leaves part of a file: never keep it.
        for path in (data_path, meta_path):
            if path is not None:
                with contextlib.suppress(OSError):
                    path.unlink(missing_ok=True)
        raise StorageFailed(storage_message(error)) from error
    tokens = request.session.get(SESSION_KEY, [])
    request.session[SESSION_KEY] = [*tokens[-9:], token]
    return StoredUpload(token, data_path, meta)


def _write_meta(path: Path, meta: dict) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(meta, out)


def set_preview(upload: StoredUpload, preview: dict) -> None:
    upload.meta["preview"] = preview
    try:
        _write_meta(_paths(upload.token)[1], upload.meta)
    except OSError as error:
        discard(upload.token)
        raise StorageFailed(storage_message(error)) from error


def load(token: str, *, request) -> StoredUpload:
    """The upload `token` names, if it is this user's, in this session, and not expired."""
    if not TOKEN_RE.match(token) or token not in request.session.get(SESSION_KEY, []):
        raise UploadGone
    data_path, meta_path = _paths(token)
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise UploadGone from None
    if (
        meta.get("user_id") != request.user.pk
        or time.time() - meta.get("created", 0) > settings.IMPORT_UPLOAD_MAX_AGE
        or not data_path.exists()
    ):
        discard(token, request=request)
        raise UploadGone
    return StoredUpload(token, data_path, meta)


def discard(token: str, *, request=None) -> None:
    if TOKEN_RE.match(token):
        for path in _paths(token):
            path.unlink(missing_ok=True)
    if request is not None:
        tokens = request.session.get(SESSION_KEY, [])
        if token in tokens:
            request.session[SESSION_KEY] = [t for t in tokens if t != token]


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
