"""Fixtures for the MLflow-client compatibility suite.

The suite drives the *stock* MLflow Python client against a `keel server`.

* By default a keel server is started once per session from the repo's built CLI
  (``node packages/server/bin/keel.js server ...``, so run ``npm run build`` first) on a free port,
  with a fresh SQLite store and artifact folder in a temp dir.
* ``KEEL_COMPAT_URL=http://127.0.0.1:5056`` targets an already-running server instead (keel, or a
  stock ``mlflow server`` to check that the tests themselves are right).
* ``KEEL_REPO`` is the repo root (set by scripts/compat.mjs); it defaults to two levels up.
* ``KEEL_NODE`` overrides the ``node`` binary.
* The auth tests (test_auth_*.py) use a second server, with ``--app-name basic-auth``; see
  auth_helpers.py (``KEEL_COMPAT_AUTH_URL`` targets a running one, e.g. stock MLflow's).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

# ---------------------------------------------------------------------------------------------
# Client environment. Set at import time so that it applies before mlflow reads any of it, and is
# inherited by the subprocesses some tests start (python/seed/train.py).
# ---------------------------------------------------------------------------------------------
# A 5xx from a server bug must fail the test at once instead of being retried with backoff for
# minutes (the client default is 7 retries, backoff factor 2, 120 s timeout).
os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
os.environ.setdefault("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "0")
os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "30")
# No telemetry calls to the outside world (the network only reaches package registries).
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")
# log_figure in tests; never try to open a display.
os.environ.setdefault("MPLBACKEND", "Agg")
# Synchronous logging so that every call's result is visible to the next read.
os.environ.setdefault("MLFLOW_ENABLE_ASYNC_LOGGING", "false")

import mlflow  # noqa: E402
import pytest  # noqa: E402
from mlflow import MlflowClient  # noqa: E402
from stores import backend_store_uri  # noqa: E402

REPO_ROOT = Path(os.environ.get("KEEL_REPO") or Path(__file__).resolve().parents[2]).resolve()
HEALTH_TIMEOUT_S = 30.0

_server_state: dict = {}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _health_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _tail(path: Path, max_chars: int = 6000) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "<no output>"
    text = text[-max_chars:]
    return text if text.strip() else "<empty>"


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    # The server runs in its own process group (start_new_session) so that anything it spawned
    # is stopped with it.
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def tracking_uri(tmp_path_factory):
    """URL of the server under test; also exported as MLFLOW_TRACKING_URI for the whole session."""
    external = os.environ.get("KEEL_COMPAT_URL")
    proc = None
    if external:
        url = external.rstrip("/")
        if not _health_ok(url):
            pytest.exit(f"KEEL_COMPAT_URL={url} does not answer GET /health with 200", returncode=1)
        _server_state.update(url=url, external=True)
    else:
        keel_js = REPO_ROOT / "packages" / "server" / "bin" / "keel.js"
        if not keel_js.exists():
            pytest.exit(
                f"{keel_js} not found: build the server first (npm run build), "
                "or set KEEL_COMPAT_URL to target a running server.",
                returncode=1,
            )
        node = os.environ.get("KEEL_NODE") or shutil.which("node")
        if not node:
            pytest.exit("`node` is not on PATH (set KEEL_NODE)", returncode=1)
        work = tmp_path_factory.mktemp("keel-server")
        artifacts = work / "artifacts"
        artifacts.mkdir()
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        cmd = [
            node,
            str(keel_js),
            "server",
            "--host", "127.0.0.1",
            "--port", str(port),
            "--backend-store-uri", backend_store_uri(work),
            "--artifacts-destination", str(artifacts),
        ]
        stdout_path, stderr_path = work / "server.stdout.log", work / "server.stderr.log"
        env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
        with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
            proc = subprocess.Popen(
                cmd,
                cwd=str(work),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                env=env,
                start_new_session=True,
            )
        _server_state.update(
            url=url, external=False, stdout=stdout_path, stderr=stderr_path, cmd=cmd, proc=proc
        )
        deadline = time.monotonic() + HEALTH_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                pytest.exit(
                    f"keel server exited with code {proc.returncode} before becoming healthy.\n"
                    f"command: {' '.join(cmd)}\n--- stderr ---\n{_tail(stderr_path)}\n"
                    f"--- stdout ---\n{_tail(stdout_path)}",
                    returncode=1,
                )
            if _health_ok(url):
                break
            if time.monotonic() > deadline:
                _stop(proc)
                pytest.exit(
                    f"keel server did not answer GET {url}/health with 200 within "
                    f"{HEALTH_TIMEOUT_S:.0f}s.\ncommand: {' '.join(cmd)}\n"
                    f"--- stderr ---\n{_tail(stderr_path)}\n--- stdout ---\n{_tail(stdout_path)}",
                    returncode=1,
                )
            time.sleep(0.1)

    previous = os.environ.get("MLFLOW_TRACKING_URI")
    os.environ["MLFLOW_TRACKING_URI"] = url
    mlflow.set_tracking_uri(url)
    try:
        yield url
    finally:
        if previous is None:
            os.environ.pop("MLFLOW_TRACKING_URI", None)
        else:
            os.environ["MLFLOW_TRACKING_URI"] = previous
        if proc is not None:
            _stop(proc)


@pytest.fixture(autouse=True)
def _server_and_clean_runs(tracking_uri):
    """Every test talks to the server; no test leaks an active run into the next one."""
    while mlflow.active_run():
        mlflow.end_run()
    yield
    while mlflow.active_run():
        mlflow.end_run()


@pytest.fixture
def client(tracking_uri) -> MlflowClient:
    return MlflowClient(tracking_uri=tracking_uri)


@pytest.fixture
def experiment_name(request) -> str:
    """A fresh experiment name, unique per test (and per session, for a reused server)."""
    base = re.sub(r"[^A-Za-z0-9_-]+", "-", request.node.name).strip("-")[:60]
    return f"compat-{base}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def model_name(request) -> str:
    """A fresh registered-model name, unique per test (and per session, for a reused server)."""
    base = re.sub(r"[^A-Za-z0-9_-]+", "-", request.node.name).strip("-")[:60]
    return f"compat-{base}-{uuid.uuid4().hex[:10]}"


# ---------------------------------------------------------------------------------------------
# keel_only: tests that require keel to be stricter than stock MLflow (security hardening where
# stock MLflow accepts something unsafe). They run against keel and are skipped against any other
# server, so the suite stays green against a stock `mlflow server`.
# ---------------------------------------------------------------------------------------------
def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "keel_only: keel is required to be stricter than stock MLflow here; skipped when the "
        "server under test is not keel",
    )


def is_keel_server() -> bool:
    """True when the server under test is keel: the one conftest started, KEEL_COMPAT_TARGET=keel,
    or an external server whose GET /openapi.json names itself keel (stock MLflow has no such
    route and answers 404)."""
    if _server_state.get("external") is False:
        return True
    if os.environ.get("KEEL_COMPAT_TARGET") == "keel":
        return True
    if "is_keel" not in _server_state:
        detected = False
        try:
            with urllib.request.urlopen(f"{_server_state['url']}/openapi.json", timeout=5) as resp:
                detected = json.loads(resp.read()).get("info", {}).get("title") == "keel"
        except (urllib.error.URLError, OSError, ValueError, AttributeError):
            detected = False
        _server_state["is_keel"] = detected
    return _server_state["is_keel"]


@pytest.fixture(autouse=True)
def _skip_keel_only_on_other_servers(request, tracking_uri):
    if "auth_server" in request.fixturenames:
        return  # an auth test: auth_helpers decides by the auth server under test
    if request.node.get_closest_marker("keel_only") and not is_keel_server():
        pytest.skip(f"keel_only: the server under test ({tracking_uri}) is not keel")


@pytest.fixture
def experiment_id(experiment_name) -> str:
    """Creates the fresh experiment through the fluent API, makes it active, returns its id."""
    exp = mlflow.set_experiment(experiment_name)
    return exp.experiment_id


# The auth tests' server (--app-name basic-auth) and their fixtures: auth_server, auth.
from auth_helpers import _skip_keel_only_on_other_auth_servers, auth, auth_server  # noqa: E402,F401


def pytest_report_header(config):
    url = os.environ.get("KEEL_COMPAT_URL")
    target = f"external server {url}" if url else f"keel server from {REPO_ROOT}"
    return [f"keel compat: mlflow {mlflow.__version__}, python {sys.version.split()[0]}, {target}"]


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if _server_state.get("external") is not False:
        return
    failed = terminalreporter.stats.get("failed") or terminalreporter.stats.get("error")
    tr = terminalreporter
    tr.section("keel server")
    tr.write_line(f"command: {' '.join(_server_state['cmd'])}")
    tr.write_line(f"logs: {_server_state['stderr']} , {_server_state['stdout']}")
    if failed:
        tr.write_line("--- server stderr (tail) ---")
        tr.write_line(_tail(_server_state["stderr"], 4000))
