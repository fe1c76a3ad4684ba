"""The seed's training script under authentication, as a user would run it: train.py and
register.py unchanged, with MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD exported, log a run
with its model and register it; the user then manages both. Without credentials the same script
fails at once with the server's 401; another user, who only has READ on the experiment, is refused
with 403."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from mlflow.entities import RunStatus

from auth_helpers import CREDENTIAL_VARS, Credentials

REPO_ROOT = Path(os.environ.get("KEEL_REPO") or Path(__file__).resolve().parents[2])
SEED = REPO_ROOT / "python" / "seed"
EXPERIMENT = "iris-classifier"  # hard-coded in train.py and register.py
MODEL_NAME = "iris-classifier"  # hard-coded in register.py


def _run(script: Path, url: str, cwd: Path, creds: Credentials | None, *args: str):
    env = {k: v for k, v in os.environ.items() if k not in CREDENTIAL_VARS}
    env["MLFLOW_TRACKING_URI"] = url
    if creds is not None:
        env.update(MLFLOW_TRACKING_USERNAME=creds.username, MLFLOW_TRACKING_PASSWORD=creds.password)
    cmd = [sys.executable, str(script), *args]
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    return proc, f"{' '.join(cmd)} exited with {proc.returncode}\n--- stdout ---\n{proc.stdout}\n" \
                 f"--- stderr ---\n{proc.stderr}"


def test_seed_train_and_register_with_credentials(auth, tmp_path):
    alice = auth.new_user("trainer")
    client = auth.client
    with auth.as_admin():
        # On a reused server an earlier session's user owns these names: hand them over.
        experiment = client.get_experiment_by_name(EXPERIMENT)
        if experiment is not None:
            auth.users.grant_user_permission(alice.username, "experiment",
                                             experiment.experiment_id, "MANAGE")
        if client.search_registered_models(f"name = '{MODEL_NAME}'"):
            auth.users.grant_user_permission(alice.username, "registered_model", MODEL_NAME, "MANAGE")
        versions_before = {int(v.version) for v in client.search_model_versions(f"name = '{MODEL_NAME}'")}

    # Without credentials: the first call is refused, the script stops with the server's 401.
    proc, detail = _run(SEED / "train.py", auth.url, tmp_path, None)
    assert proc.returncode != 0, detail
    # The client's exception names the refusal: "... 401 ... You are not authenticated" (MLflow's
    # text body) or "UNAUTHENTICATED: You are not authenticated: send ..." (keel's JSON body).
    assert "mlflow.exceptions." in proc.stderr, detail
    assert "not authenticated" in proc.stderr.lower(), detail
    assert "Accuracy:" not in proc.stdout, detail

    proc, detail = _run(SEED / "train.py", auth.url, tmp_path, alice, "--n-estimators", "20")
    assert proc.returncode == 0, detail
    assert "Accuracy:" in proc.stdout, detail

    with auth.as_user(alice):
        experiment = client.get_experiment_by_name(EXPERIMENT)
        runs = client.search_runs(
            [experiment.experiment_id], filter_string="params.n_estimators = '20'",
            order_by=["attributes.start_time DESC"], max_results=1,
        )
        assert len(runs) == 1
        run = runs[0]
        assert run.info.status == RunStatus.to_string(RunStatus.FINISHED)
        assert set(run.data.metrics) >= {"accuracy", "f1_score"}
        models = client.search_logged_models(
            experiment_ids=[experiment.experiment_id],
            filter_string=f"source_run_id = '{run.info.run_id}'",
        )
        assert [m.name for m in models] == ["model"]
    assert auth.permission(alice, "experiment", experiment.experiment_id) == "MANAGE"

    # register.py registers the best run's model; alice manages the registered model.
    proc, detail = _run(SEED / "register.py", auth.url, tmp_path, alice)
    assert proc.returncode == 0, detail
    assert f"Model registered as '{MODEL_NAME}'" in proc.stdout.splitlines(), detail
    with auth.as_user(alice):
        versions = client.search_model_versions(f"name = '{MODEL_NAME}'")
        new = [v for v in versions if int(v.version) not in versions_before]
        assert len(new) == 1, versions
        assert new[0].status == "READY"
    assert auth.permission(alice, "registered_model", MODEL_NAME) == "MANAGE"

    # Another user has only the default READ on alice's experiment: train.py is refused (403).
    with auth.as_user(alice):
        runs_before = len(client.search_runs([experiment.experiment_id], max_results=1000))
    bob = auth.new_user("intruder")
    proc, detail = _run(SEED / "train.py", auth.url, tmp_path, bob)
    assert proc.returncode != 0, detail
    assert "mlflow.exceptions." in proc.stderr, detail
    assert "403" in proc.stderr or "PERMISSION_DENIED" in proc.stderr, detail
    assert "permission denied" in proc.stderr.lower(), detail
    assert "Accuracy:" not in proc.stdout, detail
    with auth.as_user(alice):
        assert len(client.search_runs([experiment.experiment_id], max_results=1000)) == runs_before
