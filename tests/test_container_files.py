"""Dockerfile, compose.yaml and .dockerignore agree with the code and the README, checked without docker."""

from __future__ import annotations

import fnmatch
import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from bot.app.runtime import Runtime
from bot.cli.main import _parser
from bot.config.settings import ENV_PREFIX, Settings

ROOT = Path(__file__).parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text()
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
IGNORED = [
    line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines() if line.strip() and line[0] != "#"
]


def instructions(name: str) -> list[str]:
    """The arguments of every `name` instruction, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    return [line.split(None, 1)[1] for line in joined.splitlines() if line.split(None, 1)[:1] == [name]]


def exec_form(argument: str) -> list[str]:
    assert argument.startswith("["), f"use the exec form: {argument}"
    return yaml.safe_load(argument)


def subcommands() -> set[str]:
    parser = _parser()
    [commands] = [action for action in parser._actions if action.dest == "command"]
    assert commands.choices is not None
    return set(commands.choices)


def test_the_image_is_python_3_11_slim_and_runs_as_a_user_not_root():
    assert instructions("FROM") == ["python:3.11-slim"]
    [user] = instructions("USER")
    assert user not in ("root", "0")


def test_the_image_installs_with_the_constraints_file_as_the_readme_and_make_install_do():
    [run] = [r for r in instructions("RUN") if "pip install" in r]
    words = shlex.split(run.split("&&")[0])
    assert words[:2] == ["pip", "install"]
    assert "--constraint" in words and words[words.index("--constraint") + 1] == "constraints.txt"
    assert words[-1] == "."
    readme = (ROOT / "README.md").read_text()
    assert "pip install -c constraints.txt ." in readme
    assert "--constraint constraints.txt" in (ROOT / "Makefile").read_text()


def test_what_the_dockerfile_copies_exists_and_is_not_ignored():
    for copy in instructions("COPY"):
        *sources, _destination = copy.split()
        for source in sources:
            assert (ROOT / source).exists(), source
            assert not any(fnmatch.fnmatch(source, pattern) for pattern in IGNORED), source


def test_secrets_and_local_state_stay_out_of_the_build_context():
    for kept_out in (".env", ".venv", ".git", "*.db", "*.db-wal"):
        assert kept_out in IGNORED


def test_the_image_and_every_compose_service_run_subcommands_the_cli_has():
    [cmd] = instructions("CMD")
    commands = [exec_form(cmd)]
    commands += [service["command"] for service in COMPOSE["services"].values() if "command" in service]
    known = subcommands()
    for command in commands:
        if command[0] == "supportbot":
            assert command[1] in known, command
    assert exec_form(cmd) == ["supportbot", "serve"]


async def test_the_healthcheck_asks_a_route_the_bot_serves_on_the_port_it_listens_on():
    [healthcheck] = instructions("HEALTHCHECK")
    url = re.search(r"http://[^'\"]+", healthcheck)
    assert url is not None
    target = urlsplit(url.group(0))
    runtime = Runtime(Settings(_env_file=None, database_url="sqlite+aiosqlite:///:memory:"))
    try:
        app = runtime.web_app()
        routes = {(route.method, route.resource.canonical) for route in app.router.routes() if route.resource}
    finally:
        await runtime.db.dispose()
    assert ("GET", target.path) in routes
    [env] = [e for e in instructions("ENV") if "SUPPORTBOT_PORT" in e]
    assert f"SUPPORTBOT_PORT={target.port}" in env
    assert COMPOSE["services"]["bot"]["environment"]["SUPPORTBOT_PORT"] == str(target.port)
    assert COMPOSE["services"]["bot"]["ports"] == [f"{target.port}:{target.port}"]


def test_compose_sets_only_settings_that_exist_and_reads_the_rest_from_env():
    fields = {f"{ENV_PREFIX}{name.upper()}" for name in Settings.model_fields}
    for name in ("migrate", "bot"):
        service = COMPOSE["services"][name]
        assert service["env_file"] == ".env"
        for variable in service["environment"]:
            assert variable in fields, f"{name}: {variable} is not a setting"


def test_compose_runs_the_bot_on_postgresql_15_after_migrating_it():
    services = COMPOSE["services"]
    assert services["db"]["image"] == "postgres:15"
    url = services["bot"]["environment"]["SUPPORTBOT_DATABASE_URL"]
    assert url.startswith("postgresql+asyncpg://") and "@db:5432/" in url
    assert services["migrate"]["environment"]["SUPPORTBOT_DATABASE_URL"] == url
    assert services["migrate"]["command"] == ["supportbot", "migrate"]
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["bot"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
