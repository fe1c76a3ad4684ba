"""The seed's end-to-end workflow (shared/seed/mlops-fundamentals.md, "Your First MLOps Pipeline"):
train.py run three times as a user would, then "find best run" with MlflowClient as in register.py,
then load the best run's model and predict. Everything goes through the server under test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import mlflow
import mlflow.artifacts
import mlflow.sklearn
import yaml
from mlflow.entities import LoggedModelStatus, RunStatus

REPO_ROOT = Path(os.environ.get("KEEL_REPO") or Path(__file__).resolve().parents[2])
TRAIN_PY = REPO_ROOT / "python" / "seed" / "train.py"
EXPERIMENT = "iris-classifier"  # hard-coded in train.py
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


def test_seed_train_three_runs_then_pick_best_and_load_model(tracking_uri, client, tmp_path):
    existing = client.get_experiment_by_name(EXPERIMENT)
    before = (
        {r.info.run_id for r in client.search_runs([existing.experiment_id], max_results=50000)}
        if existing
        else set()
    )

    for n_estimators, max_depth in CONFIGS:
        _run_train(tracking_uri, tmp_path, n_estimators, max_depth)

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
