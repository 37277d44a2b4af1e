"""docker-compose.yml, read the way Compose reads it: its app environment loads as production settings,
MongoDB runs the replica set the app names, and the stack needs no Google account.

Docker does not run on this machine, so these check the files, not a running stack.
"""

from __future__ import annotations

import json
import re
from dataclasses import fields
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from config import Settings, load

ROOT = Path(__file__).resolve().parent.parent
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
REAL_FIREBASE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.firebase.yml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
APPS = sorted(name for name, service in SERVICES.items() if service.get("image") == "movieverse:latest")


def interpolate(value: str, given: dict[str, str]) -> str:
    """`value` with Compose's `${NAME}`, `${NAME:-default}` and `${NAME:?error}` resolved from `given`."""
    def one(match: re.Match[str]) -> str:
        name, operator, rest = match.groups()
        if given.get(name):
            return given[name]
        if operator == ":?":
            raise AssertionError(f"{name} is required: {rest}")
        return rest or ""
    return re.sub(r"\$\{(\w+)(?:(:[-?])([^}]*))?\}", one, str(value))


def app_environment(service: str = "web") -> dict[str, str]:
    """The environment Compose gives an app service when only SECRET_KEY is set."""
    given = {"SECRET_KEY": "k" * 40}
    return {name: interpolate(value, given) for name, value in SERVICES[service]["environment"].items()}


def test_every_app_variable_is_a_setting_and_they_load_as_production(monkeypatch: pytest.MonkeyPatch) -> None:
    known = {spec.metadata["variable"] for spec in fields(Settings)}
    environment = app_environment()
    assert set(environment) <= known
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    settings = load()
    assert settings.production
    assert settings.mongo_write_concern == "majority"
    assert settings.firebase_credentials == ""


def test_mongo_runs_the_one_node_replica_set_the_app_names() -> None:
    url = urlsplit(app_environment()["MONGO_URL"])
    mongo = SERVICES[url.hostname or ""]
    command = mongo["command"]
    assert parse_qs(url.query)["replicaSet"] == [command[command.index("--replSet") + 1]]
    script = mongo["healthcheck"]["test"][-1]
    assert "rs.initiate(" in script and f"host: '{url.hostname}:{url.port}'" in script
    assert "isWritablePrimary" in script
    assert all(SERVICES[app]["depends_on"]["mongo"]["condition"] == "service_healthy" for app in APPS)


def test_the_stack_starts_without_a_google_account() -> None:
    url = urlsplit(app_environment()["FIREBASE_DATABASE_URL"])
    assert url.scheme == "http" and parse_qs(url.query)["ns"]
    emulator = SERVICES[url.hostname or ""]
    dockerfile = (ROOT / emulator["build"]["context"] / emulator["build"]["dockerfile"]).read_text()
    command = json.loads(next(line for line in dockerfile.splitlines() if line.startswith("CMD "))[4:])
    assert command[command.index("-p") + 1] == str(url.port)
    assert command[command.index("-a") + 1] == "0.0.0.0"
    assert "secrets" not in COMPOSE
    assert not [name for name, service in SERVICES.items() if "secrets" in service]
    needing = [app for app in APPS if app != "migrate"]
    assert all(SERVICES[app]["depends_on"][url.hostname]["condition"] == "service_healthy" for app in needing)


def test_the_real_firebase_file_gives_every_firebase_process_the_url_and_the_key() -> None:
    secrets = REAL_FIREBASE["secrets"]
    # The migration touches PostgreSQL, MySQL and MongoDB only.
    assert sorted(REAL_FIREBASE["services"]) == [app for app in APPS if app != "migrate"]
    for service in REAL_FIREBASE["services"].values():
        (secret,) = service["secrets"]
        assert secret in secrets
        assert service["environment"]["FIREBASE_CREDENTIALS"] == f"/run/secrets/{secret}"
        url = interpolate(service["environment"]["FIREBASE_DATABASE_URL"],
                          {"FIREBASE_DATABASE_URL": "https://example-default-rtdb.firebaseio.com"})
        assert url == "https://example-default-rtdb.firebaseio.com"
        with pytest.raises(AssertionError, match="FIREBASE_DATABASE_URL"):
            interpolate(service["environment"]["FIREBASE_DATABASE_URL"], {})
