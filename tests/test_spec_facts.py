"""Every field, type, format and enum of ../shared/gong-tasks-facts.md is in the spec.

The table below is written from the facts file, independently of the spec, so a field
dropped or retyped in the spec fails here.
"""

from __future__ import annotations

from typing import Any

import pytest

from gong_tasks_kit.spec import load_spec

# component -> {property: (type, format or enum or None)}
FACTS: dict[str, dict[str, tuple[str, object]]] = {
    "TaskFilter": {
        "userId": ("string", None),
        "workspaceId": ("string", None),
        "types": ("array", ("FLOW", "MANUAL")),
        "taskAction": ("array", ("CALL",)),
        "status": ("array", ("OPEN", "DONE", "DISMISSED")),
    },
    "TaskListResponse": {
        "requestId": ("string", None),
        "tasks": ("array", None),
        "crmType": ("string", ("SALESFORCE", "HUBSPOT", "MICROSOFT_DYNAMICS", "GENERIC")),
    },
    "TaskUpdateRequest": {
        "userId": ("string", None),
        "status": ("string", ("OPEN", "DONE", "DISMISSED")),
        "dueDate": ("string", "date-time"),
    },
    "TaskUpdateResponse": {
        "requestId": ("string", None),
        "tasks": ("array", None),
        "crmType": ("string", ("SALESFORCE", "HUBSPOT", "MICROSOFT_DYNAMICS", "GENERIC")),
    },
    "Task": {
        "id": ("integer", "int64"),
        "userId": ("integer", "int64"),
        "created": ("string", "date-time"),
        "updated": ("string", "date-time"),
        "dueDate": ("string", "date-time"),
        "status": ("string", ("OPEN", "DONE", "DISMISSED")),
        "type": ("string", ("FLOW", "MANUAL")),
        "actions": ("array", ("CALL",)),
        "title": ("string", None),
        "priority": ("object", None),
        "account": ("object", None),
        "opportunity": ("object", None),
        "flow": ("object", None),
        "contact": ("object", None),
        "additionalContacts": ("array", None),
    },
    "Priority": {
        "id": ("integer", "int64"),
        "name": ("string", None),
        "weight": ("integer", "int32"),
    },
    "Account": dict.fromkeys(("crmId", "name", "crmUrl"), ("string", None)),
    "Opportunity": dict.fromkeys(
        ("crmId", "name", "crmUrl", "status", "stage", "amount", "probability", "closeDate"),
        ("string", None),
    ),
    "Flow": {"id": ("integer", "int64"), "name": ("string", None), "step": ("object", None)},
    "FlowStep": {
        "id": ("integer", "int64"),
        "name": ("string", None),
        "stepNumber": ("integer", "int64"),
    },
    "Contact": {
        "crmId": ("string", None),
        "type": ("string", ("CONTACT", "LEAD")),
        "data": ("object", None),
    },
    "ContactData": {
        **dict.fromkeys(
            (
                "firstName",
                "lastName",
                "crmUrl",
                "companyName",
                "title",
                "timezone",
                "city",
                "country",
                "state",
                "zipcode",
                "linkedinProfile",
            ),
            ("string", None),
        ),
        "affiliation": ("string", ("Us", "Them", "Unknown")),
        "emails": ("array", None),
        "phoneNumbers": ("array", None),
        "optOutChannels": ("array", ("CALLS", "EMAILS")),
    },
    "Email": {"email": ("string", None)},
    "PhoneNumber": {
        "raw": ("string", None),
        "extension": ("string", None),
        "countryCode": ("integer", "int32"),
        "normalized": ("string", None),
        "label": ("string", None),
        "isVerified": ("boolean", None),
    },
    "ErrorResponse": {"requestId": ("string", None), "errors": ("array", None)},
}

UNIQUE_ITEMS = {
    ("Task", "actions"),
    ("ContactData", "emails"),
    ("ContactData", "phoneNumbers"),
    ("ContactData", "optOutChannels"),
}


def _resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = document["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


@pytest.mark.parametrize("component", sorted(FACTS))
def test_spec_component_has_every_fact(component: str) -> None:
    document = load_spec()
    schema = document["components"]["schemas"][component]
    properties = schema["properties"]
    assert set(properties) == set(FACTS[component])
    for name, (json_type, detail) in FACTS[component].items():
        prop = _resolve(document, properties[name])
        assert prop["type"] == json_type, name
        assert prop.get("description") or properties[name].get("$ref"), f"{name} undescribed"
        if json_type == "array" and isinstance(detail, tuple):
            assert tuple(_resolve(document, prop["items"])["enum"]) == detail, name
        elif isinstance(detail, tuple):
            assert tuple(prop["enum"]) == detail, name
        elif isinstance(detail, str):
            assert prop["format"] == detail, name
        if (component, name) in UNIQUE_ITEMS:
            assert prop["uniqueItems"] is True, name


def test_spec_filter_and_body_require_what_gong_requires() -> None:
    schemas = load_spec()["components"]["schemas"]
    assert schemas["TaskListRequest"]["required"] == ["filter"]
    assert set(schemas["TaskFilter"]["required"]) == {"userId", "types", "taskAction", "status"}
    assert schemas["TaskUpdateRequest"]["required"] == ["userId"]


def test_spec_has_gongs_two_operations_with_their_ids_paths_and_bodies() -> None:
    document = load_spec()
    assert {path: sorted(item) for path, item in document["paths"].items()} == {
        "/v2/tasks": ["post"],
        "/v2/tasks/{taskId}": ["patch"],
    }
    listing = document["paths"]["/v2/tasks"]["post"]
    update = document["paths"]["/v2/tasks/{taskId}"]["patch"]
    assert (listing["operationId"], update["operationId"]) == ("listTasks", "updateTask")
    assert "updateReminder" in update["description"]  # Gong's own id, said so
    (task_id,) = update["parameters"]
    assert (task_id["name"], task_id["in"], task_id["required"]) == ("taskId", "path", True)
    assert task_id["schema"] == {"type": "integer", "format": "int64"}
    assert update["requestBody"]["required"] is True
    body_schema = update["requestBody"]["content"]["application/json"]["schema"]
    assert body_schema == {"$ref": "#/components/schemas/TaskUpdateRequest"}
    ok = update["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/TaskUpdateResponse"}


def test_spec_update_description_states_each_choice_where_gong_is_silent() -> None:
    description = load_spec()["paths"]["/v2/tasks/{taskId}"]["patch"]["description"]
    for choice in (
        "updated task alone",
        "does not own the task is answered 404",
        "neither `status` nor `dueDate` changes nothing",
        "`updated` becomes the time of the call",
        "in UTC (`Z`)",
    ):
        assert choice in " ".join(description.split()), choice


def test_spec_responses_stay_open_to_unknown_properties() -> None:
    for name, schema in load_spec()["components"]["schemas"].items():
        assert schema.get("additionalProperties", True) is not False, name
        assert "unevaluatedProperties" not in schema, name


def test_spec_documents_every_error_status_with_its_headers() -> None:
    document = load_spec()
    responses = document["paths"]["/v2/tasks"]["post"]["responses"]
    assert set(responses) == {"200", "400", "401", "403", "429", "500"}
    update = document["paths"]["/v2/tasks/{taskId}"]["patch"]["responses"]
    assert set(update) == {"200", "400", "401", "403", "404", "429", "500"}
    assert update["429"] == {"$ref": "#/components/responses/TooManyRequests"}
    assert update["401"] == {"$ref": "#/components/responses/Unauthorized"}
    components = document["components"]["responses"]
    assert "Retry-After" in components["TooManyRequests"]["headers"]
    assert "WWW-Authenticate" in components["Unauthorized"]["headers"]
    retry_after = document["components"]["headers"]["RetryAfter"]
    assert retry_after["schema"]["type"] == "integer"
    assert retry_after["required"] is True


def test_spec_offers_basic_and_bearer_auth_as_alternatives() -> None:
    document = load_spec()
    assert document["security"] == [{"basicAuth": []}, {"oauth2": ["api:tasks:read"]}]
    update = document["paths"]["/v2/tasks/{taskId}"]["patch"]
    assert update["security"] == [{"basicAuth": []}, {"oauth2": ["api:tasks:write"]}]
    schemes = document["components"]["securitySchemes"]
    assert schemes["basicAuth"] == {**schemes["basicAuth"], "type": "http", "scheme": "basic"}
    scopes = schemes["oauth2"]["flows"]["authorizationCode"]["scopes"]
    assert list(scopes) == ["api:tasks:read", "api:tasks:write"]
