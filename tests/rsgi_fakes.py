"""Stand-ins for what granian hands an RSGI app: a request's scope and its protocol."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field


class Headers:
    """A request's header pairs, looked up as granian's headers are (lower-case names)."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._pairs = pairs

    def items(self) -> list[tuple[str, str]]:
        return list(self._pairs)

    def __repr__(self) -> str:
        return f"Headers({self._pairs!r})"

    def get(self, name: str, default: str | None = None) -> str | None:
        return next((value for key, value in self._pairs if key == name), default)

    def __contains__(self, name: object) -> bool:
        return any(key == name for key, _ in self._pairs)


@dataclass
class Scope:
    """What granian's RSGI scope offers the adapter."""

    path: str = "/v2/tasks"
    query_string: str = ""
    method: str = "POST"
    server: str = "127.0.0.1:8080"
    client: str = "127.0.0.1:50000"
    http_version: str = "1.1"
    scheme: str = "http"
    proto: str = "http"
    headers: Headers = field(default_factory=lambda: Headers([]))


class Protocol:
    """A request's body (in ``chunks``) and what the app answered (``answer``)."""

    def __init__(self, *chunks: bytes) -> None:
        self._chunks = list(chunks)
        self.answer: tuple[int, list[tuple[str, str]], bytes] | None = None

    async def __call__(self) -> bytes:
        body = b"".join(self._chunks)
        self._chunks = []
        return body

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[bytes]:
        while self._chunks:
            yield self._chunks.pop(0)

    def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.answer = (status, headers, body)
