"""Finding people in free text (a manual task's title, a flow's name): URLs, email
addresses, phone numbers, and the names a recording has met so far.

One pass over the text finds them all, longest first at each place, so a replacement is
never looked at again (a replaced name cannot be taken for another original).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

_URL = r"https?://[^\s<>\"'()]+"
_EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
# A run of digits with the separators numbers are written with; at least 7 digits (see
# _is_phone), so counts, years and short codes stay.
_PHONE = r"(?<![\w+])\+?\(?\d[\d ().\-/]{5,}\d(?!\w)"
_MIN_PHONE_DIGITS = 7
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MIN_NAME = 2  # shorter "names" would replace letters inside ordinary words


def _is_phone(text: str) -> bool:
    digits = sum(char.isdigit() for char in text)
    return digits >= _MIN_PHONE_DIGITS and not _ISO_DATE.fullmatch(text.strip())


class TextScrubber:
    """Replaces the people found in free text.

    Args:
        url: Replaces a URL.
        email: Replaces an email address.
        phone: Replaces a phone number (country code unknown).
    """

    def __init__(
        self,
        url: Callable[[str], str],
        email: Callable[[str], str],
        phone: Callable[[str], str],
    ) -> None:
        self._url = url
        self._email = email
        self._phone = phone
        self._pattern: re.Pattern[str] | None = None
        self._names_seen = -1

    def _compiled(self, names: Mapping[str, str]) -> re.Pattern[str]:
        if self._pattern is None or self._names_seen != len(names):
            known = sorted((n for n in names if len(n) >= _MIN_NAME), key=len, reverse=True)
            parts = [f"(?P<url>{_URL})", f"(?P<email>{_EMAIL})", f"(?P<phone>{_PHONE})"]
            if known:
                alternatives = "|".join(map(re.escape, known))
                parts.append(rf"(?<!\w)(?P<name>{alternatives})(?!\w)")
            self._pattern = re.compile("|".join(parts))
            self._names_seen = len(names)
        return self._pattern

    def scrub(self, text: str, names: Mapping[str, str]) -> tuple[str, int]:
        """``text`` with each URL, email, phone number and known name replaced, and how
        many were.

        Args:
            text: The free text.
            names: Known names (original to replacement).
        """
        found = 0

        def replace(match: re.Match[str]) -> str:
            nonlocal found
            kind, value = match.lastgroup, match.group()
            if kind == "phone" and not _is_phone(value):
                return value
            found += 1
            if kind == "url":
                return self._url(value)
            if kind == "email":
                return self._email(value)
            if kind == "phone":
                return self._phone(value)
            return names[value]

        return self._compiled(names).sub(replace, text), found
