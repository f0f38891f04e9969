"""A curl command that sends a recorded call again, on one line, for a shell.

The run's credential is never written: it is left to the variables the suite itself reads
(``-u "$GONG_ACCESS_KEY:$GONG_ACCESS_KEY_SECRET"``, or ``-H "Authorization: Bearer
$GONG_BEARER_TOKEN"``), so the line can be pasted where those are set. Everything else is
quoted for a POSIX shell; a body that is no printable text is written with escapes.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from gong_tasks_kit.contract_tests.calls import NO_CREDENTIAL, RUN_CREDENTIAL, Call

__all__ = ["BASIC_CREDENTIAL", "BEARER_CREDENTIAL", "CurlTarget", "curl_command"]

#: The run's Basic credential, as curl reads it from the environment.
BASIC_CREDENTIAL = '-u "$GONG_ACCESS_KEY:$GONG_ACCESS_KEY_SECRET"'
#: The run's bearer token, as curl reads it from the environment.
BEARER_CREDENTIAL = '-H "Authorization: Bearer $GONG_BEARER_TOKEN"'


@dataclass(frozen=True, slots=True)
class CurlTarget:
    """Where the commands send, and how the run's credential is given.

    Attributes:
        base_url: The target's base URL (a served in-process app: where it is served).
        bearer: Whether the run's credential is a bearer token (else Basic).
    """

    base_url: str
    bearer: bool = False


def _escaped(raw: bytes, *, octal: bool) -> str:
    """``raw`` as the inside of ``$'...'`` (hex escapes) or of ``printf %b`` (octal)."""
    out: list[str] = []
    for byte in raw:
        char = chr(byte)
        if char == "\\":
            out.append("\\\\")
        elif char == "'":
            out.append("\\0047" if octal else "\\'")
        elif 0x20 <= byte < 0x7F:
            out.append(char)
        else:
            out.append(f"\\0{byte:03o}" if octal else f"\\x{byte:02x}")
    return "".join(out)


def _printable(raw: bytes) -> str | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if text.isprintable() else None


def curl_command(call: Call, target: CurlTarget) -> str:
    """One line that sends ``call`` to ``target`` again (``-i``: the answer's status and
    headers are shown too)."""
    words = ["curl", "-i", "-X", call.method, shlex.quote(target.base_url + call.path)]
    if call.credential == RUN_CREDENTIAL:
        words.append(BEARER_CREDENTIAL if target.bearer else BASIC_CREDENTIAL)
    elif call.credential != NO_CREDENTIAL:  # one the suite made up (a wrong one, say)
        words += ["-H", shlex.quote(f"Authorization: {call.credential}")]
    for name, value in call.headers:
        words += ["-H", shlex.quote(f"{name}: {value}")]
    if not call.body:
        return " ".join(words)
    text = _printable(call.body)
    if text is not None:
        return " ".join([*words, "--data-raw", shlex.quote(text)])
    if b"\0" not in call.body:  # bash's $'...' holds any byte but NUL
        return " ".join([*words, "--data-binary", f"$'{_escaped(call.body, octal=False)}'"])
    feed = f"printf '%b' '{_escaped(call.body, octal=True)}' | "
    return feed + " ".join([*words, "--data-binary", "@-"])
