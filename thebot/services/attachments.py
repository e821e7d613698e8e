"""Attachments: an allow-list checked by content (not by name), the 10 MB limit, and storage
under UPLOAD_DIR by a random key. SVG and HTML are never accepted.

Shared by the chat and homework: `store(stream, filename, folder)` validates and writes a file,
`path_of(key)` finds it again, `discard(key)` removes one whose record was not saved.
"""
from __future__ import annotations

import io
import os
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import filetype
from flask import current_app
from flask_babel import lazy_gettext as _l

from thebot.services.chat_errors import TooLarge
from thebot.services.errors import Invalid

MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class FileType:
    content_type: str
    extensions: tuple[str, ...]  # the first is added to names that lack a matching one
    image: bool = False


TYPES = {
    "png": FileType("image/png", ("png",), True),
    "jpeg": FileType("image/jpeg", ("jpg", "jpeg"), True),
    "gif": FileType("image/gif", ("gif",), True),
    "webp": FileType("image/webp", ("webp",), True),
    "pdf": FileType("application/pdf", ("pdf",)),
    "txt": FileType("text/plain; charset=utf-8", ("txt",)),
    "docx": FileType("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                     ("docx",)),
    "xlsx": FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     ("xlsx",)),
    "pptx": FileType("application/vnd.openxmlformats-officedocument.presentationml.presentation",
                     ("pptx",)),
    "odt": FileType("application/vnd.oasis.opendocument.text", ("odt",)),
    "zip": FileType("application/zip", ("zip",)),
}
# What the `filetype` package reports, mapped onto the allow-list (apng is a png).
_SNIFFED = {"png": "png", "apng": "png", "jpg": "jpeg", "gif": "gif", "webp": "webp",
            "pdf": "pdf"}
_ZIP_FAMILY = {"zip", "docx", "xlsx", "pptx", "odt", "ods", "odp", "epub"}
_MARKUP = re.compile(rb"<\s*(?:svg|html|head|body|script|iframe|object|embed|!doctype|\?xml)\b",
                     re.IGNORECASE)
_ODT_MIME = b"application/vnd.oasis.opendocument.text"


@dataclass(frozen=True)
class StoredFile:
    key: str
    name: str
    size: int
    content_type: str
    image: bool


def _refuse() -> Invalid:
    message = _l("This type of file is not accepted. Send an image (PNG, JPEG, GIF, WebP), "
                 "a PDF, TXT, DOCX, XLSX, PPTX, ODT or ZIP file.")
    return Invalid(message, {"file": message})


def _zip_kind(data: bytes) -> str:
    """Tell a plain ZIP from the office formats by their parts; a broken archive is refused."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" in names:
                for part, kind in (("word/document.xml", "docx"), ("xl/workbook.xml", "xlsx"),
                                   ("ppt/presentation.xml", "pptx")):
                    if part in names:
                        return kind
            if "mimetype" in names and archive.read("mimetype").strip() == _ODT_MIME:
                return "odt"
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, OSError, EOFError):
        raise _refuse() from None
    return "zip"


def _is_plain_text(data: bytes) -> bool:
    """UTF-8 (or Windows-1251) text without binary control bytes and without markup."""
    if b"\x00" in data or _MARKUP.search(data[:65536]):
        return False
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1251")
        except UnicodeDecodeError:
            return False
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f")
    return controls == 0


def sniff(data: bytes) -> str:
    """The allow-list kind of these bytes, decided by their content; Invalid otherwise."""
    guess = filetype.guess(data)
    if guess is not None:
        if guess.extension in _SNIFFED:
            return _SNIFFED[guess.extension]
        if guess.extension in _ZIP_FAMILY:
            return _zip_kind(data)
        raise _refuse()
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    if _is_plain_text(data):
        return "txt"
    raise _refuse()


def safe_name(filename: str | None, kind: str) -> str:
    """The name to show and download under: no path, no control characters, a matching extension."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().lstrip(".")
    name = name[:200] or "file"
    extensions = TYPES[kind].extensions
    if name.rsplit(".", 1)[-1].lower() not in extensions or "." not in name:
        name = f"{name}.{extensions[0]}"
    return name


def upload_root() -> Path:
    return Path(current_app.config["UPLOAD_DIR"]).resolve()


def store(stream: BinaryIO, filename: str | None, folder: str) -> StoredFile:
    """Validate an upload (size, type by content) and write it under UPLOAD_DIR/folder."""
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise TooLarge(_l("The file is larger than 10 MB."), {"file": _l("At most 10 MB.")})
    if not data:
        raise Invalid(_l("The file is empty."), {"file": _l("The file is empty.")})
    kind = sniff(data)
    key = f"{folder}/{secrets.token_hex(16)}"
    path = upload_root() / key
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(data)
    os.replace(partial, path)
    file_type = TYPES[kind]
    return StoredFile(key=key, name=safe_name(filename, kind), size=len(data),
                      content_type=file_type.content_type, image=file_type.image)


def path_of(key: str) -> Path | None:
    """The stored file of a key, if it exists inside UPLOAD_DIR."""
    root = upload_root()
    path = (root / key).resolve()
    if root not in path.parents or not path.is_file():
        return None
    return path


def discard(key: str) -> None:
    """Remove a stored file whose record was not saved."""
    path = path_of(key)
    if path is not None:
        path.unlink(missing_ok=True)


def is_image(content_type: str | None) -> bool:
    """Whether a stored content type is one of the allow-listed images (shown inline)."""
    return any(t.image and t.content_type == content_type for t in TYPES.values())
