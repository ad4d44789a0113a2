"""Images and audio (paths, bytes, file objects) as the data URLs and parts the wire wants (docs/wire.md §3.2, §6)."""

from __future__ import annotations

import base64
import mimetypes
import os
from pathlib import Path
from typing import IO, Union

from .errors import InvalidRequestError

__all__ = ["ImageSource", "audio_part", "image_data_url", "sniff_image_type"]

ImageSource = Union[str, "os.PathLike[str]", bytes, bytearray, IO[bytes]]
"""A path, raw bytes, or a binary file object (e.g. ``BytesIO``)."""

_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"BM", "image/bmp"),
)


def sniff_image_type(data: bytes) -> str | None:
    """The MIME type from the first bytes, or None when unrecognised."""
    for magic, mime in _MAGIC:
        if data.startswith(magic):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def _read(source: ImageSource, what: str) -> tuple[bytes, str | None]:
    if isinstance(source, (bytes, bytearray)):
        return bytes(source), None
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise InvalidRequestError(f"{what} path {str(path)!r} does not exist or is not a file")
        return path.read_bytes(), mimetypes.guess_type(path.name)[0]
    if hasattr(source, "read"):
        data = source.read()
        if not isinstance(data, (bytes, bytearray)):
            raise InvalidRequestError(f"{what} file object must be opened in binary mode")
        return bytes(data), None
    raise InvalidRequestError(f"{what} must be a path, bytes or a binary file object, not {type(source).__name__}")


def image_data_url(source: ImageSource, mime_type: str | None = None) -> str:
    """``data:image/<fmt>;base64,...`` for an image given as a path, bytes or file object.

    ``http(s)://`` and ``data:`` strings are returned unchanged.
    """
    if isinstance(source, str) and source.startswith(("http://", "https://", "data:")):
        return source
    data, guessed = _read(source, "image")
    if not data:
        raise InvalidRequestError("image is empty (0 bytes)")
    mime = mime_type or sniff_image_type(data) or guessed
    if not mime or not mime.startswith("image/"):
        raise InvalidRequestError("could not tell the image format; pass mime_type='image/png' (or jpeg, webp, gif)")
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def audio_part(source: ImageSource, audio_format: str | None = None) -> dict[str, object]:
    """An ``input_audio`` content part (the nested form, docs/wire.md §3.2 Δ5) from a path, bytes or file object."""
    data, guessed = _read(source, "audio")
    fmt = audio_format or (guessed.split("/")[-1] if guessed else None)
    fmt = {"x-wav": "wav", "wave": "wav", "mpeg": "mp3"}.get(fmt or "", fmt)
    if fmt not in ("wav", "mp3"):
        raise InvalidRequestError("audio format must be 'wav' or 'mp3'; pass audio_format=...")
    return {"type": "input_audio", "input_audio": {"data": base64.b64encode(data).decode("ascii"), "format": fmt}}
