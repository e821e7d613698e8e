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
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import filetype
from flask import current_app
from flask_babel import lazy_gettext as _l

from thebot.services.chat.errors import TooLarge
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
    "docx": FileType(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ("docx",)
    ),
    "xlsx": FileType(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",)
    ),
    "pptx": FileType(
        "application/vnd.openxmlformats-officedocument.presentationml.presentation", ("pptx",)
    ),
    "odt": FileType("application/vnd.oasis.opendocument.text", ("odt",)),
    "zip": FileType("application/zip", ("zip",)),
}
# What the `filetype` package reports, mapped onto the allow-list (apng is a png).
_SNIFFED = {"png": "png", "apng": "png", "jpg": "jpeg", "gif": "gif", "webp": "webp", "pdf": "pdf"}
_ZIP_FAMILY = {"zip", "docx", "xlsx", "pptx", "odt", "ods", "odp", "epub"}
# Markup anywhere in a would-be text file makes it HTML/SVG/XML, which is never accepted: the
# tags that make a document (or run script) and event-handler attributes inside any tag. Markup
# is ASCII, so the raw bytes are searched whatever the text's encoding.
_MARKUP = re.compile(
    rb"<\s*/?\s*(?:!doctype|\?xml|html|head|body|script|style|svg|math|img|iframe|frame"
    rb"|frameset|object|embed|applet|meta|link|base|form|video|audio|div|span|table|marquee)\b"
    rb"|<\s*a\s[^<>]*\bhref\b"
    rb"|<[a-z][^<>]*[\s/\"']on[a-z]{3,}\s*=[^<>]*>",
    re.IGNORECASE,
)
# Control characters other than tab, line feed, form feed and carriage return (Unicode "Cc").
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_ODT_MIME = b"application/vnd.oasis.opendocument.text"
# Deciding the type of an archive reads its directory and at most one tiny stored entry; it never
# inflates anything else. Archives that declare absurd unpacked sizes (zip bombs) are refused.
MAX_ZIP_ENTRIES = 10_000
MAX_UNPACKED_BYTES = 1024 * 1024 * 1024  # everything in the archive, as its directory declares
MAX_RATIO = 1000  # unpacked/packed, for entries over RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024
_MIMETYPE_MAX = 128  # ODF's `mimetype` entry is one short line


@dataclass(frozen=True)
class StoredFile:
    key: str
    name: str
    size: int
    content_type: str
    image: bool


def _refuse() -> Invalid:
    message = _l(
        "This type of file is not accepted. Send an image (PNG, JPEG, GIF, WebP), "
        "a PDF, TXT, DOCX, XLSX, PPTX, ODT or ZIP file."
    )
    return Invalid(message, {"file": message})


def _refuse_archive() -> Invalid:
    message = _l("This archive is not accepted: it would unpack to far more than its size.")
    return Invalid(message, {"file": message})


def _check_sizes(infos: list[zipfile.ZipInfo]) -> None:
    """Refuse archives whose directory declares a zip bomb (nothing is inflated to find out)."""
    if len(infos) > MAX_ZIP_ENTRIES:
        raise _refuse_archive()
    total = 0
    for info in infos:
        total += info.file_size
        if total > MAX_UNPACKED_BYTES or (
            info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1)
        ):
            raise _refuse_archive()


def _is_odt(archive: zipfile.ZipFile) -> bool:
    """ODF's first entry `mimetype` names the format; it is stored (or at most deflated, whose
    reads are bounded) and tiny. Read a bounded prefix of it, never the whole entry."""
    try:
        info = archive.getinfo("mimetype")
    except KeyError:
        return False
    if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return False  # encrypted, or a compression whose reads are not bounded: not an ODT
    if info.file_size > _MIMETYPE_MAX or info.compress_size > _MIMETYPE_MAX:
        return False
    with archive.open(info) as entry:
        return entry.read(_MIMETYPE_MAX).strip() == _ODT_MIME


def _zip_kind(data: bytes) -> str:
    """Tell a plain ZIP from the office formats by their parts; a broken archive is refused."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            _check_sizes(infos)
            names = {info.filename for info in infos}
            if "[Content_Types].xml" in names:
                for part, kind in (
                    ("word/document.xml", "docx"),
                    ("xl/workbook.xml", "xlsx"),
                    ("ppt/presentation.xml", "pptx"),
                ):
                    if part in names:
                        return kind
            if _is_odt(archive):
                return "odt"
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        NotImplementedError,
        RuntimeError,
        ValueError,
        OSError,
        EOFError,
        zlib.error,
    ):
        raise _refuse() from None
    return "zip"


def _text_charset(data: bytes) -> str | None:
    """The charset of plain text: UTF-8 (or Windows-1251) without control characters and without
    markup anywhere in it (the whole file, at most 10 MB, is searched); None if it is not."""
    if b"\x00" in data or _MARKUP.search(data):
        return None
    for codec, charset in (("utf-8-sig", "utf-8"), ("cp1251", "windows-1251")):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        return None if _CONTROLS.search(text) else charset
    return None


def classify(data: bytes) -> tuple[str, str]:
    """(allow-list kind, content type) of these bytes, decided by their content; Invalid
    otherwise. Text carries its detected charset (once) in the content type."""
    guess = filetype.guess(data)
    if guess is not None:
        if guess.extension in _SNIFFED:
            kind = _SNIFFED[guess.extension]
        elif guess.extension in _ZIP_FAMILY:
            kind = _zip_kind(data)
        else:
            raise _refuse()
    elif data.startswith(b"PK\x03\x04"):
        kind = _zip_kind(data)
    else:
        charset = _text_charset(data)
        if charset is None:
            raise _refuse()
        return "txt", f"text/plain; charset={charset}"
    return kind, TYPES[kind].content_type


def sniff(data: bytes) -> str:
    """The allow-list kind of these bytes, decided by their content; Invalid otherwise."""
    return classify(data)[0]


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


def store(stream: IO[bytes], filename: str | None, folder: str) -> StoredFile:
    """Validate an upload (size, type by content) and write it under UPLOAD_DIR/folder."""
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise TooLarge(_l("The file is larger than 10 MB."), {"file": _l("At most 10 MB.")})
    if not data:
        raise Invalid(_l("The file is empty."), {"file": _l("The file is empty.")})
    kind, content_type = classify(data)
    key = f"{folder}/{secrets.token_hex(16)}"
    path = upload_root() / key
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(data)
    os.replace(partial, path)
    return StoredFile(
        key=key,
        name=safe_name(filename, kind),
        size=len(data),
        content_type=content_type,
        image=TYPES[kind].image,
    )


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
