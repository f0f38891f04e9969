"""Recording without the people in it: names, emails, phone numbers and URLs replaced by
seeded Faker values of the same shape; ids, types, statuses, dates and everything else
kept.

Replacements are consistent: within a recording the same value always becomes the same
replacement (a company named in two tasks stays one company), and two different values
never become the same one (so ``uniqueItems`` lists stay unique). Each replacement is
drawn from a Faker seeded by the recording's seed and the value itself, so the same seed
gives the same replacements on every run; anyone who knows the seed can test guesses of
the originals, which is why the proxy picks a random seed unless told one.

What is replaced, per task:

* contacts' (``contact``, ``additionalContacts``) first and last names, company names,
  emails, phone numbers (``raw``, ``normalized`` and ``extension``: each digit replaced,
  the format and the country code kept, ``raw`` and ``normalized`` of one number still
  the same number), ``crmUrl`` and ``linkedinProfile``;
* the account's name and ``crmUrl``; the opportunity's name and ``crmUrl``;
* inside free text (a manual task's ``title``, an opportunity's name), the names above.

URLs keep their scheme, the service's domain (``salesforce.com``, ``linkedin.com``, ...),
structural words (``lightning``, ``view``, ``in``, ...) and the task's own CRM ids;
other host labels become Faker words, and other path and query parts keep only their
shape (letters stay letters, digits digits). Places, job titles, time zones, flows,
priorities and opportunity stages are kept.
"""

from __future__ import annotations

import copy
import re
import threading
from collections.abc import Callable, Iterator
from itertools import count
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from faker import Faker

from gong_tasks_kit.fixtures.providers import make_faker

_SERVICE_DOMAINS = frozenset(
    {
        "salesforce.com",
        "force.com",
        "hubspot.com",
        "dynamics.com",
        "linkedin.com",
        "gong.io",
        "gmail.com",
        "outlook.com",
        "hotmail.com",
        "yahoo.com",
    }
)
_HOST_WORDS = frozenset({"www", "app", "my", "lightning", "crm", "api", "login", "na1"})
_PATH_WORDS = frozenset(
    {
        "in",
        "pub",
        "lightning",
        "r",
        "o",
        "view",
        "record",
        "records",
        "contact",
        "contacts",
        "lead",
        "leads",
        "account",
        "accounts",
        "company",
        "companies",
        "opportunity",
        "opportunities",
        "deal",
        "deals",
        "main.aspx",
        "pagetype",
        "entityrecord",
        "etn",
        "id",
    }
)
_LOWER = "abcdefghijklmnopqrstuvwxyz"
_MIN_NAME = 2  # shorter "names" would replace letters inside ordinary words
_DRAWS = 20  # Faker values tried before a value of the same shape is made up
_SHAPES = 200  # values of the same shape tried before one is numbered


def _shape(rand: Any, text: str) -> str:
    """``text`` with each letter and digit replaced by a random one of the same kind."""
    out = []
    for char in text:
        if char.isdigit() and char.isascii():
            out.append(str(rand.randint(0, 9)))
        elif char.isalpha() and char.isascii():
            letter = rand.choice(_LOWER)
            out.append(letter.upper() if char.isupper() else letter)
        else:
            out.append(char)
    return "".join(out)


class Anonymizer:
    """Seeded, consistent replacements for one recording."""

    def __init__(self, seed: int) -> None:
        """Start a recording's replacements.

        Args:
            seed: Seeds every replacement (with the value it replaces).
        """
        self._seed = seed
        self._faker = make_faker(seed)
        self._lock = threading.RLock()
        self._replacements: dict[tuple[str, str], str] = {}
        self._used: set[tuple[str, str]] = set()

    def _replace(self, kind: str, value: str, draw: Callable[[Faker], str]) -> str:
        key = (kind, value)
        with self._lock:
            found = self._replacements.get(key)
            if found is not None:
                return found
            for attempt in count():
                self._faker.seed_instance(f"{self._seed}:{kind}:{value}:{attempt}")
                # Faker's lists are finite: past a few draws, a random text of the shape,
                # and past many, a numbered one (shapes are finite too).
                if attempt < _DRAWS:
                    candidate = draw(self._faker)
                else:
                    candidate = _shape(self._faker.random, value)
                    candidate += str(attempt) if attempt >= _SHAPES else ""
                if (kind, candidate) not in self._used:
                    break
            self._used.add((kind, candidate))
            self._replacements[key] = candidate
            return candidate

    # -- one kind of value each ---------------------------------------------------------

    def first_name(self, value: str) -> str:
        """A person's first name."""
        return self._replace("first-name", value, lambda faker: faker.first_name())

    def last_name(self, value: str) -> str:
        """A person's last name."""
        return self._replace("last-name", value, lambda faker: faker.last_name())

    def company(self, value: str) -> str:
        """A company's name."""
        return self._replace("company", value, lambda faker: faker.company())

    def _host_label(self, label: str) -> str:
        return self._replace("host", label, lambda faker: faker.domain_word())

    def _host(self, host: str) -> str:
        labels = host.split(".")
        keep_second = ".".join(labels[-2:]).lower() in _SERVICE_DOMAINS
        kept_from = len(labels) - (2 if keep_second else 1)
        return ".".join(
            label if index >= kept_from or label.lower() in _HOST_WORDS else self._host_label(label)
            for index, label in enumerate(labels)
        )

    def email(self, value: str) -> str:
        """An email address: a Faker user name at the domain's replacement."""
        local, at, domain = value.rpartition("@")
        if not at or not local:
            return self._replace("text", value, lambda faker: _shape(faker.random, value))
        host = self._host(domain)
        return self._replace("email", value, lambda faker: f"{faker.user_name()}@{host}")

    def _digits(self, national: str) -> str:
        def draw(faker: Faker) -> str:
            rand = faker.random
            first = str(rand.randint(2, 9)) if national else ""
            return first + "".join(str(rand.randint(0, 9)) for _ in national[1:])

        return self._replace("digits", national, draw)

    def phone(self, value: str, country_code: int | None) -> str:
        """A phone number: same format, same country code, other digits (the same number
        written two ways stays one number)."""
        digits = "".join(char for char in value if char.isdigit() and char.isascii())
        prefix = str(country_code) if country_code is not None else ""
        keep = prefix if prefix and digits.startswith(prefix) else ""
        rest = digits[len(keep) :]
        national = rest.lstrip("0")
        keep += rest[: len(rest) - len(national)]  # trunk zeros stay
        new_digits = iter(keep + self._digits(national))
        return "".join(
            next(new_digits) if char.isdigit() and char.isascii() else char for char in value
        )

    def extension(self, value: str) -> str:
        """A phone extension: other digits, same format."""
        return self._replace("extension", value, lambda faker: _shape(faker.random, value))

    def _part(self, part: str, kept: frozenset[str]) -> str:
        if not part or part in kept or part.lower() in _PATH_WORDS:
            return part
        return self._replace("url-part", part, lambda faker: _shape(faker.random, part))

    def url(self, value: str, kept: frozenset[str] = frozenset()) -> str:
        """A URL of the same shape (see the module's notes); ``kept``: parts to keep, e.g.
        the task's CRM ids."""
        parts = urlsplit(value)
        if not parts.scheme or not parts.hostname:
            return self._part(value, kept)
        netloc = self._host(parts.hostname)
        if parts.port is not None:
            netloc += f":{parts.port}"  # user and password, if any, are left out
        path = "/".join(self._part(segment, kept) for segment in parts.path.split("/"))
        query = "&".join(
            f"{key}{equals}{self._part(item, kept)}"
            for key, equals, item in (pair.partition("=") for pair in parts.query.split("&"))
        )
        fragment = self._part(parts.fragment, kept)
        return urlunsplit((parts.scheme, netloc, path, query if parts.query else "", fragment))

    # -- a whole task -------------------------------------------------------------------

    def task(self, task: dict[str, Any]) -> dict[str, Any]:
        """A copy of ``task`` with its people replaced (see the module's notes)."""
        done = copy.deepcopy(task)
        kept = frozenset(_crm_ids(done))
        names: dict[str, str] = {}
        account = done.get("account")
        if isinstance(account, dict):
            self._named(account, "name", self.company, names)
            self._url_field(account, "crmUrl", kept)
        for contact in _contacts(done):
            self._contact(contact, names, kept)
        opportunity = done.get("opportunity")
        if isinstance(opportunity, dict):
            name = opportunity.get("name")
            if isinstance(name, str):
                opportunity["name"] = self._free_text(name, names, whole=self.company)
            self._url_field(opportunity, "crmUrl", kept)
        if isinstance(done.get("title"), str):
            done["title"] = self._free_text(done["title"], names)
        return done

    def _named(
        self,
        node: dict[str, Any],
        field: str,
        replace: Callable[[str], str],
        names: dict[str, str],
    ) -> None:
        value = node.get(field)
        if isinstance(value, str) and value:
            node[field] = names[value] = replace(value)

    def _url_field(self, node: dict[str, Any], field: str, kept: frozenset[str]) -> None:
        if isinstance(node.get(field), str):
            node[field] = self.url(node[field], kept)

    def _contact(
        self, contact: dict[str, Any], names: dict[str, str], kept: frozenset[str]
    ) -> None:
        data = contact.get("data")
        if not isinstance(data, dict):
            return
        self._named(data, "firstName", self.first_name, names)
        self._named(data, "lastName", self.last_name, names)
        self._named(data, "companyName", self.company, names)
        self._url_field(data, "crmUrl", kept)
        self._url_field(data, "linkedinProfile", kept)
        for entry in data.get("emails") or []:
            if isinstance(entry, dict) and isinstance(entry.get("email"), str):
                entry["email"] = self.email(entry["email"])
        for phone in data.get("phoneNumbers") or []:
            if not isinstance(phone, dict):
                continue
            country = phone.get("countryCode")
            code = country if isinstance(country, int) and not isinstance(country, bool) else None
            for field in ("raw", "normalized"):
                if isinstance(phone.get(field), str):
                    phone[field] = self.phone(phone[field], code)
            if isinstance(phone.get("extension"), str):
                phone["extension"] = self.extension(phone["extension"])

    def _free_text(
        self, text: str, names: dict[str, str], whole: Callable[[str], str] | None = None
    ) -> str:
        """``text`` with each known name replaced; with ``whole``, a text naming none of
        them is replaced as a whole."""
        known = [name for name in sorted(names, key=len, reverse=True) if len(name) >= _MIN_NAME]
        if not known:
            return whole(text) if whole is not None else text
        pattern = re.compile(r"(?<!\w)(" + "|".join(map(re.escape, known)) + r")(?!\w)")
        replaced, found = pattern.subn(lambda match: names[match.group(1)], text)
        if not found and whole is not None:
            return whole(text)
        return replaced


def _contacts(task: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if isinstance(task.get("contact"), dict):
        yield task["contact"]
    for contact in task.get("additionalContacts") or []:
        if isinstance(contact, dict):
            yield contact


def _crm_ids(task: dict[str, Any]) -> Iterator[str]:
    for node in (task.get("account"), task.get("opportunity"), *_contacts(task)):
        if isinstance(node, dict) and isinstance(node.get("crmId"), str):
            yield node["crmId"]
