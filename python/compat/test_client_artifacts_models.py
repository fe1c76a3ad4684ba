"""Tracking-client capabilities, one test each: artifacts (log, list, download) and logged models.
Every test reads back through the server what it wrote through the stock MLflow client: a call
that merely does not raise proves nothing."""

from __future__ import annotations

import json
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import mlflow  # noqa: E402
import mlflow.artifacts  # noqa: E402
import mlflow.pyfunc  # noqa: E402
import mlflow.sklearn  # noqa: E402
import numpy as np  # noqa: E402
import yaml  # noqa: E402
from mlflow.entities import LoggedModelStatus  # noqa: E402
from PIL import Image  # noqa: E402

from helpers import _iris_model, _tree  # noqa: E402


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


def test_proxied_download_content_types_are_mlflows(client, experiment_id, tracking_uri, tmp_path):
    # The artifact proxy labels each download as MLflow's server does (_guess_mime_type).
    import requests
    from mlflow.utils.mime_type_utils import _guess_mime_type

    names = ["notes.txt", "MLmodel", "MLproject", "report.pdf", "plot.png", "model.pkl", "metrics.json", "data.csv.gz"]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    run_id = client.create_run(experiment_id).info.run_id
    client.log_artifacts(run_id, str(tmp_path), artifact_path="files")
    artifact_uri = client.get_run(run_id).info.artifact_uri
    assert artifact_uri.startswith("mlflow-artifacts:/")
    root = artifact_uri[len("mlflow-artifacts:") :].lstrip("/")
    for name in names:
        response = requests.get(f"{tracking_uri}/api/2.0/mlflow-artifacts/artifacts/{root}/files/{name}", timeout=30)
        assert response.status_code == 200, name
        assert response.headers["Content-Type"] == _guess_mime_type(name), name
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.content == b"x"


def test_get_artifact_route_serves_a_runs_file(client, experiment_id, tracking_uri, tmp_path):
    # MLflow's /get-artifact (older UIs and clients read run files through it).
    import requests
    from mlflow.utils.mime_type_utils import _guess_mime_type

    (tmp_path / "summary.json").write_text('{"accuracy": 0.93}')
    run_id = client.create_run(experiment_id).info.run_id
    client.log_artifact(run_id, str(tmp_path / "summary.json"), artifact_path="eval")
    for param in ("run_uuid", "run_id"):
        response = requests.get(
            f"{tracking_uri}/get-artifact", params={param: run_id, "path": "eval/summary.json"}, timeout=30
        )
        assert response.status_code == 200, response.text
        assert response.text == '{"accuracy": 0.93}'
        assert response.headers["Content-Type"] == _guess_mime_type("summary.json")
    missing = requests.get(f"{tracking_uri}/get-artifact", params={"run_uuid": run_id, "path": "eval/nope.json"}, timeout=30)
    assert missing.status_code == 404
    escape = requests.get(f"{tracking_uri}/get-artifact", params={"run_uuid": run_id, "path": "../../x"}, timeout=30)
    assert escape.status_code == 400
