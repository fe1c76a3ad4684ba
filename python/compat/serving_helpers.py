"""Helpers for the pyfunc serving tests (test_pyfunc_serving.py): `keel models serve` as a user runs
it (the built CLI, its URL read from its banner), the requests of both protocols, and the
comparison of keel's answers with MLflow's own predictions.

The served models' Python workers run with ``--env-manager local`` in this interpreter
(``KEEL_PYTHON`` = ``sys.executable``, the suite's venv, which has mlflow and the model libraries).
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import requests
from mlflow.pyfunc.scoring_server import predictions_to_json

from conftest import REPO_ROOT, _stop, _tail

KEEL_JS = REPO_ROOT / "packages" / "server" / "bin" / "keel.js"
# Loading a model in a fresh Python worker imports mlflow and the model's library: seconds, more
# on a loaded machine. The banner is printed once the model is loaded.
READY_TIMEOUT_S = 180.0
REQUEST_TIMEOUT_S = 60.0
BANNER = re.compile(r"Serving (\S+) on (http://\S+) with \d+ workers?\n")


class ModelServer:
    """One `keel models serve` process (one Node worker), and the name and URL its banner printed."""

    def __init__(self, proc: subprocess.Popen, name: str, url: str, log: Path, cmd: list[str]):
        self.proc, self.name, self.url, self.log, self.cmd = proc, name, url, log, cmd

    def stop(self) -> None:
        _stop(self.proc)


def start_model_server(model_uri: str, tracking_uri: str, work: Path, deployment: Path | None = None) -> ModelServer:
    """Starts `keel models serve -m MODEL_URI --port 0 --env-manager local --workers 1
    --python-workers 1` (one Node process, one Python worker: light on a small machine), or the
    variants of a `deployment` file instead of MODEL_URI, and waits
    for its banner (polling the log it writes; a process that ends first fails with its output)."""
    node = os.environ.get("KEEL_NODE") or shutil.which("node")
    assert node, "node is needed to run keel (set KEEL_NODE)"
    assert KEEL_JS.exists(), f"{KEEL_JS} not found: build keel first (npm run build)"
    cmd = [
        node, str(KEEL_JS), "models", "serve",
        *(["--deployment", str(deployment)] if deployment is not None else ["-m", model_uri]),
        "--port", "0",
        "--env-manager", "local",
        "--workers", "1",
        "--python-workers", "1",
        "--tracking-uri", tracking_uri,
    ]
    log = work / "serve.log"
    env = dict(os.environ, KEEL_PYTHON=sys.executable, NO_COLOR="1", MLFLOW_TRACKING_URI=tracking_uri)
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            cmd, cwd=str(work), stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            env=env, start_new_session=True,
        )
    deadline = time.monotonic() + READY_TIMEOUT_S
    while True:
        found = BANNER.search(log.read_text(errors="replace"))
        if found:
            return ModelServer(proc, found.group(1), found.group(2), log, cmd)
        if proc.poll() is not None:
            pytest.fail(
                f"keel models serve exited with code {proc.returncode} before serving.\n"
                f"command: {' '.join(cmd)}\n--- output ---\n{_tail(log)}"
            )
        if time.monotonic() > deadline:
            _stop(proc)
            pytest.fail(
                f"keel models serve printed no banner within {READY_TIMEOUT_S:.0f}s.\n"
                f"command: {' '.join(cmd)}\n--- output ---\n{_tail(log)}"
            )
        time.sleep(0.2)


# --- requests -----------------------------------------------------------------------------------


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def jsonable_rows(frame: pd.DataFrame) -> list[list]:
    """The frame's rows as JSON values (numpy scalars as Python ones)."""
    return [[_plain(v) for v in row] for row in frame.itertuples(index=False)]


def jsonable_columns(frame: pd.DataFrame) -> dict[str, list]:
    """The frame's columns as JSON values, by name."""
    return {c: [_plain(v) for v in frame[c].tolist()] for c in frame.columns}


def post(server: ModelServer, path: str, body: str, content_type: str = "application/json") -> requests.Response:
    return requests.post(
        f"{server.url}{path}", data=body.encode("utf-8"), headers={"Content-Type": content_type},
        timeout=REQUEST_TIMEOUT_S,
    )


def answer(response: requests.Response, what: str) -> dict:
    """The JSON body of a 200, or a failure naming the request and the answer."""
    assert response.status_code == 200, f"{what}: HTTP {response.status_code}: {response.text[:3000]}"
    return response.json()


def v2_tensor(name: str, values: list, shape: list[int]) -> dict:
    """An Open Inference Protocol input tensor; its datatype from the (flat) values."""
    if all(isinstance(v, bool) for v in values):
        datatype = "BOOL"
    elif all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        datatype = "INT64"
    elif all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        datatype = "FP64"
    else:
        datatype = "BYTES"
    return {"name": name, "shape": shape, "datatype": datatype, "data": values}


def v2_predictions(body: dict) -> list:
    """An /infer answer as MLflow's `predictions`: the `predict` output's rows (its data reshaped by
    its shape), or, when the answer has one output per column of a DataFrame, that DataFrame's
    records (MLflow's JSON form of a DataFrame)."""
    outputs = body.get("outputs")
    assert isinstance(outputs, list) and outputs, f"no outputs in {body}"

    def rows(output: dict) -> list:
        shape, data = output["shape"], output["data"]
        width = math.prod(shape[1:])
        assert isinstance(data, list) and len(data) == shape[0] * width, f"data does not fit its shape: {output}"
        if width == 1 and (len(shape) == 1 or len(outputs) > 1):  # [n], or a DataFrame column as [n, 1]
            return list(data)
        return [data[i * width : (i + 1) * width] for i in range(shape[0])]

    if len(outputs) == 1 and outputs[0]["name"] == "predict":
        return rows(outputs[0])
    columns = {o["name"]: rows(o) for o in outputs}
    n = {len(v) for v in columns.values()}
    assert len(n) == 1, f"outputs of different lengths: {body}"
    return [{name: values[i] for name, values in columns.items()} for i in range(n.pop())]


# --- what MLflow answers --------------------------------------------------------------------------


def mlflow_predictions(model, data) -> list:
    """`{"predictions": ...}` as MLflow's scoring server writes it (predictions_to_json), parsed."""
    out = io.StringIO()
    predictions_to_json(model.predict(data), out)
    return json.loads(out.getvalue())["predictions"]


def assert_same_predictions(got, expected, where: str = "predictions") -> None:
    """Exact equality (values and JSON types) for labels, strings, integers and booleans; floats
    within 1e-12 (relative and absolute)."""
    if isinstance(expected, float):
        assert isinstance(got, (int, float)) and not isinstance(got, bool), f"{where}: {got!r} != {expected!r}"
        assert math.isclose(got, expected, rel_tol=1e-12, abs_tol=1e-12), f"{where}: {got!r} != {expected!r}"
    elif isinstance(expected, list):
        assert isinstance(got, list), f"{where}: {got!r} is not a list like {expected!r}"[:2000]
        assert len(got) == len(expected), f"{where}: {len(got)} values, expected {len(expected)}"
        for i, (g, e) in enumerate(zip(got, expected)):
            assert_same_predictions(g, e, f"{where}[{i}]")
    elif isinstance(expected, dict):
        assert isinstance(got, dict) and list(got) == list(expected), f"{where}: {got!r} != {expected!r}"
        for k, e in expected.items():
            assert_same_predictions(got[k], e, f"{where}[{k!r}]")
    else:
        assert type(got) is type(expected) and got == expected, f"{where}: {got!r} != {expected!r}"


def keel_cli(args: list[str], tracking_uri: str, work: Path, timeout: float = 300) -> str:
    """Runs the built keel CLI (`keel ARGS --tracking-uri URI`) with the venv's Python as KEEL_PYTHON;
    returns its stdout, failing the test with its output when it fails."""
    node = os.environ.get("KEEL_NODE") or shutil.which("node")
    assert node, "node is needed to run keel (set KEEL_NODE)"
    cmd = [node, str(KEEL_JS), *args, "--tracking-uri", tracking_uri]
    env = dict(os.environ, KEEL_PYTHON=sys.executable, NO_COLOR="1")
    done = subprocess.run(cmd, cwd=str(work), env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        pytest.fail(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout
