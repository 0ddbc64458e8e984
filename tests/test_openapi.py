"""/api/openapi.json: valid OpenAPI 3.1, true to real answers, and schemathesis finds nothing."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from waitress.server import create_server

from app.reminders.tonight import night_of
from tests.conftest import make_app
from tests.fakepush import FakePushService
from tests.test_reminders_api import body


@pytest.fixture
def spec(client) -> dict:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_the_description_is_valid_openapi_3_1(spec):
    assert spec["openapi"].startswith("3.1")
    OpenAPIV31SpecValidator(spec).validate()


def check(spec: dict, path: str, method: str, response) -> None:
    """The status is documented for this operation, and the body matches its schema."""
    answers = spec["paths"][path][method.lower()]["responses"]
    status = str(response.status_code)
    assert status in answers, f"{method} {path} answered {status}, which is not documented"
    content = answers[status].get("content")
    if content is None:
        assert response.data == b""
        return
    assert response.mimetype in content
    schema = content[response.mimetype]["schema"]
    registry = Registry().with_resource("spec", DRAFT202012.create_resource(spec))
    validator = Draft202012Validator(
        {"$ref": "spec#" + schema["$ref"][1:]} if "$ref" in schema else schema, registry=registry
    )
    validator.validate(response.get_json())
    for name, header in answers[status].get("headers", {}).items():
        if name in response.headers and header["schema"]["type"] == "integer":
            int(response.headers[name])


def test_real_answers_match_the_description(tmp_path, database_url):
    with FakePushService() as push:
        app = make_app(
            tmp_path,
            database_url,
            PUSH_ALLOW_HTTP=True,
            PUSH_SERVICE_HOSTS=["127.0.0.1", "fcm.googleapis.com"],
            API_RATE_LIMIT="19 per minute",  # one budget across /api/: the 19 requests below, then a 429
        )
        client = app.test_client()
        spec = client.get("/api/openapi.json").get_json()
        subscriber = push.subscriber()
        refused = push.subscriber()
        push.answer(refused, (400, {}))
        valid = {**body(), "subscription": subscriber.subscription()}
        tonight = night_of(datetime.now(UTC), valid["timezone"])
        mine = {"endpoint": subscriber.endpoint, "auth": valid["subscription"]["keys"]["auth"]}
        theirs = {"endpoint": refused.endpoint, "auth": refused.subscription()["keys"]["auth"]}
        nobody = {"endpoint": "https://fcm.googleapis.com/x", "auth": mine["auth"]}
        swapped = {**body(), "subscription": {**refused.subscription(), "endpoint": subscriber.endpoint}}
        calls = [
            ("GET", "/api/push/public-key", None, 200),
            ("POST", "/api/reminders", valid, 201),
            ("POST", "/api/reminders", valid, 200),
            ("POST", "/api/reminders", swapped, 403),
            ("POST", "/api/reminders/test", mine, 202),
            ("POST", "/api/reminders", {**body(), "subscription": refused.subscription()}, 201),
            ("POST", "/api/reminders/test", theirs, 502),
            ("POST", "/api/reminders/test", nobody, 404),
            ("POST", "/api/reminders", body(time="25:00"), 400),
            ("POST", "/api/reminders", "not json", 415),
            ("POST", "/api/reminders", {"pad": "x" * 5000}, 413),
            ("POST", "/api/reminders/snooze", mine, 409),  # not sent tonight yet
            ("POST", "/api/reminders/snooze", nobody, 404),
            ("POST", "/api/reminders/done", {**mine, "night": tonight}, 200),
            ("POST", "/api/reminders/done", {**mine, "night": "2000-01-01"}, 409),
            ("POST", "/api/reminders/done", {**mine, "night": "yesterday"}, 400),
            ("DELETE", "/api/reminders", mine, 204),
        ]
        for method, path, payload, status in calls:
            if payload == "not json":
                response = client.open(path, method=method, data="x", content_type="text/plain")
            else:
                response = client.open(path, method=method, json=payload)
            assert response.status_code == status, (method, path, response.get_data(as_text=True))
            check(spec, path, method, response)
        check(spec, "/api/openapi.json", "GET", client.get("/api/openapi.json"))
        limited = client.get("/api/push/public-key")  # the 20th request of this client this minute
        assert limited.status_code == 429
        check(spec, "/api/push/public-key", "GET", limited)
        assert int(limited.headers["Retry-After"]) > 0


def test_every_route_under_api_is_described(app, spec):
    routes = {
        (rule.rule, method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    described = {(path, method) for path, operations in spec["paths"].items() for method in operations}
    assert routes == described


@pytest.mark.slow
def test_schemathesis_finds_no_server_error_and_no_answer_outside_the_schema(tmp_path):
    """A bounded schemathesis run (examples and time) against a live server on loopback."""
    app = make_app(tmp_path, API_RATE_LIMIT="100000 per minute")
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.effective_port}/api/openapi.json"
    command = [
        os.path.join(os.path.dirname(sys.executable), "schemathesis"),
        "--config-file",
        str(Path(__file__).with_name("schemathesis.toml")),
        "run",
        url,
        "--checks",
        "all",
        "--max-examples",
        "15",
        "--max-time",
        "12",  # examples and coverage take about 1.5 s; fuzzing runs until the time is up (1,375 cases here)
        "--seed",
        "20261201",
        "--workers",
        "1",
        "--request-timeout",
        "20",
    ]
    env = {
        **os.environ,
        "NO_COLOR": "1",
        "SCHEMATHESIS_TELEMETRY": "false",
        "SCHEMATHESIS_HOOKS": "tests.schemathesis_hooks",  # real P-256 public keys
        "PYTHONPATH": str(Path(__file__).parent.parent),
    }
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=400, env=env, cwd=tmp_path)
    finally:
        server.close()
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    generated = re.search(r"(\d+) generated, (\d+) passed", result.stdout)
    assert generated, result.stdout[-3000:]
    assert int(generated.group(1)) >= 50 and generated.group(1) == generated.group(2), generated.group(0)


def test_the_servers_own_answers_are_described_as_they_are(spec, tmp_path):
    """`calmcalf serve` (waitress) answers a body over CALMCALF_MAX_REQUEST_BODY_BYTES (413) and huge
    headers (431) itself, in plain text, before the app runs: the description says so, everywhere."""
    import http.client
    import socket

    from tests.arrangement import calmcalf, stop, wait_until
    from tests.net import free_port

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALMCALF_")}
    env["CALMCALF_DATABASE_URL"] = f"sqlite:///{tmp_path / 'calmcalf.db'}"
    server = calmcalf(["serve", "--port", str(port), "--no-dispatch"], env, tmp_path / "serve.log")
    answers = []
    try:
        wait_until(lambda: socket.create_connection(("127.0.0.1", port), timeout=2).close() is None, 60, "serve")
        for body, headers in (
            (b'{"pad": "' + b"x" * 20000 + b'"}', {"Content-Type": "application/json"}),
            (b"{}", {"Content-Type": "application/json", "X-Big": "y" * 300_000}),
        ):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
            try:
                connection.request("POST", "/api/reminders", body=body, headers=headers)
                response = connection.getresponse()
                answers.append((response.status, response.getheader("Content-Type", "").split(";")[0]))
            finally:
                connection.close()
    finally:
        stop([server])
    assert answers == [(413, "text/plain"), (431, "text/plain")], answers
    for path, operations in spec["paths"].items():
        if path == "/api/openapi.json":
            continue
        for operation in operations.values():
            for status, media in ((413, "text/plain"), (431, "text/plain")):
                assert media in operation["responses"][str(status)]["content"], (path, status)
            if operation["operationId"] != "getPublicKey":
                assert "application/json" in operation["responses"]["503"]["content"], path
