"""Gong's two ways in: HTTP Basic with an access key, or an OAuth bearer token with scopes.

Secrets are compared in constant time and never logged or echoed.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from gong_tasks_kit.fixtures.credentials import READ_SCOPE
from gong_tasks_kit.serving.errors import ApiError, unauthorized

CREDENTIALS_FAILED = "Validate credentials failed. Please check your credentials and try again."
ACCESS_DENIED = "Access denied"


#: The public label of the access key pair (a credential's label never holds any part
#: of it: labels appear in admin answers and journals).
BASIC_LABEL = "basic#1"


@dataclass(frozen=True, slots=True)
class Credential:
    """Who a request authenticated as, without the secret.

    Attributes:
        kind: ``basic`` or ``bearer``.
        name: Its public label: ``basic#1`` for the access key pair, ``token#N`` for the
            N-th configured bearer token.
    """

    kind: str
    name: str

    @property
    def limit_key(self) -> str:
        """Its key in the rate limiter (``bearer:token#2``)."""
        return f"{self.kind}:{self.name}"


@dataclass(frozen=True, slots=True)
class AuthSettings:
    """What the mock accepts.

    Attributes:
        access_key: The Basic user name.
        access_key_secret: The Basic password.
        bearer_tokens: Token → the scopes it carries.
    """

    access_key: str
    access_key_secret: str
    bearer_tokens: Mapping[str, Sequence[str]]


def _same(given: bytes, expected: str) -> bool:
    return hmac.compare_digest(given, expected.encode("utf-8"))


def _basic(encoded: str, settings: AuthSettings) -> Credential:
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise unauthorized(CREDENTIALS_FAILED) from None
    key, separator, secret = decoded.partition(b":")
    key_ok = _same(key, settings.access_key)
    secret_ok = _same(secret, settings.access_key_secret)  # always both: constant time
    if not (separator and key_ok and secret_ok):
        raise unauthorized(CREDENTIALS_FAILED)
    return Credential("basic", BASIC_LABEL)


def _bearer(token: str, settings: AuthSettings, scopes_needed: Sequence[str]) -> Credential:
    given = token.strip().encode("utf-8")
    matched: tuple[int, Sequence[str]] | None = None
    for index, (candidate, scopes) in enumerate(settings.bearer_tokens.items()):
        if _same(given, candidate) and matched is None:
            matched = (index, scopes)
    if matched is None:
        raise unauthorized(CREDENTIALS_FAILED)
    index, scopes = matched
    missing = [scope for scope in scopes_needed if scope not in scopes]
    if missing:
        raise ApiError(
            403, [f"{ACCESS_DENIED}: the token lacks the {', '.join(missing)} scope"], source="auth"
        )
    return Credential("bearer", f"token#{index + 1}")


def authenticate(
    authorization: str | None,
    settings: AuthSettings,
    scopes: Sequence[str] = (READ_SCOPE,),
) -> Credential:
    """Check an ``Authorization`` header value.

    Args:
        authorization: The header's value.
        settings: What the mock accepts.
        scopes: The scopes a bearer token needs for the call (default: the list call's);
            Basic credentials may call everything, as an access key can at Gong.

    Returns:
        The credential it proves.

    Raises:
        ApiError: 401 when it is missing, malformed or wrong; 403 for a valid bearer
            token without one of ``scopes``.
    """
    if not authorization:
        raise unauthorized(CREDENTIALS_FAILED)
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() == "basic":
        return _basic(value, settings)
    if scheme.lower() == "bearer":
        return _bearer(value, settings, scopes)
    raise unauthorized(CREDENTIALS_FAILED)
