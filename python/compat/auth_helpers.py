"""Fixtures and helpers for the authentication tests (test_auth_*.py), imported by conftest.py.

The auth tests need a server with authentication on, separate from the suite's plain server:

* By default one keel server per session is started from the built CLI with
  ``server --app-name basic-auth`` on a free port, a fresh SQLite store and artifact folder in a
  temp dir, and a random admin password in ``MLFLOW_AUTH_ADMIN_PASSWORD``.
* ``KEEL_COMPAT_AUTH_URL=http://127.0.0.1:5057`` targets a running server instead, e.g. a stock
  ``mlflow server --app-name basic-auth`` to check that the tests themselves are right. Its admin
  is ``KEEL_COMPAT_AUTH_ADMIN_USERNAME`` (default ``admin``) with
  ``KEEL_COMPAT_AUTH_ADMIN_PASSWORD`` (required). It counts as keel (for ``keel_only`` tests) when
  ``KEEL_COMPAT_AUTH_TARGET=keel`` or its ``/openapi.json`` is titled keel.

Tests act as a user through the client's own environment variables (MLFLOW_TRACKING_USERNAME /
MLFLOW_TRACKING_PASSWORD, or MLFLOW_TRACKING_TOKEN), which the stock client reads on every request:
``with auth.as_user(alice): ...``. Every name a test creates (users, experiments, models) is
unique, so a reused server's earlier data does not matter.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
import time
import urllib.error
import urllib.request
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path

import mlflow
import pytest
import requests
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from stores import backend_store_uri

CREDENTIAL_VARS = ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_TOKEN")
HEALTH_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str


@dataclass(frozen=True)
class AuthTarget:
    url: str
    admin: Credentials
    is_keel: bool


def _is_keel(url: str, admin: Credentials) -> bool:
    if os.environ.get("KEEL_COMPAT_AUTH_TARGET") == "keel":
        return True
    try:
        resp = requests.get(f"{url}/openapi.json", auth=(admin.username, admin.password), timeout=5)
        return resp.status_code == 200 and resp.json().get("info", {}).get("title") == "keel"
    except (requests.RequestException, ValueError, AttributeError):
        return False


def _start_keel_auth_server(tmp_path_factory) -> tuple[AuthTarget, subprocess.Popen]:
    # The plain server's helpers; imported here, when conftest has finished loading.
    from conftest import REPO_ROOT, _free_port, _health_ok, _stop, _tail

    keel_js = REPO_ROOT / "packages" / "server" / "bin" / "keel.js"
    if not keel_js.exists():
        pytest.exit(f"{keel_js} not found: build the server first (npm run build)", returncode=1)
    node = os.environ.get("KEEL_NODE") or shutil.which("node")
    if not node:
        pytest.exit("`node` is not on PATH (set KEEL_NODE)", returncode=1)
    work: Path = tmp_path_factory.mktemp("keel-auth-server")
    artifacts = work / "artifacts"
    artifacts.mkdir()
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    admin = Credentials("admin", "admin-" + secrets.token_urlsafe(18))
    cmd = [
        node,
        str(keel_js),
        "server",
        "--app-name", "basic-auth",
        "--host", "127.0.0.1",
        "--port", str(port),
        "--backend-store-uri", backend_store_uri(work),
        "--artifacts-destination", str(artifacts),
    ]
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("MLFLOW_TRACKING_URI", "MLFLOW_AUTH_CONFIG_PATH", *CREDENTIAL_VARS)
    }
    env.update(MLFLOW_AUTH_ADMIN_USERNAME=admin.username, MLFLOW_AUTH_ADMIN_PASSWORD=admin.password)
    stdout_path, stderr_path = work / "server.stdout.log", work / "server.stderr.log"
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        proc = subprocess.Popen(
            cmd, cwd=str(work), stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env,
            start_new_session=True,
        )
    deadline = time.monotonic() + HEALTH_TIMEOUT_S
    while not _health_ok(url):
        if proc.poll() is not None or time.monotonic() > deadline:
            _stop(proc)
            pytest.exit(
                f"keel auth server did not become healthy at {url} (exit code {proc.returncode}).\n"
                f"command: {' '.join(cmd)}\n--- stderr ---\n{_tail(stderr_path)}\n"
                f"--- stdout ---\n{_tail(stdout_path)}",
                returncode=1,
            )
        time.sleep(0.1)
    return AuthTarget(url=url, admin=admin, is_keel=True), proc


@pytest.fixture(scope="session")
def auth_server(tmp_path_factory) -> AuthTarget:
    """The server with authentication on (see the module docstring)."""
    external = os.environ.get("KEEL_COMPAT_AUTH_URL")
    if not external:
        target, proc = _start_keel_auth_server(tmp_path_factory)
        try:
            yield target
        finally:
            from conftest import _stop

            _stop(proc)
        return
    url = external.rstrip("/")
    password = os.environ.get("KEEL_COMPAT_AUTH_ADMIN_PASSWORD")
    if not password:
        pytest.exit("KEEL_COMPAT_AUTH_URL needs KEEL_COMPAT_AUTH_ADMIN_PASSWORD", returncode=1)
    admin = Credentials(os.environ.get("KEEL_COMPAT_AUTH_ADMIN_USERNAME") or "admin", password)
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=5) as resp:
            health = resp.status
    except (urllib.error.URLError, OSError) as exc:
        health = exc
    if health != 200:
        pytest.exit(f"KEEL_COMPAT_AUTH_URL={url}: GET /health answered {health}", returncode=1)
    yield AuthTarget(url=url, admin=admin, is_keel=_is_keel(url, admin))


@pytest.fixture(autouse=True)
def _skip_keel_only_on_other_auth_servers(request):
    """keel_only auth tests are decided by the auth server (conftest's fixture leaves them alone)."""
    if "auth_server" not in request.fixturenames or not request.node.get_closest_marker("keel_only"):
        return
    target: AuthTarget = request.getfixturevalue("auth_server")
    if not target.is_keel:
        pytest.skip(f"keel_only: the auth server under test ({target.url}) is not keel")


def unique(prefix: str) -> str:
    """A fresh name, so that a reused server's earlier data never collides."""
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def get_app_client(app_name: str, tracking_uri: str):
    """mlflow.server.get_app_client, imported on first use (only the auth tests need MLflow's
    server package). Loading it makes MLflow's own server code warn on import (SQLAlchemy's
    deprecated `noload` in its store models, Starlette's deprecated WSGI middleware in its app);
    those two warnings, and only they, are silenced while it loads."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"The ``noload`` loader strategy is deprecated")
        warnings.filterwarnings("ignore", message=r"starlette\.middleware\.wsgi is deprecated")
        from mlflow.server import get_app_client as stock_get_app_client

        return stock_get_app_client(app_name, tracking_uri=tracking_uri)


class AuthSession:
    """One test's view of the auth server: its clients and who they act as."""

    def __init__(self, target: AuthTarget, monkeypatch: pytest.MonkeyPatch):
        self.target = target
        self.url = target.url
        self.admin = target.admin
        self._monkeypatch = monkeypatch
        self.client = MlflowClient(tracking_uri=target.url)
        # The stock basic-auth client: users and per-user grants.
        self.users = get_app_client("basic-auth", tracking_uri=target.url)

    def _set_env(self, values: dict[str, str]) -> None:
        for name in CREDENTIAL_VARS:
            if name in values:
                self._monkeypatch.setenv(name, values[name])
            else:
                self._monkeypatch.delenv(name, raising=False)

    @contextlib.contextmanager
    def _acting(self, values: dict[str, str]):
        previous = {name: os.environ[name] for name in CREDENTIAL_VARS if name in os.environ}
        self._set_env(values)
        try:
            yield
        finally:
            self._set_env(previous)

    def as_user(self, creds: Credentials | None):
        """Within the block the client sends creds (None: no credentials at all)."""
        if creds is None:
            return self._acting({})
        return self._acting(
            {"MLFLOW_TRACKING_USERNAME": creds.username, "MLFLOW_TRACKING_PASSWORD": creds.password}
        )

    def as_admin(self):
        return self.as_user(self.admin)

    def with_token(self, token: str):
        """Within the block the client sends only MLFLOW_TRACKING_TOKEN (a bearer token)."""
        return self._acting({"MLFLOW_TRACKING_TOKEN": token})

    def new_user(self, prefix: str = "user") -> Credentials:
        """A new non-admin user, created by the admin through the stock auth client."""
        creds = Credentials(unique(prefix), "pw-" + secrets.token_urlsafe(18))
        with self.as_admin():
            user = self.users.create_user(creds.username, creds.password)
        assert (user.username, user.is_admin) == (creds.username, False)
        return creds

    def permission(self, user: Credentials, resource_type: str, resource_id: str) -> str:
        """user's effective permission on a resource, as the admin reads it."""
        with self.as_admin():
            return self.users.get_user_permission(user.username, resource_type, resource_id).permission


@pytest.fixture
def auth(auth_server, monkeypatch) -> AuthSession:
    """The auth server for one test; the fluent API (mlflow.*) points at it for the test too."""
    monkeypatch.setenv("MLFLOW_TRACKING_URI", auth_server.url)
    previous_uri = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(auth_server.url)
    session = AuthSession(auth_server, monkeypatch)
    session._set_env({})  # start without credentials, whatever the caller's shell exported
    try:
        yield session
    finally:
        while mlflow.active_run():
            mlflow.end_run()
        mlflow.set_tracking_uri(previous_uri)


def assert_refused(exc: BaseException, status: int, error_code: str) -> None:
    """exc is the client's error for an HTTP `status` with MLflow's `error_code`. Stock MLflow
    answers 401/403 with a text body (the client raises MlflowException with the code implied by
    the status); keel answers JSON (RestException, a subclass): both must carry the same code."""
    assert isinstance(exc, MlflowException), repr(exc)
    assert exc.error_code == error_code, (exc.error_code, str(exc))
    assert exc.get_http_status_code() == status, (exc.get_http_status_code(), str(exc))


def api(target: AuthTarget, method: str, path: str, creds: Credentials | None = None, **kwargs):
    """A raw request to the REST API (for the status line and headers the client hides)."""
    auth = (creds.username, creds.password) if creds else None
    return requests.request(method, f"{target.url}{path}", auth=auth, timeout=30, **kwargs)
