"""The fast response check (spec/fast_reference.py) against openapi-core, the reference:
on generated answers of both operations, valid and broken (status, headers, content
type, body), the fast check accepts exactly what the reference accepts, and the
violations it reports are the reference's own."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import orjson
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from gong_tasks_kit.fixtures.strategies import (
    json_values,
    task_list_responses,
    task_update_responses,
    tasks,
)
from gong_tasks_kit.spec import LIST_TASKS, UPDATE_TASK, fast_reference, operation, reference

OPERATIONS = (LIST_TASKS, UPDATE_TASK)
# Examples: the profile's (tests/conftest.py).
ENOUGH = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Values that break, or nearly break, a field of the spec: formats (date-time, int32,
# int64), enums, types. The reference and the fast check must agree on each.
DATE_TIMES = [
    "2018-02-17T10:30:00Z",
    "2018-02-17t10:30:00z",
    "2018-02-17T10:30:00.123456+05:30",
    "2018-02-17T10:30:00-00:00",
    "2020-02-29T10:30:00Z",
    "2019-02-29T10:30:00Z",
    "2018-04-31T10:30:00Z",
    "2018-02-00T10:30:00Z",
    "2018-13-01T10:30:00Z",
    "0000-01-01T00:00:00Z",
    "0001-01-01T00:00:00Z",
    "2018-12-31T23:59:60Z",
    "2018-02-17T24:00:00Z",
    "2018-02-17T10:60:00Z",
    "2018-02-17T10:30:00+24:00",
    "2018-02-17T10:30:00+0530",
    "2018-02-17T10:30:00",
    "2018-02-17 10:30:00Z",
    "2018-02-17T10:30Z",
    "2018-02-17T10:30:00.Z",
    "2018-02-17",
    "\u0662\u0660\u0661\u0668-02-17T10:30:00Z",  # Arabic-Indic digits
    "yesterday",
    "",
]
INT64_EDGES = [2**63 - 1, 2**63, 2**64, -(2**63) + 4096, -(2**63) - 1, -(2**64), 10**30]
INT32_EDGES = [2**31 - 1, 2**31, -(2**31), -(2**31) - 1]
INTEGERS = [0, -1, 2**53 + 1, 1.5, 2.0, -0.0, 1e19, True, *INT32_EDGES, *INT64_EDGES]
STRINGS = ["OPEN", "DONE", "CALL", "FLOW", "HUBSPOT", "LEAD", "Us", "CALLS", "open", "", "ZOHO"]
SPECIAL_VALUES = st.sampled_from(
    DATE_TIMES + INTEGERS + STRINGS + [None, [], {}, ["CALL", "CALL"]]
).map(copy.deepcopy)
NASTY = SPECIAL_VALUES | json_values(4)
# The fields of each kind of value the two validators might read differently.
FIELDS = {
    "date-time": ("created", "updated", "dueDate"),
    "int64": ("id", "userId", "stepNumber"),
    "int32": ("weight", "countryCode"),
    "enum": ("status", "type", "crmType", "affiliation"),
    "array": ("actions", "optOutChannels", "emails", "phoneNumbers", "additionalContacts"),
}
_NUMBERS = st.integers() | st.floats(allow_nan=False)
VALUES = {
    "date-time": st.sampled_from(DATE_TIMES) | st.text(max_size=25),
    "int64": st.sampled_from(INTEGERS) | st.sampled_from(INT64_EDGES) | _NUMBERS,
    "int32": st.sampled_from(INTEGERS) | st.sampled_from(INT32_EDGES) | _NUMBERS,
    "enum": st.sampled_from(STRINGS) | st.text(max_size=10),
    "array": NASTY,
}


def _paths(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path into a JSON document, the document itself included."""
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*path, index))


def _at(document: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        document = document[part]
    return document


@st.composite
def _mutated(draw: st.DrawFn, document: Any) -> Any:
    """``document`` with one change somewhere: a value replaced (wrong type, value
    outside an enum, bad format), a field removed, an extra field or item added."""
    path = draw(st.sampled_from(list(_paths(document))))
    action = draw(st.sampled_from(["replace", "delete", "add"]))
    if not path:
        return draw(NASTY) if action == "replace" else document
    parent, last = _at(document, path[:-1]), path[-1]
    if action == "replace":
        parent[last] = draw(NASTY)
    elif action == "delete":
        del parent[last]
    elif isinstance(parent, dict):
        parent[draw(st.sampled_from(["extra", "id", "status", "errors"]) | st.text(max_size=5))] = (
            draw(NASTY)
        )
    else:
        parent.insert(last, draw(NASTY | st.just(parent[last])))  # a duplicate, at times
    return document


def _error_bodies() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"requestId": st.text(max_size=20), "errors": st.lists(st.text(max_size=20), min_size=1)}
    )


def _bodies(operation_id: str, status: int) -> st.SearchStrategy[Any]:
    if status != 200:
        return _error_bodies()
    if operation_id == UPDATE_TASK:
        return task_update_responses()
    return task_list_responses(2).flatmap(  # at least one task to change
        lambda document: tasks().map(lambda task: {**document, "tasks": [task, *document["tasks"]]})
    )


def _serialized(document: Any) -> bytes:
    # json.dumps writes what Python can (NaN, integers beyond 64 bits), as a careless
    # server might; orjson would refuse some of it.
    return json.dumps(document).encode()


def _raw_breakage(body: bytes) -> st.SearchStrategy[bytes]:
    return st.sampled_from(
        [
            b"",
            body[: len(body) // 2],
            b"\xef\xbb\xbf" + body,
            body + b"\n",
            body.replace(b"}", b",}", 1),
            b"null",
            b"NaN",
            b'{"tasks": [{"id": 1e400}]}',
            b'{"requestId": "\\ud800", "errors": ["x"]}',
            body.decode().encode("utf-16"),
        ]
    )


HEADER_TEXT = st.text(st.characters(blacklist_characters="\r\n"), max_size=8)
RETRY_AFTER = st.sampled_from(
    ["0", "1", "120", "007", "-1", "1.5", "soon", "", " 2 ", "+3", "1_0", "\u0663", "9" * 30]
)
CONTENT_TYPES = st.sampled_from(
    [
        "application/json",
        "APPLICATION/JSON",
        "application/json; charset=utf-8",
        "application/json;charset=UTF-8",
        "application/json; x",
        "application/vnd.api+json",
        "application/problem+json",
        "text/plain",
        "",
    ]
)


@st.composite
def _headers(draw: st.DrawFn, status: int) -> dict[str, str]:
    headers = {"Content-Type": "application/json; charset=utf-8", "x-traceid": "ab12"}
    if draw(st.booleans()):
        headers["x-gong-service-version"] = draw(HEADER_TEXT)
    if status == 429 and draw(st.integers(0, 5)):  # mostly there: it is required
        name = draw(st.sampled_from(["Retry-After", "retry-after", "RETRY-AFTER"]))
        headers[name] = draw(RETRY_AFTER)
    if status == 401 and draw(st.booleans()):
        headers["WWW-Authenticate"] = 'Basic realm="Gong.io API"'
    return headers


@st.composite
def _aimed(draw: st.DrawFn, document: Any, kind: str) -> Any:
    """``document`` with one field of ``kind`` (``FIELDS``) set to a value near an edge;
    an array field may instead get a duplicate of one of its items."""
    fields = [path for path in _paths(document) if path and path[-1] in FIELDS[kind]]
    if not fields:
        return document
    path = draw(st.sampled_from(fields))
    parent, last = _at(document, path[:-1]), path[-1]
    items = parent[last]
    if kind == "array" and isinstance(items, list) and items and draw(st.booleans()):
        items.insert(draw(st.integers(0, len(items))), copy.deepcopy(draw(st.sampled_from(items))))
    else:
        parent[last] = draw(VALUES[kind])
    return document


#: How an answer is broken (or not): one kind per example, so every kind is tried often.
KINDS = ("none", "status", "retry-after", "content-type", "changes", "raw", *FIELDS)


@st.composite
def answers(draw: st.DrawFn) -> tuple[int, bytes, dict[str, str], str, str]:
    """``(status, body, headers, content_type, operation)``: an answer of either
    operation, valid or broken in one of the ``KINDS`` of ways (``changes``: one or two
    changes anywhere in the body)."""
    operation_id = draw(st.sampled_from(OPERATIONS))
    kind = draw(st.sampled_from(KINDS))
    event(f"broken: {kind}")
    documented = operation(operation_id).documented_statuses()
    if kind == "status":
        status = draw(st.sampled_from([201, 302, 404, 418, 503]))  # 404: the list's is not
    elif kind == "retry-after":
        status = 429
    elif kind in FIELDS:
        status = 200
    else:
        status = draw(st.sampled_from(documented))
    document = draw(_bodies(operation_id, status))
    if kind in FIELDS:
        document = draw(_aimed(document, kind))
    elif kind == "changes":
        for _ in range(draw(st.integers(1, 2))):
            document = draw(_mutated(document))
    body = _serialized(document)
    if kind == "raw":
        body = draw(_raw_breakage(body))
    content_type = draw(CONTENT_TYPES) if kind == "content-type" else "application/json"
    return status, body, draw(_headers(status)), content_type, operation_id


def _reference_violations(answer: tuple[int, bytes, dict[str, str], str, str]) -> list[Any]:
    status, body, headers, content_type, operation_id = answer
    return list(
        reference.iter_response_violations(
            status, body, headers, content_type=content_type, operation=operation_id
        )
    )


def _fast_accepts(answer: tuple[int, bytes, dict[str, str], str, str]) -> bool:
    status, body, headers, content_type, operation_id = answer
    return fast_reference.fast_accepts(
        status, body, headers, content_type=content_type, operation=operation_id
    )


def _left_to_the_reference(body: bytes) -> bool:
    """The documented cases where the fast check says "no" and lets the reference
    decide (spec/fast_schemas.py): a body that Python's json reads and orjson does not;
    an integral float beyond the int32/int64 bounds, or an
    integer within 4096 of the lowest int64, where an integer is expected; a date-time
    the reference accepts only through its regular expression's ``$`` (which also
    matches before a final newline)."""
    try:
        document = json.loads(body)
    except ValueError:
        return False
    try:
        orjson.loads(body.decode(json.detect_encoding(body)))
    except ValueError:  # NaN, Infinity, lone surrogates: Python reads them, orjson not
        return True
    for path in _paths(document):
        value = _at(document, path)
        if isinstance(value, float) and value.is_integer() and not -(2**31) <= value < 2**31:
            return True
        if isinstance(value, int) and -(2**63) <= value < -(2**63) + 4096:
            return True
        if isinstance(value, str) and len(value) > 1 and value.endswith("\n"):
            return True
    return False


@ENOUGH
@given(answers())
@example(
    (429, b'{"requestId":"x","errors":["a"]}', {"Retry-After": "1"}, "application/json", LIST_TASKS)
)
@example((429, b'{"requestId":"x","errors":["a"]}', {}, "application/json", UPDATE_TASK))
@example((200, b'{"tasks":[{"id":-9223372036854775809}]}', {}, "application/json", LIST_TASKS))
@example(
    (200, b'{"tasks":[{"created":"2018-12-31T23:59:60Z"}]}', {}, "application/json", LIST_TASKS)
)
@example((404, b'{"requestId":"x","errors":["a"]}', {}, "application/json", LIST_TASKS))
def test_fast_check_accepts_exactly_what_the_reference_accepts(
    answer: tuple[int, bytes, dict[str, str], str, str],
) -> None:
    reference_valid = not _reference_violations(answer)
    fast_valid = _fast_accepts(answer)
    event(f"{'valid' if reference_valid else 'invalid'} {answer[0]}")
    event(f"fast check: {'yes' if fast_valid else 'no'}")
    if fast_valid:  # never looser: a "yes" that the reference refuses would break strict mode
        assert reference_valid, answer
    else:
        assert not reference_valid or _left_to_the_reference(answer[1]), answer


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers())
def test_fast_check_reports_the_reference_violations_word_for_word(
    answer: tuple[int, bytes, dict[str, str], str, str],
) -> None:
    status, body, headers, content_type, operation_id = answer
    fast = list(
        fast_reference.iter_response_violations(
            status, body, headers, content_type=content_type, operation=operation_id
        )
    )
    assert fast == _reference_violations(answer)


def test_fast_check_leaves_integral_floats_beyond_int64_to_the_reference() -> None:
    # openapi-core checks the int64 range of Python ints only: 2.0**64 passes there.
    for operation_id in OPERATIONS:
        for value in (2.0**64, -(2.0**63), 1e30):
            body = _serialized({"tasks": [{"id": value}]})
            answer = (200, body, {}, "application/json", operation_id)
            assert not _fast_accepts(answer)
            assert not _reference_violations(answer)
            assert not list(
                fast_reference.iter_response_violations(200, body, {}, operation=operation_id)
            )
