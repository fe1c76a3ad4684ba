"""@keel/sdk against a stock `mlflow server`: the TypeScript SDK talks to any server speaking
MLflow's REST API, not only keel. The SDK's workflow runs as a Node script (sdk_workflow.mjs);
MLflow's own client then reads back what it wrote."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import mlflow.artifacts
import pytest
import yaml
from mlflow import MlflowClient

from conftest import REPO_ROOT, _free_port

SCRIPT = Path(__file__).with_name("sdk_workflow.mjs")


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory):
    data = tmp_path_factory.mktemp("mlflow-server")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(data / "server.log", "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port),
         "--backend-store-uri", f"sqlite:///{data / 'mlflow.db'}",
         "--artifacts-destination", str(data / "artifacts"), "--workers", "1"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.time() + 180  # the first start runs MLflow's migrations
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"mlflow server exited with {proc.returncode}:\n{(data / 'server.log').read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as res:
                    if res.status == 200:
                        break
            except OSError:
                pass
            if time.time() > deadline:
                pytest.fail(f"mlflow server did not become healthy:\n{(data / 'server.log').read_text()[-3000:]}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def test_sdk_workflow_against_stock_mlflow(mlflow_server, tmp_path):
    node = shutil.which("node")
    assert node, "node is needed to run the SDK"
    name = f"sdk-on-mlflow-{uuid.uuid4().hex[:8]}"
    done = subprocess.run([node, str(SCRIPT), mlflow_server, name], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)

    client = MlflowClient(tracking_uri=mlflow_server)
    run = client.get_run(out["runId"])
    assert run.info.status == "FINISHED"
    assert run.info.run_name == "sdk-on-mlflow"
    assert run.data.params == {"n_estimators": "100", "max_depth": "5"}
    assert run.data.metrics["accuracy"] == 0.95
    assert run.data.tags["team"] == "ml"
    assert run.data.tags["mlflow.source.type"] == "LOCAL"
    assert "keel.runtime.node" in run.data.tags
    history = client.get_metric_history(out["runId"], "loss")
    assert [m.step for m in history] == list(range(1500))
    assert out["historyLength"] == 1500
    assert out["best"] == [out["runId"]]
    assert "labels.json" in out["artifacts"]
    assert [f.path for f in client.list_artifacts(out["runId"])] == ["labels.json"]
    assert client.get_run(out["failedRunId"]).info.status == "FAILED"

    # The model logged by the SDK (MLflow 3's logged model), registered, aliased and loaded back.
    assert out["flavor"] == "keel"
    assert out["predictions"] == [0, 2]
    version = client.get_model_version(out["modelName"], out["version"])
    assert version.run_id == out["runId"]
    assert version.source == f"runs:/{out['runId']}/model"
    assert client.get_model_version_by_alias(out["modelName"], "champion").version == out["version"]
    logged = client.search_logged_models(experiment_ids=[run.info.experiment_id], filter_string="name = 'model'")
    assert [m.source_run_id for m in logged] == [out["runId"]]
    mlmodel = mlflow.artifacts.download_artifacts(
        artifact_uri=f"{logged[0].artifact_location}/MLmodel", tracking_uri=mlflow_server, dst_path=str(tmp_path)
    )
    assert "keel" in yaml.safe_load(Path(mlmodel).read_text())["flavors"]
