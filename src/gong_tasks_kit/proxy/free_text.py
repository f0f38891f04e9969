"""Finding people in free text (a manual task's title, a flow's name): URLs (with or
without their scheme), email addresses, phone numbers, and the names a recording has met
so far, in any case.

One pass finds URLs, emails and phone numbers; the text between them is read word by
word, each run of words looked up among the known names, longest first. So a replacement
is never looked at again, and the cost grows with the text, not with the number of names
(a recording may meet thousands: one regular expression of them all was tried, and costs
as much per character as there are names).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

_URL = r"https?://[^\s<>\"'()]+(?<![.,;:!?])"  # a sentence's stop is not the URL's
_EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
# A host written without its scheme (www.acme-corp.com, acme.io/team): labels, then a
# top-level domain of letters; not inside a word, an address or a path.
_DOMAIN = (
    r"(?<![\w@.\-/])(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w@-])"
    r"(?:/[^\s<>\"'()]*(?<![.,;:!?]))?"
)
# A run of digits with the separators numbers are written with; at least 7 digits (see
# _is_phone), so counts, years and short codes stay.
_PHONE = r"(?<![\w+])\+?\(?\d[\d ().\-/]{5,}\d(?!\w)"
_MIN_PHONE_DIGITS = 7
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MIN_NAME = 2  # shorter "names" would replace letters inside ordinary words


def _is_phone(text: str) -> bool:
    digits = sum(char.isdigit() for char in text)
    return digits >= _MIN_PHONE_DIGITS and not _ISO_DATE.fullmatch(text.strip())


_FOUND = re.compile(
    f"(?P<url>{_URL})|(?P<email>{_EMAIL})|(?P<domain>{_DOMAIN})|(?P<phone>{_PHONE})"
)
_WORD = re.compile(r"\w+")


def _words(text: str) -> int:
    return len(_WORD.findall(text))


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
        self._longest = 0  # the most words in a known name
        self._names_seen = 0
        # The known names case-folded: "ACME CORP" in a title is still Acme Corp.
        self._folded: dict[str, str] = {}

    def _names(self, text: str, names: Mapping[str, str]) -> tuple[str, int]:
        if len(names) != self._names_seen:
            self._longest = max((_words(name) for name in names), default=0)
            self._names_seen = len(names)
            self._folded = {name.casefold(): names[name] for name in names}
        folded = self._folded
        words = list(_WORD.finditer(text))
        out: list[str] = []
        found = done = index = 0
        while index < len(words):
            start = words[index].start()
            for count in range(min(self._longest, len(words) - index), 0, -1):
                end = words[index + count - 1].end()
                # A name may end in a stop or a bracket ("Acme, Inc."): one more character.
                for stop in (end + 1, end) if end < len(text) else (end,):
                    candidate = text[start:stop].casefold()
                    if len(candidate) >= _MIN_NAME and candidate in folded:
                        break
                else:
                    continue
                out += (text[done:start], folded[candidate])
                done, found = stop, found + 1
                index += count
                while index < len(words) and words[index].start() < done:
                    index += 1
                break
            else:
                index += 1
        out.append(text[done:])
        return "".join(out), found

    def scrub(self, text: str, names: Mapping[str, str]) -> tuple[str, int]:
        """``text`` with each URL, email, phone number and known name replaced, and how
        many were.

        Args:
            text: The free text.
            names: Known names (original to replacement).
        """
        out: list[str] = []
        found = done = 0
        for match in _FOUND.finditer(text):
            kind, value = match.lastgroup, match.group()
            if kind == "phone" and not _is_phone(value):
                continue  # a date, a count: left for the names pass
            between, named = self._names(text[done : match.start()], names)
            replace = (
                self._url
                if kind in ("url", "domain")
                else self._email
                if kind == "email"
                else self._phone
            )
            out += (between, replace(value))
            found += named + 1
            done = match.end()
        rest, named = self._names(text[done:], names)
        out.append(rest)
        return "".join(out), found + named
