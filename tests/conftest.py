from __future__ import annotations

import os

import pytest
from fastapi.testclient import TestClient

from secretariat.app import create_app
from secretariat.core.config import Settings
from secretariat.core.db import make_engine
from tests.factories import PASSWORD, Factory
from tests.stores import ENV, PostgresStores, SqliteStores, backend


def pytest_report_header(config):
    return f"secretariat store under test: {backend()}"


@pytest.fixture(scope="session")
def stores(tmp_path_factory):
    if os.environ.get(ENV):
        made = PostgresStores(os.environ[ENV])
        yield made
        made.close()
    else:
        yield SqliteStores(tmp_path_factory.mktemp("stores"))


@pytest.fixture
def database_url(stores):
    url = stores.create()
    yield url
    stores.drop(url)


@pytest.fixture
def engine(database_url):
    made = make_engine(database_url)
    yield made
    made.dispose()


@pytest.fixture
def factory(engine) -> Factory:
    return Factory(engine)


@pytest.fixture
def session(factory):
    with factory.session() as opened:
        yield opened


@pytest.fixture
def settings(tmp_path, database_url) -> Settings:
    return Settings(data_dir=tmp_path, database_url=database_url, secret_key="test-secret-key")


@pytest.fixture
def app(settings, engine):
    return create_app(settings, engine)


@pytest.fixture
def client(app):
    with TestClient(app, base_url="http://testserver") as made:
        yield made


@pytest.fixture
def queue_only(settings, engine):
    """The web app with no worker of its own (as beside `secretariat worker` processes): jobs wait."""
    with TestClient(create_app(settings, engine, embedded_worker=False), base_url="http://testserver") as made:
        yield made


def csrf_from(html: str) -> str:
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start:html.index('"', start)]


def log_in(client: TestClient, username: str, password: str = PASSWORD, next: str = "/"):
    page = client.get("/login")
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf_from(page.text), "next": next}, follow_redirects=False)


@pytest.fixture
def login(client):
    """Log `client` in as a user; returns the CSRF token of the logged-in session."""
    def do(user, password: str = PASSWORD) -> str:
        answer = log_in(client, user.username, password)
        assert answer.status_code == 303, answer.text
        return csrf_from(client.get("/").text)
    return do


@pytest.fixture
def cli(database_url, tmp_path):
    """Run `secretariat …` against this test's store; returns typer's result."""
    from typer.testing import CliRunner

    from secretariat.cli import app as cli_app

    runner = CliRunner()
    env = {"SECRETARIAT_DATABASE_URL": database_url, "SECRETARIAT_DATA_DIR": str(tmp_path),
           "SECRETARIAT_NEW_PASSWORD": PASSWORD}

    def run(*arguments):
        return runner.invoke(cli_app, [str(a) for a in arguments], env=env)
    return run
