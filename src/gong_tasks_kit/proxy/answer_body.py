"""Reading a target's answer body within a size limit, decoded.

The limit counts the body as the proxy keeps it, after decompression: a 10 KB gzip body
can hold 10 MB of NUL bytes, and a 1 MB one a gigabyte. So the proxy decodes the body
itself (urllib3 is told not to), in steps whose output is capped by what room is left,
and stops as soon as the limit is passed. The proxy asks for no compression (it sends no
``Accept-Encoding``); a target that compresses anyway may use gzip or deflate, and any
other coding is refused rather than passed on undecoded.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

CHUNK_BYTES = 64 * 1024  #: what one read off the connection asks for
_ZLIB_OR_GZIP = 32 + zlib.MAX_WBITS  # zlib finds out which of the two it is given
_DECODED = {"gzip", "x-gzip", "deflate"}


class AnswerBodyError(ValueError):
    """The body cannot be taken: too large, or in a coding the proxy does not read."""


def too_large(limit: int) -> AnswerBodyError:
    """The error for a body over ``limit`` bytes."""
    return AnswerBodyError(f"the target's answer is larger than {limit} bytes")


def content_codings(header: str | None) -> list[str]:
    """The codings a ``Content-Encoding`` header names, ``identity`` left out.

    Raises:
        AnswerBodyError: when one is not gzip or deflate, or when there are several.
    """
    codings = [c.strip().lower() for c in (header or "").split(",")]
    codings = [c for c in codings if c and c != "identity"]
    unknown = [c for c in codings if c not in _DECODED]
    if unknown or len(codings) > 1:
        shown = ", ".join(codings)[:60]
        raise AnswerBodyError(
            f"the target's answer is in a coding the proxy does not read ({shown})"
        )
    return codings


def read_bounded(chunks: Iterable[bytes], coding: str | None, limit: int) -> bytes:
    """The body made of ``chunks`` (as sent), decoded, if it is at most ``limit`` bytes.

    Args:
        chunks: The body as it comes off the connection.
        coding: ``gzip``, ``x-gzip``, ``deflate``, or None for none.
        limit: The most bytes the decoded body may hold.

    Raises:
        AnswerBodyError: when the decoded body is larger than ``limit``, or does not
            decode.
    """
    parts: list[bytes] = []
    size = 0
    decoder = zlib.decompressobj(_ZLIB_OR_GZIP) if coding else None

    def take(data: bytes) -> None:
        nonlocal size
        size += len(data)
        if size > limit:
            raise too_large(limit)
        parts.append(data)

    try:
        for chunk in chunks:
            if decoder is None:
                take(chunk)
                continue
            pending = chunk
            while pending:
                # One byte past the room left is enough to know the limit is passed.
                take(decoder.decompress(pending, limit - size + 1))
                pending = decoder.unconsumed_tail
        if decoder is not None:
            take(decoder.flush(limit - size + 1))
    except zlib.error:
        raise AnswerBodyError(f"the target's answer does not decode as {coding}") from None
    return b"".join(parts)
