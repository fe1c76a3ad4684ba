"""ONNX through the registry: a scikit-learn RandomForestClassifier converted with skl2onnx, logged
with mlflow.onnx.log_model and registered, then loaded back by MLflow's onnx and pyfunc flavors
and by @keel/sdk's loadModel (onnx_predict.mjs), each compared with sklearn's own predictions on
all 150 iris rows.

The keel SDK half is not keel_only: the SDK talks to any server speaking MLflow's REST API, so it
runs against a stock mlflow server too. It fails with a clear message until keel.loadModel exists.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import mlflow
import mlflow.onnx
import mlflow.pyfunc
import numpy as np
import onnx
import onnxruntime as ort
import pandas as pd
import pytest
import yaml
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier

from conftest import REPO_ROOT
from registry_helpers import READY

SCRIPT = Path(__file__).with_name("onnx_predict.mjs")
ONNX_REQS = ["onnx", "onnxruntime"]  # explicit: skips requirement inference (a subprocess, ~20 s)


def _label_only(model: onnx.ModelProto) -> onnx.ModelProto:
    """The same graph with only its "label" output. mlflow.onnx's pyfunc turns DataFrame input's
    outputs into DataFrame columns with reshape(-1), which fails for the (n, 3) "probabilities"
    output of a two-output classifier, so the DataFrame path is checked on this variant."""
    copy = onnx.ModelProto()
    copy.CopyFrom(model)
    keep = [o for o in copy.graph.output if o.name == "label"]
    del copy.graph.output[:]
    copy.graph.output.extend(keep)
    onnx.checker.check_model(copy)
    return copy


@pytest.fixture(scope="module")
def iris_onnx(tracking_uri):
    """Version 1: skl2onnx's two-output classifier (label, probabilities); version 2: label only."""
    iris = load_iris()
    X = iris.data.astype(np.float32)
    clf = RandomForestClassifier(n_estimators=10, max_depth=4, random_state=0).fit(X, iris.target)
    onx = convert_sklearn(
        clf,
        initial_types=[("X", FloatTensorType([None, 4]))],
        options={id(clf): {"zipmap": False}},
    )
    df = pd.DataFrame(X, columns=iris.feature_names)
    signature = mlflow.models.infer_signature(df, clf.predict(X))
    name = f"compat-onnx-iris-{uuid.uuid4().hex[:10]}"
    mlflow.set_experiment(f"compat-onnx-{uuid.uuid4().hex[:10]}")
    infos = []
    for model in (onx, _label_only(onx)):
        with mlflow.start_run():
            infos.append(
                mlflow.onnx.log_model(
                    model,
                    name="model",
                    input_example=df.head(3),
                    signature=signature,
                    registered_model_name=name,
                    pip_requirements=ONNX_REQS,
                )
            )
    return {
        "name": name,
        "clf": clf,
        "X": X,
        "df": df,
        "expected": [int(p) for p in clf.predict(X)],
        "infos": infos,
        "feature_names": list(iris.feature_names),
    }


def test_onnx_model_registered_with_signature(client, iris_onnx, tmp_path):
    name, info = iris_onnx["name"], iris_onnx["infos"][0]
    version = client.get_model_version(name, "1")
    assert version.status == READY
    assert version.source == f"models:/{info.model_id}"
    assert version.run_id == info.run_id
    assert client.get_model_version(name, "2").source == f"models:/{iris_onnx['infos'][1].model_id}"

    local = Path(mlflow.artifacts.download_artifacts(f"models:/{name}/1", dst_path=str(tmp_path)))
    files = {p.name for p in local.iterdir()}
    assert {"MLmodel", "model.onnx", "input_example.json"} <= files, files
    mlmodel = yaml.safe_load((local / "MLmodel").read_text())
    assert mlmodel["flavors"]["onnx"]["data"] == "model.onnx"
    assert mlmodel["flavors"]["python_function"]["loader_module"] == "mlflow.onnx"
    inputs = json.loads(mlmodel["signature"]["inputs"])
    # infer_signature on a float32 DataFrame: one named "float" column per iris feature.
    assert [(c["name"], c["type"]) for c in inputs] == [(f, "float") for f in iris_onnx["feature_names"]]
    outputs = json.loads(mlmodel["signature"]["outputs"])
    assert outputs == [{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]
    example = json.loads((local / "input_example.json").read_text())
    assert example["columns"] == iris_onnx["feature_names"]
    assert len(example["data"]) == 3


def test_onnx_flavor_load_model_matches_sklearn(iris_onnx):
    model = mlflow.onnx.load_model(f"models:/{iris_onnx['name']}/1")
    assert isinstance(model, onnx.ModelProto)
    assert [o.name for o in model.graph.output] == ["label", "probabilities"]
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    label, probabilities = session.run(None, {"X": iris_onnx["X"]})
    assert [int(p) for p in label] == iris_onnx["expected"]
    np.testing.assert_allclose(probabilities, iris_onnx["clf"].predict_proba(iris_onnx["X"]), atol=1e-5)


def test_onnx_pyfunc_predict_matches_sklearn(iris_onnx):
    """pyfunc on the label-only version: a DataFrame with the signature's columns in, a DataFrame
    with a "label" column out. (Version 1 cannot go through pyfunc in MLflow 3.17: the column
    signature makes it refuse a NumPy array, and a DataFrame fails on the (n, 3) probabilities.)"""
    model = mlflow.pyfunc.load_model(f"models:/{iris_onnx['name']}/2")
    frame = model.predict(iris_onnx["df"])
    assert list(frame.columns) == ["label"]
    assert [int(p) for p in frame["label"]] == iris_onnx["expected"]
    # Columns in another order are matched by name.
    shuffled = iris_onnx["df"][list(reversed(iris_onnx["feature_names"]))]
    assert [int(p) for p in model.predict(shuffled)["label"]] == iris_onnx["expected"]


@pytest.mark.parametrize("row_format", ["objects", "arrays"])
def test_keel_sdk_load_model_predicts_like_sklearn(tracking_uri, iris_onnx, row_format):
    node = os.environ.get("KEEL_NODE") or shutil.which("node")
    assert node, "node is needed to run @keel/sdk (set KEEL_NODE)"
    names = iris_onnx["feature_names"]
    X = iris_onnx["X"].tolist()
    rows = [dict(zip(names, r)) for r in X] if row_format == "objects" else X
    payload = {"trackingUri": tracking_uri, "uri": f"models:/{iris_onnx['name']}/1", "rows": rows}
    done = subprocess.run(
        [node, str(SCRIPT)],
        input=json.dumps(payload),
        cwd=REPO_ROOT,
        env=dict(os.environ, KEEL_REPO=str(REPO_ROOT)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, (
        f"onnx_predict.mjs exited with {done.returncode} (keel.loadModel of an ONNX model)\n"
        f"--- stderr ---\n{done.stderr[-4000:]}\n--- stdout ---\n{done.stdout[-2000:]}"
    )
    out = json.loads(done.stdout)
    assert out["types"] == ["number"], f"predictions should be plain numbers, got {out['types']}"
    predictions = out["predictions"]
    assert len(predictions) == 150
    assert predictions == iris_onnx["expected"]
