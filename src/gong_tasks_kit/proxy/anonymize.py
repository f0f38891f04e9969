"""Recording without the people in it: names, emails, phone numbers and URLs replaced by
seeded Faker values of the same shape; ids, types, statuses, dates and everything else
kept.

Replacements are consistent: within a recording the same value always becomes the same
replacement (a company named in two tasks stays one company), and two different values
never become the same one (so ``uniqueItems`` lists stay unique). Each replacement is
drawn from a Faker seeded by the recording's seed and the value itself, so the same seed
gives the same replacements on every run; anyone who knows the seed can test guesses of
the originals, which is why the proxy picks a random seed unless told one.

What is replaced, per task, field by field as the spec describes the task:

* contacts' (``contact``, ``additionalContacts``) first and last names, company names,
  emails, phone numbers (``raw``, ``normalized`` and ``extension``: each digit replaced,
  the format and the country code kept, ``raw`` and ``normalized`` of one number still
  the same number), ``crmUrl`` and ``linkedinProfile``;
* the account's name and ``crmUrl``; the opportunity's name and ``crmUrl``;
* in every other text field that is not an id, an enum or a date (a manual task's
  ``title``, ``flow.name``, a step's name, a job title...): URLs, email addresses,
  phone numbers, and every name the recording has met, in any task (a name met only in
  a later answer is replaced in the tasks recorded before, see ``Recording``);
* every field the spec does not describe (``account.website``, a contact's
  ``assistantEmail``, ``notes``...), at any depth: nothing is known about it, so it is
  taken as personal and replaced by a value of its type (text and numbers of the same
  shape, objects and lists field by field; booleans and nulls kept).

URLs keep their scheme, the service's domain (``salesforce.com``, ``linkedin.com``, ...),
structural words (``lightning``, ``view``, ``in``, ...) and the task's own CRM ids;
other host labels become Faker words, and other path and query parts keep only their
shape (letters stay letters, digits digits). Ids, dates, statuses, types, places, time
zones, priorities and opportunity stages are kept (unless they quote a name).
"""

from __future__ import annotations

import functools
import hashlib
import random
import threading
from collections.abc import Callable, Iterator
from itertools import count
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import orjson
from faker import Faker

from gong_tasks_kit.fixtures.providers import make_faker
from gong_tasks_kit.proxy.free_text import TextScrubber
from gong_tasks_kit.spec.loader import load_spec, resolve, spec_cached

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
_REMEMBERED_TEXT = 200  # longer text of an undescribed field is replaced, not remembered
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
        self._names: dict[str, str] = {}  # every name met, original to replacement
        self._scrubber = TextScrubber(self.url, self.email, lambda value: self.phone(value, None))

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

    def text(self, value: str) -> str:
        """Free text: each URL, email address, phone number and name the recording has
        met replaced (see :mod:`~gong_tasks_kit.proxy.free_text`)."""
        with self._lock:
            return self._scrubber.scrub(value, self._names)[0]

    def opportunity(self, value: str) -> str:
        """An opportunity's name: free text, or a company name when it names nobody."""
        with self._lock:
            replaced, found = self._scrubber.scrub(value, self._names)
        return replaced if found else self.company(value)

    def unknown(self, value: Any) -> Any:
        """A value of a field the spec does not describe, replaced by one of its type:
        text and numbers of the same shape, objects and lists field by field (their
        keys kept); booleans and nulls kept. Nothing in it is taken to be safe."""
        if isinstance(value, str) and len(value) > _REMEMBERED_TEXT:
            # Long text is not remembered (a target could fill memory with it): still
            # seeded by the run's seed and the text, so a replay gives the same.
            digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
            return _shape(random.Random(f"{self._seed}:long:{digest}"), value)  # noqa: S311
        if isinstance(value, str):
            return self._replace("unknown", value, lambda faker: _shape(faker.random, value))
        if isinstance(value, int | float) and not isinstance(value, bool):
            text = repr(value)
            shaped = self._replace("number", text, lambda faker: _shape_digits(faker.random, text))
            return orjson.loads(shaped)
        if isinstance(value, list):
            return [self.unknown(item) for item in value]
        if isinstance(value, dict):
            return {key: self.unknown(item) for key, item in value.items()}
        return value  # booleans and nulls

    def learn(self, task: Any) -> None:
        """Learn the names of ``task`` (its contacts', its account's), so that free text
        anywhere in the recording is cleared of them; :meth:`task` does it too, and a
        caller with a whole answer learns every task's first."""
        if not isinstance(task, dict):
            return
        account = task.get("account")
        if isinstance(account, dict):
            self._named(account.get("name"), self.company)
        for contact in _contacts(task):
            data = contact.get("data")
            if isinstance(data, dict):
                self._named(data.get("firstName"), self.first_name)
                self._named(data.get("lastName"), self.last_name)
                self._named(data.get("companyName"), self.company)

    def _named(self, value: Any, replace: Callable[[str], str]) -> None:
        if isinstance(value, str) and value:
            replacement = replace(value)
            with self._lock:
                self._names.setdefault(value, replacement)

    @property
    def names_known(self) -> int:
        """How many names the recording has met (it only grows)."""
        return len(self._names)

    def names_since(self, known: int) -> list[str]:
        """The names met after the first ``known``."""
        with self._lock:
            return list(self._names)[known:]

    # -- a whole task -------------------------------------------------------------------

    def task(self, task: dict[str, Any]) -> dict[str, Any]:
        """A copy of ``task`` with its people replaced (see the module's notes)."""
        self.learn(task)
        kept = frozenset(_crm_ids(task))
        done = self._walk(task, _task_schema(), "", kept, task)
        result: dict[str, Any] = done
        return result

    def _walk(
        self,
        value: Any,
        schema: dict[str, Any] | None,
        path: str,
        kept: frozenset[str],
        parent: Any,
    ) -> Any:
        if schema is None:
            return self.unknown(value)
        schema = resolve(_spec(), schema)
        if isinstance(value, dict):
            properties = schema.get("properties", {})
            return {
                key: self._walk(item, properties.get(key), _child(path, key), kept, value)
                for key, item in value.items()
            }
        if isinstance(value, list):
            items = schema.get("items")
            return [self._walk(item, items, f"{path}[]", kept, value) for item in value]
        return self._leaf(value, schema, path, kept, parent)

    def _leaf(
        self, value: Any, schema: dict[str, Any], path: str, kept: frozenset[str], parent: Any
    ) -> Any:
        if not isinstance(value, str):
            return value  # described numbers and booleans: ids, weights, amounts, flags
        # Additional contacts are contacts: one set of handlers for both.
        handler = _HANDLERS.get(path.replace("additionalContacts[]", "contact"))
        if handler is not None:
            return handler(self, value, parent, kept)
        if "enum" in schema or "format" in schema or _is_id(path):
            return value
        return self.text(value)


def _child(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _is_id(path: str) -> bool:
    last = path.rsplit(".", 1)[-1]
    return last in ("id", "crmId") or last.endswith("Id")


def _shape_digits(rand: Any, text: str) -> str:
    """``text`` (a JSON number) with each digit replaced, the first by a non-zero one."""
    out: list[str] = []
    for char in text:
        if char.isdigit():
            out.append(str(rand.randint(0 if out and out[-1] != "-" else 1, 9)))
        else:
            out.append(char)
    return "".join(out)


def _phone_code(parent: Any) -> int | None:
    code = parent.get("countryCode") if isinstance(parent, dict) else None
    return code if isinstance(code, int) and not isinstance(code, bool) else None


Handler = Callable[[Anonymizer, str, Any, frozenset[str]], str]
_URL: Handler = lambda self, value, parent, kept: self.url(value, kept)  # noqa: E731
_HANDLERS: dict[str, Handler] = {
    "account.name": lambda self, value, parent, kept: self.company(value),
    "account.crmUrl": _URL,
    "opportunity.crmUrl": _URL,
    "opportunity.name": lambda self, value, parent, kept: self.opportunity(value),
    "contact.data.firstName": lambda self, value, parent, kept: self.first_name(value),
    "contact.data.lastName": lambda self, value, parent, kept: self.last_name(value),
    "contact.data.companyName": lambda self, value, parent, kept: self.company(value),
    "contact.data.crmUrl": _URL,
    "contact.data.linkedinProfile": _URL,
    "contact.data.emails[].email": lambda self, value, parent, kept: self.email(value),
    "contact.data.phoneNumbers[].raw": lambda self, value, parent, kept: self.phone(
        value, _phone_code(parent)
    ),
    "contact.data.phoneNumbers[].normalized": lambda self, value, parent, kept: self.phone(
        value, _phone_code(parent)
    ),
    "contact.data.phoneNumbers[].extension": lambda self, value, parent, kept: self.extension(
        value
    ),
}


@functools.cache
@spec_cached
def _spec() -> dict[str, Any]:
    """The spec, read-only here: one copy, where ``load_spec()`` makes a fresh deep copy at
    each call (once for every value of every task, it cost 80 ms a task)."""
    return load_spec()


def _task_schema() -> dict[str, Any]:
    schema: dict[str, Any] = _spec()["components"]["schemas"]["Task"]
    return schema


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
