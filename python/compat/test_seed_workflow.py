"""The seed's end-to-end workflow (shared/seed/mlops-fundamentals.md, "Your First MLOps Pipeline"):
train.py run three times as a user would (once per module, shared by the tests below), then
* "find best run" with MlflowClient as in register.py, load the best run's model and predict;
* register.py and predict.py themselves, unchanged, then the registry read back with the client.
Everything goes through the server under test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import mlflow
import mlflow.artifacts
import mlflow.sklearn
import pytest
import yaml
from mlflow import MlflowClient
from mlflow.entities import LoggedModelStatus, RunStatus

REPO_ROOT = Path(os.environ.get("KEEL_REPO") or Path(__file__).resolve().parents[2])
SEED = REPO_ROOT / "python" / "seed"
TRAIN_PY = SEED / "train.py"
REGISTER_PY = SEED / "register.py"
PREDICT_PY = SEED / "predict.py"
EXPERIMENT = "iris-classifier"  # hard-coded in train.py and register.py
MODEL_NAME = "iris-classifier"  # hard-coded in register.py and predict.py
CONFIGS = [(50, 3), (100, 5), (200, 10)]
SETOSA = [[5.1, 3.5, 1.4, 0.2]]


def _run_train(tracking_uri: str, cwd: Path, n_estimators: int, max_depth: int) -> None:
    env = dict(os.environ, MLFLOW_TRACKING_URI=tracking_uri)
    cmd = [
        sys.executable,
        str(TRAIN_PY),
        "--n-estimators", str(n_estimators),
        "--max-depth", str(max_depth),
    ]
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, (
        f"{' '.join(cmd)} exited with {proc.returncode}\n"
        f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"
    )
    assert "Accuracy:" in proc.stdout, proc.stdout


def _run_script(script: Path, tracking_uri: str, cwd: Path) -> str:
    """Runs a seed script unchanged, as a user would (`python register.py`); returns its stdout."""
    env = dict(os.environ, MLFLOW_TRACKING_URI=tracking_uri)
    proc = subprocess.run(
        [sys.executable, str(script)], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, (
        f"{script.name} exited with {proc.returncode}\n"
        f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"
    )
    return proc.stdout


@pytest.fixture(scope="module")
def seed_runs(tracking_uri, tmp_path_factory) -> set[str]:
    """Runs train.py three times (CONFIGS); returns the ids of the experiment's runs from before,
    so that a reused server's earlier runs can be told apart."""
    client = MlflowClient(tracking_uri=tracking_uri)
    existing = client.get_experiment_by_name(EXPERIMENT)
    before = (
        {r.info.run_id for r in client.search_runs([existing.experiment_id], max_results=50000)}
        if existing
        else set()
    )
    cwd = tmp_path_factory.mktemp("seed-train")
    for n_estimators, max_depth in CONFIGS:
        _run_train(tracking_uri, cwd, n_estimators, max_depth)
    return before


def _expected_best_run(client: MlflowClient, experiment_id: str):
    """What `search_runs(order_by=["metrics.accuracy DESC"], max_results=1)` must return, computed
    from all the experiment's runs: the highest accuracy; ties (iris is easy, several configs
    usually reach 1.0) broken by MLflow's implicit order, start_time DESC, then run_id ASC."""
    candidates = [
        r
        for r in client.search_runs([experiment_id], max_results=50000)
        if "accuracy" in r.data.metrics
    ]
    assert candidates
    return sorted(
        candidates,
        key=lambda r: (-r.data.metrics["accuracy"], -r.info.start_time, r.info.run_id),
    )[0]


def test_seed_train_three_runs_then_pick_best_and_load_model(seed_runs, client, tmp_path):
    before = seed_runs

    # --- register.py: find the best run ---------------------------------------------------------
    experiment = client.get_experiment_by_name(EXPERIMENT)
    assert experiment is not None
    assert experiment.name == EXPERIMENT
    assert experiment.lifecycle_stage == "active"

    all_runs = client.search_runs([experiment.experiment_id], max_results=50000)
    ours = [r for r in all_runs if r.info.run_id not in before]
    assert len(ours) == 3, [r.info.run_id for r in ours]
    by_params = {(r.data.params["n_estimators"], r.data.params["max_depth"]): r for r in ours}
    assert set(by_params) == {(str(n), str(d)) for n, d in CONFIGS}
    for r in ours:
        assert r.info.status == RunStatus.to_string(RunStatus.FINISHED)
        assert r.info.end_time is not None and r.info.end_time >= r.info.start_time
        assert r.data.params["random_state"] == "42"
        assert set(r.data.metrics) >= {"accuracy", "f1_score"}
        assert 0.0 <= r.data.metrics["accuracy"] <= 1.0
        assert 0.0 <= r.data.metrics["f1_score"] <= 1.0

    runs = client.search_runs(
        experiment_ids=[experiment.experiment_id],
        order_by=["metrics.accuracy DESC"],
        max_results=1,
    )
    assert len(runs) == 1
    best_run = runs[0]

    # Expected: the highest accuracy of the three (computed, not hard-coded). Ties (iris is easy,
    # several configs usually reach 1.0) are broken by MLflow's implicit order: start_time DESC,
    # then run_id ASC. On a reused server, earlier sessions' runs of this experiment take part too.
    candidates = [r for r in all_runs if "accuracy" in r.data.metrics]
    best_of_three = max(r.data.metrics["accuracy"] for r in ours)
    expected = sorted(
        candidates,
        key=lambda r: (-r.data.metrics["accuracy"], -r.info.start_time, r.info.run_id),
    )[0]
    assert best_run.data.metrics["accuracy"] == max(r.data.metrics["accuracy"] for r in candidates)
    if not before:
        assert best_run.data.metrics["accuracy"] == best_of_three
    assert best_run.info.run_id == expected.info.run_id

    # The best run carries its params and both metrics.
    assert set(best_run.data.params) >= {"n_estimators", "max_depth", "random_state"}
    assert best_run.data.metrics["accuracy"] == expected.data.metrics["accuracy"]
    assert best_run.data.metrics["f1_score"] == expected.data.metrics["f1_score"]

    # --- the logged model of the best run ------------------------------------------------------
    models = client.search_logged_models(
        experiment_ids=[experiment.experiment_id],
        filter_string=f"source_run_id = '{best_run.info.run_id}'",
    )
    assert len(models) == 1, models
    model = models[0]
    assert model.name == "model"
    assert model.source_run_id == best_run.info.run_id
    assert model.status == LoggedModelStatus.READY
    assert model.model_id.startswith("m-")
    # The fluent search API sees it too.
    fluent = mlflow.search_logged_models(
        experiment_ids=[experiment.experiment_id],
        filter_string=f"source_run_id = '{best_run.info.run_id}'",
        output_format="list",
    )
    assert [m.model_id for m in fluent] == [model.model_id]
    # The run records the model as an output.
    outputs = client.get_run(best_run.info.run_id).outputs
    assert model.model_id in [o.model_id for o in outputs.model_outputs]

    local = Path(
        mlflow.artifacts.download_artifacts(
            artifact_uri=model.artifact_location, dst_path=str(tmp_path / "model")
        )
    )
    files = {p.name for p in local.iterdir()}
    assert "MLmodel" in files, files
    mlmodel = yaml.safe_load((local / "MLmodel").read_text())
    assert mlmodel["model_id"] == model.model_id
    assert mlmodel["run_id"] == best_run.info.run_id
    # The serialized estimator. mlflow 3.17 writes it with skops ("model.skops"); with the pickle
    # formats (the seed docs' "model.pkl") the flavor names that file instead.
    data_file = mlmodel["flavors"]["sklearn"]["pickled_model"]
    assert data_file in files, (data_file, files)
    assert (local / data_file).stat().st_size > 0

    for uri in (f"models:/{model.model_id}", f"runs:/{best_run.info.run_id}/model"):
        loaded = mlflow.sklearn.load_model(uri)
        prediction = loaded.predict(SETOSA)
        assert int(prediction[0]) == 0, (uri, prediction)


@pytest.mark.filterwarnings("ignore:.*is deprecated since 2.9.0.*:FutureWarning")
def test_seed_register_and_predict_scripts(seed_runs, tracking_uri, client, tmp_path):
    """register.py and predict.py (Steps 3 and 4), unchanged, after the three training runs. The
    model name is fixed by the scripts, so on a reused server earlier versions may exist: the test
    counts them before and after."""
    versions_before = client.search_model_versions(f"name = '{MODEL_NAME}'")
    numbers_before = {int(v.version) for v in versions_before}

    out = _run_script(REGISTER_PY, tracking_uri, tmp_path)

    experiment = client.get_experiment_by_name(EXPERIMENT)
    expected = _expected_best_run(client, experiment.experiment_id)
    best_id = expected.info.run_id
    lines = out.splitlines()
    assert f"Best run: {best_id}" in lines, out
    assert f"Accuracy: {expected.data.metrics['accuracy']:.4f}" in lines, out
    assert f"Model registered as '{MODEL_NAME}'" in lines, out
    if not seed_runs:
        # A fresh server: the best run is one of the three just trained.
        assert best_id not in seed_runs

    # --- exactly one new version, pointing at the best run's logged model ----------------------
    versions_after = client.search_model_versions(f"name = '{MODEL_NAME}'")
    new = [v for v in versions_after if int(v.version) not in numbers_before]
    assert len(versions_after) == len(versions_before) + 1, (versions_before, versions_after)
    assert len(new) == 1, new
    version = new[0]
    assert int(version.version) == max(numbers_before, default=0) + 1
    assert version.name == MODEL_NAME
    assert version.status == "READY"  # created synchronously; the client never had to poll
    assert version.current_stage == "None"
    assert version.run_id == best_id

    logged = client.search_logged_models(
        experiment_ids=[experiment.experiment_id], filter_string=f"source_run_id = '{best_id}'"
    )
    assert len(logged) == 1, logged
    model = logged[0]
    # In MLflow 3 the run has no artifacts under "model" (the model lives under the logged model),
    # so register_model falls back to the logged model: source "models:/<model_id>".
    assert version.source == f"models:/{model.model_id}"
    fetched = client.get_model_version(MODEL_NAME, version.version)
    assert (fetched.version, fetched.source, fetched.run_id, fetched.status) == (
        version.version, version.source, version.run_id, version.status
    )
    assert client.get_model_version_download_uri(MODEL_NAME, version.version) == (
        model.artifact_location
    )
    registered = client.get_registered_model(MODEL_NAME)
    assert registered.name == MODEL_NAME
    assert [v.version for v in registered.latest_versions if v.current_stage == "None"] == [
        version.version
    ]

    # --- predict.py loads models:/iris-classifier/latest ----------------------------------------
    out = _run_script(PREDICT_PY, tracking_uri, tmp_path)
    assert "Prediction: 0 (0=setosa, 1=versicolor, 2=virginica)" in out.splitlines(), out

    # "latest" is the newest version: the one just registered.
    latest = client.get_latest_versions(MODEL_NAME)
    assert max(int(v.version) for v in latest) == int(version.version)
    local = Path(
        mlflow.artifacts.download_artifacts(
            artifact_uri=f"models:/{MODEL_NAME}/latest", dst_path=str(tmp_path / "latest")
        )
    )
    mlmodel = yaml.safe_load((local / "MLmodel").read_text())
    assert mlmodel["model_id"] == model.model_id
    assert mlmodel["run_id"] == best_id
    loaded = mlflow.sklearn.load_model(f"models:/{MODEL_NAME}/latest")
    assert int(loaded.predict(SETOSA)[0]) == 0
