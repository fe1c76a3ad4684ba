"""Tracking-client capabilities, one test each. Every test reads back through the server what it
wrote through the stock MLflow client: a call that merely does not raise proves nothing."""

from __future__ import annotations

import json
import math
import os
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import mlflow  # noqa: E402
import mlflow.artifacts  # noqa: E402
import mlflow.data  # noqa: E402
import mlflow.pyfunc  # noqa: E402
import mlflow.sklearn  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import yaml  # noqa: E402
from mlflow.entities import LoggedModelStatus, Metric, Param, RunStatus, RunTag, ViewType  # noqa: E402
from mlflow.exceptions import MlflowException  # noqa: E402
from PIL import Image  # noqa: E402
from sklearn.datasets import load_iris  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

FINISHED = RunStatus.to_string(RunStatus.FINISHED)
FAILED = RunStatus.to_string(RunStatus.FAILED)
KILLED = RunStatus.to_string(RunStatus.KILLED)
RUNNING = RunStatus.to_string(RunStatus.RUNNING)


def _tree(root: Path) -> dict[str, bytes]:
    """relative posix path -> bytes for every file under root."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def _iris_model():
    iris = load_iris()
    return LogisticRegression(max_iter=300).fit(iris.data, iris.target), iris


# --------------------------------------------------------------------------------------------
# Experiments and runs
# --------------------------------------------------------------------------------------------


def test_set_experiment(client, experiment_name):
    assert client.get_experiment_by_name(experiment_name) is None

    exp = mlflow.set_experiment(experiment_name)  # creates it
    assert exp.name == experiment_name
    assert exp.lifecycle_stage == "active"
    assert exp.experiment_id not in ("", "0")

    fetched = client.get_experiment_by_name(experiment_name)
    assert fetched is not None
    assert fetched.experiment_id == exp.experiment_id
    assert fetched.name == experiment_name
    assert fetched.artifact_location.startswith("mlflow-artifacts:/")
    assert fetched.creation_time and fetched.last_update_time
    assert client.get_experiment(exp.experiment_id).name == experiment_name

    # Setting it again finds the existing one (get-by-name), by name and by id.
    assert mlflow.set_experiment(experiment_name).experiment_id == exp.experiment_id
    assert mlflow.set_experiment(experiment_id=exp.experiment_id).name == experiment_name
    # Runs started now land in it.
    with mlflow.start_run() as run:
        pass
    assert client.get_run(run.info.run_id).info.experiment_id == exp.experiment_id

    # The Default experiment exists on a fresh server.
    default = client.get_experiment("0")
    assert default.name == "Default"


def test_start_run_and_nested_runs(client, experiment_id):
    with mlflow.start_run(run_name="parent-run", tags={"stage": "outer"}) as parent:
        pid = parent.info.run_id
        assert len(pid) == 32 and all(c in "0123456789abcdef" for c in pid)
        live = client.get_run(pid)
        assert live.info.status == RUNNING
        assert live.info.end_time is None
        assert live.info.run_name == "parent-run"
        assert live.info.experiment_id == experiment_id
        assert live.info.lifecycle_stage == "active"
        assert live.info.artifact_uri.startswith("mlflow-artifacts:/")
        assert pid in live.info.artifact_uri
        assert live.data.tags["stage"] == "outer"
        assert live.data.tags["mlflow.runName"] == "parent-run"
        assert live.data.tags.get("mlflow.user")
        assert live.info.user_id == live.data.tags["mlflow.user"]

        with mlflow.start_run(run_name="child-run", nested=True) as child:
            cid = child.info.run_id
            with mlflow.start_run(run_name="grandchild-run", nested=True) as grandchild:
                gid = grandchild.info.run_id
        assert mlflow.active_run().info.run_id == pid

    child_run = client.get_run(cid)
    assert child_run.data.tags["mlflow.parentRunId"] == pid
    assert child_run.info.run_name == "child-run"
    assert child_run.info.status == FINISHED
    assert client.get_run(gid).data.tags["mlflow.parentRunId"] == cid
    assert "mlflow.parentRunId" not in client.get_run(pid).data.tags

    children = client.search_runs([experiment_id], f"tags.mlflow.parentRunId = '{pid}'")
    assert [r.info.run_id for r in children] == [cid]

    # A run without a name gets one from the server (tag and attribute agree).
    with mlflow.start_run() as unnamed:
        pass
    info = client.get_run(unnamed.info.run_id)
    assert info.info.run_name
    assert info.data.tags["mlflow.runName"] == info.info.run_name


def test_log_param_and_log_params(client, experiment_id):
    long_value = "v" * 5000
    with mlflow.start_run() as run:
        mlflow.log_param("alpha", 0.5)
        mlflow.log_param("layers", [64, 32])
        mlflow.log_params({"lr": 1e-3, "optimizer": "adam", "use_bn": True, "long": long_value})
        mlflow.log_params({"unicode": "héllo wörld ✓", "empty": ""})
    params = client.get_run(run.info.run_id).data.params
    assert params == {
        "alpha": "0.5",
        "layers": "[64, 32]",
        "lr": "0.001",
        "optimizer": "adam",
        "use_bn": "True",
        "long": long_value,
        "unicode": "héllo wörld ✓",
        "empty": "",
    }


def test_log_metric_and_log_metrics_with_steps(client, experiment_id):
    losses = [1.0 / (s + 1) for s in range(10)]
    with mlflow.start_run() as run:
        for step, value in enumerate(losses):
            mlflow.log_metric("loss", value, step=step)
        for step in range(3):
            mlflow.log_metrics({"acc": 0.5 + step / 10, "f1": 0.25 * step}, step=step)
        mlflow.log_metric("no_step", 7.5)
        # A later log with a smaller step does not become the run's latest value.
        mlflow.log_metric("late", 10.0, step=10)
        mlflow.log_metric("late", 2.0, step=2)
    rid = run.info.run_id

    history = client.get_metric_history(rid, "loss")
    assert [m.step for m in history] == list(range(10))
    assert [m.value for m in history] == pytest.approx(losses)
    assert all(m.key == "loss" for m in history)
    assert all(m.timestamp > 0 for m in history)
    timestamps = [m.timestamp for m in history]
    assert timestamps == sorted(timestamps)

    acc = client.get_metric_history(rid, "acc")
    assert [(m.step, m.value) for m in acc] == [(0, 0.5), (1, 0.6), (2, 0.7)]
    assert [m.value for m in client.get_metric_history(rid, "f1")] == [0.0, 0.25, 0.5]
    no_step = client.get_metric_history(rid, "no_step")
    assert [(m.step, m.value) for m in no_step] == [(0, 7.5)]
    assert client.get_metric_history(rid, "never-logged") == []

    metrics = client.get_run(rid).data.metrics
    assert metrics["loss"] == pytest.approx(losses[-1])
    assert metrics["acc"] == pytest.approx(0.7)
    assert metrics["f1"] == 0.5
    assert metrics["no_step"] == 7.5
    assert metrics["late"] == 10.0
    assert sorted((m.step, m.value) for m in client.get_metric_history(rid, "late")) == [
        (2, 2.0),
        (10, 10.0),
    ]


def test_log_batch_including_more_than_1000_metrics(client, experiment_id):
    run = client.create_run(experiment_id)
    rid = run.info.run_id
    ts = int(time.time() * 1000)
    n_big = 2500  # the client splits these into requests of at most 1000 entities
    metrics = [Metric("big", float(i), ts + i, i) for i in range(n_big)]
    metrics += [Metric("small", 0.5, ts, 0)]
    params = [Param(f"p{i:03d}", str(i)) for i in range(150)]  # > 100 params per request
    tags = [RunTag(f"t{i:03d}", f"value-{i}") for i in range(120)]  # > 100 tags per request
    client.log_batch(rid, metrics=metrics, params=params, tags=tags)
    client.set_terminated(rid)

    data = client.get_run(rid).data
    assert {k: v for k, v in data.params.items()} == {f"p{i:03d}": str(i) for i in range(150)}
    for i in range(120):
        assert data.tags[f"t{i:03d}"] == f"value-{i}"
    assert data.metrics["big"] == float(n_big - 1)
    assert data.metrics["small"] == 0.5

    history = client.get_metric_history(rid, "big")
    assert len(history) == n_big
    assert [m.step for m in history] == list(range(n_big))
    assert [m.value for m in history] == [float(i) for i in range(n_big)]
    assert [m.timestamp for m in history] == [ts + i for i in range(n_big)]

    # Through the fluent API as well (log_metrics/log_params/set_tags all use log-batch).
    with mlflow.start_run() as fluent_run:
        mlflow.log_metrics({f"m{i}": float(i) for i in range(1200)}, step=3)
    fluent_metrics = client.get_run(fluent_run.info.run_id).data.metrics
    assert len(fluent_metrics) == 1200
    assert fluent_metrics["m1199"] == 1199.0


def test_set_tag_set_tags_delete_tag(client, experiment_id):
    with mlflow.start_run() as run:
        mlflow.set_tag("team", "vision")
        mlflow.set_tags({"priority": 1, "owner": "ana", "note": "x" * 4000})
        mlflow.set_tag("team", "nlp")  # tags, unlike params, can be overwritten
    rid = run.info.run_id
    tags = client.get_run(rid).data.tags
    assert tags["team"] == "nlp"
    assert tags["priority"] == "1"
    assert tags["owner"] == "ana"
    assert tags["note"] == "x" * 4000

    client.set_tag(rid, "client.tag", "set-later")
    client.delete_tag(rid, "owner")
    tags = client.get_run(rid).data.tags
    assert "owner" not in tags
    assert tags["client.tag"] == "set-later"
    assert tags["team"] == "nlp"
    # system tags survive
    assert "mlflow.user" in tags


# --------------------------------------------------------------------------------------------
# Artifacts
# --------------------------------------------------------------------------------------------


def test_log_artifact(client, experiment_id, tmp_path):
    src = tmp_path / "report.txt"
    src.write_text("accuracy: 0.97\n")
    blob = tmp_path / "weights.bin"
    blob.write_bytes(os.urandom(4096))
    with mlflow.start_run() as run:
        mlflow.log_artifact(str(src))
        mlflow.log_artifact(str(blob), artifact_path="checkpoints/epoch-1")
    rid = run.info.run_id

    root = {f.path: f for f in client.list_artifacts(rid)}
    assert set(root) == {"report.txt", "checkpoints"}
    assert root["report.txt"].is_dir is False
    assert root["report.txt"].file_size == len("accuracy: 0.97\n")
    assert root["checkpoints"].is_dir is True

    nested = client.list_artifacts(rid, "checkpoints/epoch-1")
    assert [(f.path, f.is_dir, f.file_size) for f in nested] == [
        ("checkpoints/epoch-1/weights.bin", False, 4096)
    ]
    out = Path(
        mlflow.artifacts.download_artifacts(
            run_id=rid, artifact_path="checkpoints/epoch-1/weights.bin", dst_path=str(tmp_path / "dl")
        )
    )
    assert out.read_bytes() == blob.read_bytes()
    assert mlflow.artifacts.load_text(f"runs:/{rid}/report.txt") == "accuracy: 0.97\n"


def test_log_artifacts_nested_folder(client, experiment_id, tmp_path):
    src = tmp_path / "bundle"
    (src / "nested" / "deeper").mkdir(parents=True)
    (src / "empty-sibling").mkdir()
    (src / "a.txt").write_text("top level")
    (src / "nested" / "b.bin").write_bytes(bytes(range(256)) * 40)
    (src / "nested" / "deeper" / "c.json").write_text(json.dumps({"k": [1, 2, 3]}))
    (src / "nested" / "deeper" / "name with spaces.csv").write_text("x,y\n1,2\n")
    with mlflow.start_run() as run:
        mlflow.log_artifacts(str(src), artifact_path="data")
        mlflow.log_artifacts(str(src / "nested"))  # at the root
    rid = run.info.run_id

    assert sorted((f.path, f.is_dir) for f in client.list_artifacts(rid)) == [
        ("b.bin", False),
        ("data", True),
        ("deeper", True),
    ]
    assert sorted((f.path, f.is_dir) for f in client.list_artifacts(rid, "data")) == [
        ("data/a.txt", False),
        ("data/nested", True),
    ]
    assert sorted(f.path for f in client.list_artifacts(rid, "data/nested/deeper")) == [
        "data/nested/deeper/c.json",
        "data/nested/deeper/name with spaces.csv",
    ]

    dl = Path(client.download_artifacts(rid, "data", str(tmp_path / "dl")))
    expected = {k: v for k, v in _tree(src).items()}
    assert _tree(dl) == expected


def test_log_dict(client, experiment_id):
    payload = {"model": "rf", "layers": [64, 32], "nested": {"lr": 0.01, "ok": True}, "s": "ü"}
    with mlflow.start_run() as run:
        mlflow.log_dict(payload, "config/params.json")
        mlflow.log_dict(payload, "config/params.yaml")
    rid = run.info.run_id
    assert mlflow.artifacts.load_dict(f"runs:/{rid}/config/params.json") == payload
    assert yaml.safe_load(mlflow.artifacts.load_text(f"{run.info.artifact_uri}/config/params.yaml")) == payload
    assert sorted(f.path for f in client.list_artifacts(rid, "config")) == [
        "config/params.json",
        "config/params.yaml",
    ]


def test_log_text(client, experiment_id):
    text = "line one\nünïcødé ✓ — 日本語\n" + "z" * 10000
    with mlflow.start_run() as run:
        mlflow.log_text(text, "notes/readme.md")
        mlflow.log_text("<h1>hi</h1>", "page.html")
    rid = run.info.run_id
    assert mlflow.artifacts.load_text(f"runs:/{rid}/notes/readme.md") == text
    assert mlflow.artifacts.load_text(f"runs:/{rid}/page.html") == "<h1>hi</h1>"
    [info] = client.list_artifacts(rid, "notes")
    assert info.path == "notes/readme.md"
    assert info.file_size == len(text.encode("utf-8"))


def test_log_figure(client, experiment_id, tmp_path):
    fig, ax = plt.subplots(figsize=(4, 3), dpi=50)
    ax.plot([0, 1, 2, 3], [3, 1, 2, 0])
    ax.set_title("loss")
    with mlflow.start_run() as run:
        mlflow.log_figure(fig, "plots/loss.png")
    plt.close(fig)
    rid = run.info.run_id
    [info] = client.list_artifacts(rid, "plots")
    assert info.path == "plots/loss.png"
    local = Path(
        mlflow.artifacts.download_artifacts(
            run_id=rid, artifact_path="plots/loss.png", dst_path=str(tmp_path)
        )
    )
    data = local.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert info.file_size == len(data)
    with Image.open(local) as img:
        assert img.size == (200, 150)


def test_log_image(client, experiment_id, tmp_path):
    rng = np.random.default_rng(0)
    arr = rng.integers(0, 256, size=(24, 32, 3), dtype=np.uint8)
    with mlflow.start_run() as run:
        mlflow.log_image(arr, "images/random.png")
        # The step-series form stores files whose names contain '+' (URL-escaping matters).
        mlflow.log_image(arr, key="sample", step=0)
        mlflow.log_image(arr, key="sample", step=1)
    rid = run.info.run_id

    local = Path(
        mlflow.artifacts.download_artifacts(
            run_id=rid, artifact_path="images/random.png", dst_path=str(tmp_path / "a")
        )
    )
    with Image.open(local) as img:
        assert np.array_equal(np.asarray(img), arr)

    series = [f.path for f in client.list_artifacts(rid, "images") if f.path != "images/random.png"]
    pngs = [p for p in series if p.endswith(".png") and "compressed" not in p]
    assert len(pngs) == 2, series
    assert all(p.startswith("images/sample+step+") for p in pngs), pngs
    for p in pngs:
        got = Path(
            mlflow.artifacts.download_artifacts(
                run_id=rid, artifact_path=p, dst_path=str(tmp_path / "b")
            )
        )
        with Image.open(got) as img:
            assert np.array_equal(np.asarray(img), arr)


def test_list_artifacts(client, experiment_id, tmp_path):
    with mlflow.start_run() as empty_run:
        pass
    assert client.list_artifacts(empty_run.info.run_id) == []
    assert client.list_artifacts(empty_run.info.run_id, "no/such/dir") == []

    with mlflow.start_run() as run:
        mlflow.log_text("12345", "one.txt")
        mlflow.log_text("1234567890", "dir/two.txt")
        mlflow.log_text("x", "dir/sub/three.txt")
    rid = run.info.run_id
    root = sorted(client.list_artifacts(rid), key=lambda f: f.path)
    assert [(f.path, f.is_dir, f.file_size) for f in root] == [
        ("dir", True, None),
        ("one.txt", False, 5),
    ]
    in_dir = sorted(client.list_artifacts(rid, "dir"), key=lambda f: f.path)
    assert [(f.path, f.is_dir, f.file_size) for f in in_dir] == [
        ("dir/sub", True, None),
        ("dir/two.txt", False, 10),
    ]
    assert [f.path for f in mlflow.artifacts.list_artifacts(run_id=rid, artifact_path="dir/sub")] == [
        "dir/sub/three.txt"
    ]


def test_download_artifacts_bytes_identical(client, experiment_id, tmp_path):
    payload = os.urandom(3 * 1024 * 1024 + 17)  # a few MB of incompressible bytes
    src = tmp_path / "blob.bin"
    src.write_bytes(payload)
    with mlflow.start_run() as run:
        mlflow.log_artifact(str(src), "raw")
        mlflow.log_text("small", "raw/small.txt")
    rid = run.info.run_id

    one = Path(client.download_artifacts(rid, "raw/blob.bin", str(tmp_path / "one")))
    assert one.name == "blob.bin"
    assert one.read_bytes() == payload

    whole = Path(
        mlflow.artifacts.download_artifacts(run_id=rid, artifact_path="raw", dst_path=str(tmp_path / "two"))
    )
    assert _tree(whole) == {"blob.bin": payload, "small.txt": b"small"}

    everything = Path(
        mlflow.artifacts.download_artifacts(artifact_uri=run.info.artifact_uri, dst_path=str(tmp_path / "three"))
    )
    assert _tree(everything) == {"raw/blob.bin": payload, "raw/small.txt": b"small"}


def test_sklearn_log_model(client, experiment_id, tmp_path):
    model, iris = _iris_model()
    with mlflow.start_run() as run:
        mlflow.log_param("C", 1.0)
        mlflow.log_metric("train_acc", 0.97)
        info = mlflow.sklearn.log_model(model, name="model", input_example=iris.data[:3])
    rid = run.info.run_id

    assert info.model_id.startswith("m-")
    assert info.model_uri == f"models:/{info.model_id}"
    assert info.run_id == rid

    logged = client.get_logged_model(info.model_id)
    assert logged.name == "model"
    assert logged.source_run_id == rid
    assert logged.experiment_id == experiment_id
    assert logged.status == LoggedModelStatus.READY
    assert logged.artifact_location.startswith("mlflow-artifacts:/")
    assert logged.params.get("C") == "1.0"  # the run's params are copied onto the model

    run_after = client.get_run(rid)
    assert [(o.model_id, o.step) for o in run_after.outputs.model_outputs] == [(info.model_id, 0)]
    # The run's step-0 metrics are re-logged against the model (log-batch with model_id).
    assert [(m.key, m.value, m.step, m.model_id, m.run_id) for m in logged.metrics] == [
        ("train_acc", 0.97, 0, info.model_id, rid)
    ]

    files = {f.path for f in client.list_logged_model_artifacts(info.model_id)}
    assert {"MLmodel", "requirements.txt", "python_env.yaml", "conda.yaml"} <= files
    assert "input_example.json" in files

    for uri in (info.model_uri, f"runs:/{rid}/model"):
        loaded = mlflow.sklearn.load_model(uri)
        np.testing.assert_array_equal(loaded.predict(iris.data[:20]), model.predict(iris.data[:20]))
    pyfunc = mlflow.pyfunc.load_model(info.model_uri)
    np.testing.assert_array_equal(pyfunc.predict(iris.data[:5]), model.predict(iris.data[:5]))


def test_end_run(client, experiment_id):
    run = mlflow.start_run()
    rid = run.info.run_id
    assert client.get_run(rid).info.status == RUNNING
    mlflow.end_run()
    assert mlflow.active_run() is None
    info = client.get_run(rid).info
    assert info.status == FINISHED
    assert info.end_time is not None
    assert info.end_time >= info.start_time

    mlflow.start_run()
    killed_id = mlflow.active_run().info.run_id
    mlflow.end_run(status="KILLED")
    assert client.get_run(killed_id).info.status == KILLED

    # Client API: explicit end time.
    r = client.create_run(experiment_id)
    end = r.info.start_time + 1234
    client.set_terminated(r.info.run_id, status="FINISHED", end_time=end)
    got = client.get_run(r.info.run_id).info
    assert (got.status, got.end_time) == (FINISHED, end)


def test_exception_inside_with_start_run_marks_run_failed(client, experiment_id):
    with pytest.raises(ZeroDivisionError):
        with mlflow.start_run() as run:
            mlflow.log_metric("before_crash", 1.0)
            1 / 0  # noqa: B018
    assert mlflow.active_run() is None
    info = client.get_run(run.info.run_id)
    assert info.info.status == FAILED
    assert info.info.end_time is not None
    assert info.data.metrics["before_crash"] == 1.0


# --------------------------------------------------------------------------------------------
# Search
# --------------------------------------------------------------------------------------------


def _make_search_runs(client, experiment_id):
    """Four runs with distinct metrics/params/tags/statuses; returns name -> run_id."""
    spec = {
        "run-a": dict(metrics={"acc": 0.91, "loss": 0.3}, params={"model": "rf", "depth": "3"},
                      tags={"team": "ml-vision"}, status="FINISHED"),
        "run-b": dict(metrics={"acc": 0.75, "loss": 0.5}, params={"model": "svm", "depth": "5"},
                      tags={"team": "ml-nlp"}, status="FINISHED"),
        "run-c": dict(metrics={"acc": 0.62}, params={"model": "rf", "depth": "8"},
                      tags={"team": "data"}, status="FAILED"),
        "run-d": dict(metrics={"loss": 0.9}, params={"model": "knn"},  # no "acc" metric
                      tags={"team": "ml-infra"}, status="KILLED"),
    }
    ids = {}
    for name, s in spec.items():
        with mlflow.start_run(run_name=name) as run:
            mlflow.log_metrics(s["metrics"])
            mlflow.log_params(s["params"])
            mlflow.set_tags(s["tags"])
        client.set_terminated(run.info.run_id, status=s["status"])
        ids[name] = run.info.run_id
        time.sleep(0.01)  # distinct start times
    return ids


def test_search_runs_filters_and_order_by(client, experiment_id):
    ids = _make_search_runs(client, experiment_id)
    name_of = {v: k for k, v in ids.items()}

    def names(filter_string="", order_by=None, view=ViewType.ACTIVE_ONLY):
        runs = client.search_runs([experiment_id], filter_string, view, order_by=order_by)
        return [name_of[r.info.run_id] for r in runs]

    def name_set(filter_string):
        return set(names(filter_string))

    # No filter: every run, newest first (default order start_time DESC).
    assert names() == ["run-d", "run-c", "run-b", "run-a"]

    assert name_set("metrics.acc > 0.7") == {"run-a", "run-b"}
    assert name_set("metrics.acc >= 0.62") == {"run-a", "run-b", "run-c"}
    assert name_set("metrics.loss < 0.5") == {"run-a"}
    assert name_set("metrics.acc != 0.75") == {"run-a", "run-c"}
    assert name_set("params.model = 'rf'") == {"run-a", "run-c"}
    assert name_set("params.model != 'rf'") == {"run-b", "run-d"}
    assert name_set("params.depth = '5'") == {"run-b"}
    assert name_set("tags.team LIKE 'ml-%'") == {"run-a", "run-b", "run-d"}
    assert name_set("tags.team LIKE 'ML-%'") == set()  # LIKE is case-sensitive
    assert name_set("tags.team ILIKE 'ML-%'") == {"run-a", "run-b", "run-d"}
    assert name_set("attributes.status = 'FAILED'") == {"run-c"}
    assert name_set("attributes.status != 'FINISHED'") == {"run-c", "run-d"}
    assert name_set("attributes.run_name = 'run-b'") == {"run-b"}
    assert name_set("run_name = 'run-a'") == {"run-a"}
    assert name_set("attributes.run_name LIKE 'run-%'") == {"run-a", "run-b", "run-c", "run-d"}
    assert name_set(f"attributes.run_id = '{ids['run-c']}'") == {"run-c"}
    assert name_set(f"attributes.run_id IN ('{ids['run-a']}', '{ids['run-d']}')") == {"run-a", "run-d"}
    assert name_set("tags.`mlflow.runName` = 'run-d'") == {"run-d"}
    assert name_set("metrics.acc > 0.6 and params.model = 'rf'") == {"run-a", "run-c"}
    assert name_set("metrics.acc > 0.6 AND params.model = 'rf' AND tags.team = 'data'") == {"run-c"}
    assert name_set("metrics.acc > 0.99") == set()
    assert name_set("params.missing = 'x'") == set()

    # order_by with several keys.
    assert names(order_by=["params.model ASC", "metrics.acc DESC"]) == ["run-d", "run-a", "run-c", "run-b"]
    assert names(order_by=["params.model DESC", "metrics.acc ASC"]) == ["run-b", "run-c", "run-a", "run-d"]
    assert names(order_by=["attributes.run_name DESC"]) == ["run-d", "run-c", "run-b", "run-a"]
    assert names(order_by=["start_time ASC"]) == ["run-a", "run-b", "run-c", "run-d"]
    assert names(order_by=["metrics.loss"]) == ["run-a", "run-b", "run-d", "run-c"]  # ASC default
    # NULLs (no "acc" on run-d, no "loss" on run-c) sort last in both directions.
    assert names(order_by=["metrics.acc DESC"]) == ["run-a", "run-b", "run-c", "run-d"]
    assert names(order_by=["metrics.acc ASC"]) == ["run-c", "run-b", "run-a", "run-d"]
    assert names(order_by=["metrics.loss DESC"]) == ["run-d", "run-b", "run-a", "run-c"]
    assert names("metrics.acc > 0", ["metrics.acc ASC"]) == ["run-c", "run-b", "run-a"]


def test_search_runs_paging_with_page_tokens(client, experiment_id):
    created = []
    for i in range(7):
        with mlflow.start_run(run_name=f"page-{i}") as run:
            mlflow.log_metric("i", i)
        created.append(run.info.run_id)
    full = [r.info.run_id for r in client.search_runs([experiment_id], max_results=1000)]
    assert sorted(full) == sorted(created)

    pages, token = [], None
    while True:
        page = client.search_runs([experiment_id], max_results=3, page_token=token)
        pages.append([r.info.run_id for r in page])
        token = page.token
        if not token:
            break
        assert len(pages) < 10, "page tokens never end"
    assert [len(p) for p in pages] == [3, 3, 1]
    assert [rid for p in pages for rid in p] == full

    # Paging with an order_by keeps that order across pages.
    ordered, token = [], None
    while True:
        page = client.search_runs(
            [experiment_id], order_by=["metrics.i ASC"], max_results=2, page_token=token
        )
        ordered += [int(r.data.metrics["i"]) for r in page]
        token = page.token
        if not token:
            break
    assert ordered == list(range(7))

    # An exact multiple: the last full page may carry a token, but the page after it is empty.
    page = client.search_runs([experiment_id], max_results=7)
    assert len(page) == 7
    if page.token:
        rest = client.search_runs([experiment_id], max_results=7, page_token=page.token)
        assert len(rest) == 0 and not rest.token


def test_search_experiments_filter_and_order_by(client, experiment_name):
    prefix = experiment_name
    made = {}
    for suffix, color in [("b", "red"), ("a", "blue"), ("c", "red")]:
        name = f"{prefix}-{suffix}"
        made[suffix] = client.create_experiment(name, tags={"color": color, "suite": prefix})
        time.sleep(0.01)

    def search(**kwargs):
        return [e.name for e in client.search_experiments(**kwargs)]

    assert search(filter_string=f"name LIKE '{prefix}-%'", order_by=["name ASC"]) == [
        f"{prefix}-a", f"{prefix}-b", f"{prefix}-c"]
    assert search(filter_string=f"name LIKE '{prefix}-%'", order_by=["name DESC"]) == [
        f"{prefix}-c", f"{prefix}-b", f"{prefix}-a"]
    assert search(filter_string=f"name = '{prefix}-a'") == [f"{prefix}-a"]
    assert search(
        filter_string=f"tags.suite = '{prefix}' AND tags.color = 'red'", order_by=["name ASC"]
    ) == [f"{prefix}-b", f"{prefix}-c"]
    # Default order: creation_time DESC.
    assert search(filter_string=f"tags.suite = '{prefix}'") == [
        f"{prefix}-c", f"{prefix}-a", f"{prefix}-b"]
    assert search(filter_string=f"tags.suite = '{prefix}'", order_by=["creation_time ASC"]) == [
        f"{prefix}-b", f"{prefix}-a", f"{prefix}-c"]
    ids = [e.experiment_id for e in client.search_experiments(
        filter_string=f"tags.suite = '{prefix}'", order_by=["experiment_id ASC"])]
    assert sorted(ids, key=int) == ids and set(ids) == set(made.values())

    # Paging through experiments.
    first = client.search_experiments(
        filter_string=f"tags.suite = '{prefix}'", order_by=["name ASC"], max_results=2)
    assert [e.name for e in first] == [f"{prefix}-a", f"{prefix}-b"] and first.token
    second = client.search_experiments(
        filter_string=f"tags.suite = '{prefix}'", order_by=["name ASC"], max_results=2,
        page_token=first.token)
    assert [e.name for e in second] == [f"{prefix}-c"] and not second.token

    # The fluent API too, and tags round-trip.
    found = mlflow.search_experiments(filter_string=f"name = '{prefix}-b'")
    assert len(found) == 1 and found[0].tags["color"] == "red"


def test_delete_run_and_restore_run(client, experiment_id):
    with mlflow.start_run() as keep:
        pass
    with mlflow.start_run() as doomed:
        mlflow.log_metric("m", 1.0)
    rid = doomed.info.run_id

    client.delete_run(rid)
    assert client.get_run(rid).info.lifecycle_stage == "deleted"  # soft delete: still readable

    def ids(view):
        return {r.info.run_id for r in client.search_runs([experiment_id], run_view_type=view)}

    assert ids(ViewType.ACTIVE_ONLY) == {keep.info.run_id}
    assert ids(ViewType.DELETED_ONLY) == {rid}
    assert ids(ViewType.ALL) == {keep.info.run_id, rid}
    deleted = client.search_runs([experiment_id], run_view_type=ViewType.DELETED_ONLY)
    assert deleted[0].data.metrics["m"] == 1.0

    client.restore_run(rid)
    assert client.get_run(rid).info.lifecycle_stage == "active"
    assert ids(ViewType.ACTIVE_ONLY) == {keep.info.run_id, rid}
    assert ids(ViewType.DELETED_ONLY) == set()


def test_delete_experiment_and_restore_experiment(client, experiment_name):
    exp_id = client.create_experiment(experiment_name)
    run = client.create_run(exp_id)
    client.set_terminated(run.info.run_id)

    client.delete_experiment(exp_id)
    assert client.get_experiment(exp_id).lifecycle_stage == "deleted"
    by_name = client.get_experiment_by_name(experiment_name)  # get-by-name also sees deleted ones
    assert by_name is not None and by_name.lifecycle_stage == "deleted"
    active = {e.experiment_id for e in client.search_experiments(filter_string=f"name = '{experiment_name}'")}
    assert exp_id not in active
    deleted = {e.experiment_id for e in client.search_experiments(
        view_type=ViewType.DELETED_ONLY, filter_string=f"name = '{experiment_name}'")}
    assert deleted == {exp_id}
    with pytest.raises(MlflowException):
        mlflow.set_experiment(experiment_name)  # the client refuses a deleted experiment

    client.restore_experiment(exp_id)
    assert client.get_experiment(exp_id).lifecycle_stage == "active"
    assert mlflow.set_experiment(experiment_name).experiment_id == exp_id
    assert client.get_run(run.info.run_id).info.lifecycle_stage == "active"
    assert [e.experiment_id for e in client.search_experiments(
        filter_string=f"name = '{experiment_name}'")] == [exp_id]


def test_search_logged_models(client, experiment_id):
    model, iris = _iris_model()
    infos = {}
    with mlflow.start_run() as run:
        for name in ("clf-alpha", "clf-beta"):
            infos[name] = mlflow.sklearn.log_model(model, name=name, pip_requirements=["scikit-learn"])
            time.sleep(0.01)
    rid = run.info.run_id
    with mlflow.start_run() as other_run:
        infos["clf-gamma"] = mlflow.sklearn.log_model(model, name="clf-gamma", pip_requirements=["scikit-learn"])

    all_models = client.search_logged_models(experiment_ids=[experiment_id])
    assert {m.model_id for m in all_models} == {i.model_id for i in infos.values()}
    assert all(m.status == LoggedModelStatus.READY for m in all_models)

    by_name = client.search_logged_models([experiment_id], filter_string="name = 'clf-beta'")
    assert [m.model_id for m in by_name] == [infos["clf-beta"].model_id]
    by_run = client.search_logged_models([experiment_id], filter_string=f"source_run_id = '{rid}'")
    assert {m.name for m in by_run} == {"clf-alpha", "clf-beta"}
    by_other = client.search_logged_models(
        [experiment_id], filter_string=f"source_run_id = '{other_run.info.run_id}'")
    assert [m.name for m in by_other] == ["clf-gamma"]

    ordered = client.search_logged_models(
        [experiment_id], order_by=[{"field_name": "creation_timestamp", "ascending": True}])
    assert [m.name for m in ordered] == ["clf-alpha", "clf-beta", "clf-gamma"]
    newest_first = mlflow.search_logged_models(experiment_ids=[experiment_id], output_format="list")
    assert [m.name for m in newest_first] == ["clf-gamma", "clf-beta", "clf-alpha"]

    df = mlflow.search_logged_models(experiment_ids=[experiment_id])
    assert isinstance(df, pd.DataFrame)
    assert sorted(df["name"]) == ["clf-alpha", "clf-beta", "clf-gamma"]

    # Paging.
    page1 = client.search_logged_models([experiment_id], max_results=2)
    assert len(page1) == 2 and page1.token
    page2 = client.search_logged_models([experiment_id], max_results=2, page_token=page1.token)
    assert len(page2) == 1
    assert {m.model_id for m in page1} | {m.model_id for m in page2} == {
        i.model_id for i in infos.values()}


def test_log_input_dataset_from_pandas(client, experiment_id):
    iris = load_iris(as_frame=True)
    df = iris.frame
    dataset = mlflow.data.from_pandas(df, name="iris-train", targets="target")
    with mlflow.start_run() as run:
        mlflow.log_input(dataset, context="training", tags={"split": "train"})
    inputs = client.get_run(run.info.run_id).inputs.dataset_inputs
    assert len(inputs) == 1
    ds = inputs[0].dataset
    assert ds.name == "iris-train"
    assert ds.digest == dataset.digest
    assert ds.source_type == dataset.source._get_source_type()
    assert json.loads(ds.schema) == json.loads(dataset._to_mlflow_entity().schema)
    assert json.loads(ds.profile) == {"num_rows": len(df), "num_elements": int(df.size)}
    tags = {t.key: t.value for t in inputs[0].tags}
    assert tags["mlflow.data.context"] == "training"
    assert tags["split"] == "train"

    found = client.search_runs([experiment_id], "dataset.name = 'iris-train'")
    assert [r.info.run_id for r in found] == [run.info.run_id]


# MLflow's SQL store keeps NaN but stores +/-Infinity as +/-sys.float_info.max (not every database
# has infinities), so a stock server returns that; a server that keeps the infinity is fine too.
POS_INF = (math.inf, sys.float_info.max)
NEG_INF = (-math.inf, -sys.float_info.max)


def test_nan_and_infinity_metrics_round_trip(client, experiment_id):
    with mlflow.start_run() as run:
        mlflow.log_metric("nan", float("nan"))
        mlflow.log_metric("pos_inf", float("inf"))
        mlflow.log_metric("neg_inf", float("-inf"))
        mlflow.log_metrics({"batch_nan": float("nan"), "batch_inf": float("inf")}, step=1)
        mlflow.log_metric("series", 1.0, step=0)
        mlflow.log_metric("series", float("nan"), step=1)
        mlflow.log_metric("series", 2.0, step=2)
    rid = run.info.run_id
    metrics = client.get_run(rid).data.metrics
    assert math.isnan(metrics["nan"])
    assert metrics["pos_inf"] in POS_INF
    assert metrics["neg_inf"] in NEG_INF
    assert math.isnan(metrics["batch_nan"])
    assert metrics["batch_inf"] in POS_INF
    assert metrics["series"] == 2.0
    series = client.get_metric_history(rid, "series")
    assert [m.step for m in series] == [0, 1, 2]
    assert series[0].value == 1.0 and math.isnan(series[1].value) and series[2].value == 2.0
    [inf_hist] = client.get_metric_history(rid, "pos_inf")
    assert inf_hist.value in POS_INF

    # Infinity also works in search filters.
    found = client.search_runs([experiment_id], "metrics.pos_inf > 1e308")
    assert [r.info.run_id for r in found] == [rid]


def test_mlflow_search_runs_returns_pandas_dataframe(client, experiment_name):
    exp = mlflow.set_experiment(experiment_name)
    rids = []
    for i in range(3):
        with mlflow.start_run(run_name=f"df-{i}") as run:
            mlflow.log_metric("score", i * 10.0)
            mlflow.log_param("idx", i)
            mlflow.set_tag("parity", "even" if i % 2 == 0 else "odd")
        rids.append(run.info.run_id)

    df = mlflow.search_runs(experiment_ids=[exp.experiment_id], order_by=["metrics.score DESC"])
    assert isinstance(df, pd.DataFrame)
    assert len(df) == 3
    assert list(df["run_id"]) == list(reversed(rids))
    assert list(df["metrics.score"]) == [20.0, 10.0, 0.0]
    assert list(df["params.idx"]) == ["2", "1", "0"]
    assert list(df["tags.parity"]) == ["even", "odd", "even"]
    assert list(df["tags.mlflow.runName"]) == ["df-2", "df-1", "df-0"]
    assert set(df["status"]) == {FINISHED}
    assert (df["experiment_id"] == exp.experiment_id).all()
    for col in ("start_time", "end_time", "artifact_uri"):
        assert col in df.columns

    odd = mlflow.search_runs(experiment_names=[experiment_name], filter_string="tags.parity = 'odd'")
    assert list(odd["run_id"]) == [rids[1]]
    as_list = mlflow.search_runs(experiment_ids=[exp.experiment_id], output_format="list")
    assert {r.info.run_id for r in as_list} == set(rids)
