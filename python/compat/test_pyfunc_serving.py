"""`keel models serve` serves MLflow's python_function models as MLflow does (issue 13).

Models are trained and logged with the stock client against the server under test, each with its
flavor's log_model, and registered: the seed's RandomForestClassifier on iris (no signature, as the
seed logs it), a scikit-learn regressor and a LightGBM regressor (signature and input example), an
XGBoost classifier, and a custom ``mlflow.pyfunc.PythonModel`` answering a DataFrame of strings and
floats (pyfunc_custom_model.py, logged as a model from code). Each is served with ``keel models serve -m models:/NAME/1
--env-manager local --workers 1`` (serving_helpers.py), one process per model, stopped before the
next starts. Every answer, from ``POST /invocations`` (dataframe_split, inputs, CSV) and from
``POST /v2/models/NAME/infer``, must equal ``mlflow.pyfunc.load_model(uri).predict`` on the same
rows, serialised as MLflow's scoring server does (``predictions_to_json``): exactly for labels and
strings, within 1e-12 for floats. A request that makes the model raise gets a 4xx carrying the
model's message.

Then the seed end to end (issue point 4): after python/seed/train.py x3 and register.py,
``keel models serve -m models:/iris-classifier/latest`` answers with predict.py's model's
predictions on all 150 iris rows.
"""

from __future__ import annotations

import io
import json
import uuid
from dataclasses import dataclass
from typing import Callable

import lightgbm
import mlflow
import mlflow.lightgbm
import mlflow.pyfunc
import mlflow.sklearn
import mlflow.xgboost
import numpy as np
import pandas as pd
import pytest
import sklearn
import xgboost
from sklearn.datasets import load_diabetes, load_iris
from mlflow.tracking import MlflowClient
from sklearn.ensemble import GradientBoostingRegressor, RandomForestClassifier

import pyfunc_custom_model
from serving_helpers import (
    ModelServer,
    answer,
    assert_same_predictions,
    jsonable_columns,
    jsonable_rows,
    keel_cli,
    mlflow_predictions,
    post,
    start_model_server,
    v2_predictions,
    v2_tensor,
)
from test_seed_workflow import CONFIGS, REGISTER_PY, _run_script, _run_train

pytestmark = [
    # The seed's classifier is fitted on a numpy array and predicts DataFrames here, as MLflow's
    # scoring server hands it them; scikit-learn says so, harmlessly.
    pytest.mark.filterwarnings("ignore:X has feature names, but .* was fitted without feature names:UserWarning"),
    # infer_signature on integer labels (the classifiers' outputs) hints at missing values.
    pytest.mark.filterwarnings("ignore:Hint. Inferred schema contains integer column:UserWarning"),
    # MLflow 3.17's own schema code (mlflow/models/utils.py) under pandas 3, in PyFuncModel.predict.
    pytest.mark.filterwarnings("ignore:Operation with range is deprecated"),
]

SEED_MODEL = "iris-classifier"  # fixed by register.py and predict.py
IRIS = load_iris()
IRIS_FRAME = pd.DataFrame(IRIS.data, columns=IRIS.feature_names)
DIABETES = load_diabetes(as_frame=True)
DIABETES_ROWS = DIABETES.data.head(60)


@dataclass
class Trained:
    """A logged and registered model, the rows it is asked about, and a request that makes it raise."""

    info: object
    rows: pd.DataFrame
    signature: bool
    bad_rows: pd.DataFrame
    bad_message: str  # what the model's own error says about bad_rows


def _seed_classifier() -> Trained:
    # As python/seed/train.py: a RandomForestClassifier fitted on numpy arrays, logged without a
    # signature. Explicit pip_requirements skip MLflow's requirement inference (a subprocess).
    clf = RandomForestClassifier(n_estimators=10, max_depth=3, random_state=42).fit(IRIS.data, IRIS.target)
    info = mlflow.sklearn.log_model(clf, name="model", pip_requirements=[f"scikit-learn=={sklearn.__version__}"])
    return Trained(info, IRIS_FRAME, False, IRIS_FRAME.iloc[:5, :3], "X has 3 features")


def _sklearn_regressor() -> Trained:
    X, y = DIABETES.data, DIABETES.target
    reg = GradientBoostingRegressor(n_estimators=20, max_depth=2, random_state=0).fit(X, y)
    info = mlflow.sklearn.log_model(
        reg,
        name="model",
        signature=mlflow.models.infer_signature(X, reg.predict(X)),
        input_example=X.head(3),
        pip_requirements=[f"scikit-learn=={sklearn.__version__}"],
    )
    bad = DIABETES_ROWS.head(3).drop(columns=["bmi"])
    return Trained(info, DIABETES_ROWS, True, bad, "Model is missing inputs ['bmi']")


def _xgboost_classifier() -> Trained:
    clf = xgboost.XGBClassifier(n_estimators=10, max_depth=2, random_state=0).fit(IRIS_FRAME, IRIS.target)
    info = mlflow.xgboost.log_model(
        clf,
        name="model",
        input_example=IRIS_FRAME.head(3),
        # The CPU-only wheel the suite installs (python/requirements.txt).
        pip_requirements=[f"xgboost-cpu=={xgboost.__version__}"],
    )
    bad = IRIS_FRAME.head(3).drop(columns=["petal width (cm)"])
    return Trained(info, IRIS_FRAME, True, bad, "Model is missing inputs ['petal width (cm)']")


def _lightgbm_regressor() -> Trained:
    X, y = DIABETES.data, DIABETES.target
    reg = lightgbm.LGBMRegressor(n_estimators=20, num_leaves=8, random_state=0, verbose=-1).fit(X, y)
    info = mlflow.lightgbm.log_model(
        reg,
        name="model",
        input_example=X.head(3),
        pip_requirements=[f"lightgbm=={lightgbm.__version__}"],
    )
    bad = DIABETES_ROWS.head(3).drop(columns=["s1"])
    return Trained(info, DIABETES_ROWS, True, bad, "Model is missing inputs ['s1']")


CUSTOM_ROWS = pd.DataFrame(
    {
        "x": [0.1, 0.5, 0.75, 1.0, -2.5, 0.3333333333333333, 1e-9, 12345.678, 0.6, 0.4],
        "name": ["a", "bb", "Ünïcode", "with space", "", "x" * 40, "comma,quote\"", "7", " lead", "trail "],
    }
)


def _custom_pyfunc() -> Trained:
    model = pyfunc_custom_model.LabelAndScore()
    info = mlflow.pyfunc.log_model(
        name="model",
        python_model=pyfunc_custom_model.__file__,  # a model from code
        signature=mlflow.models.infer_signature(CUSTOM_ROWS, model.predict(None, CUSTOM_ROWS)),
        input_example=CUSTOM_ROWS.head(3),
        pip_requirements=[f"pandas=={pd.__version__}", f"numpy=={np.__version__}"],
    )
    bad = CUSTOM_ROWS.copy()
    bad.loc[2, "name"] = pyfunc_custom_model.FAIL_NAME
    return Trained(info, CUSTOM_ROWS, True, bad, pyfunc_custom_model.FAIL_MESSAGE)


MODELS: dict[str, Callable[[], Trained]] = {
    "sklearn-classifier": _seed_classifier,
    "sklearn-regressor": _sklearn_regressor,
    "xgboost": _xgboost_classifier,
    "lightgbm": _lightgbm_regressor,
    "custom-pyfunc": _custom_pyfunc,
}


@dataclass
class Served:
    kind: str
    uri: str
    model: mlflow.pyfunc.PyFuncModel  # MLflow's own load of the registered version
    trained: Trained
    server: ModelServer


@pytest.fixture(scope="module", params=list(MODELS))
def served(request, tracking_uri, tmp_path_factory):
    """One model: trained, logged, registered as version 1 of a fresh name, loaded back with
    mlflow.pyfunc.load_model, and served by keel until its tests are done."""
    kind = request.param
    mlflow.set_experiment(f"compat-pyfunc-serving-{uuid.uuid4().hex[:10]}")
    with mlflow.start_run():
        trained = MODELS[kind]()
    name = f"compat-pyfunc-{kind}-{uuid.uuid4().hex[:10]}"
    version = mlflow.register_model(trained.info.model_uri, name)
    assert version.version == "1"
    uri = f"models:/{name}/1"
    model = mlflow.pyfunc.load_model(uri)
    server = start_model_server(uri, tracking_uri, tmp_path_factory.mktemp(f"serve-{kind}"))
    try:
        yield Served(kind, uri, model, trained, server)
    finally:
        server.stop()


def _split(frame: pd.DataFrame) -> str:
    return json.dumps({"dataframe_split": {"columns": list(frame.columns), "data": jsonable_rows(frame)}})


def _v2_request(frame: pd.DataFrame, by_column: bool) -> str:
    """One [n] tensor per column (MLServer's pandas codec), or a single [n, k] tensor of whole rows."""
    if by_column:
        inputs = [v2_tensor(c, values, [len(frame)]) for c, values in jsonable_columns(frame).items()]
    else:
        rows = jsonable_rows(frame)
        inputs = [v2_tensor("input-0", [v for row in rows for v in row], [len(frame), frame.shape[1]])]
    return json.dumps({"inputs": inputs})


def _why(served: Served, what: str) -> str:
    return f"{served.kind} ({served.uri}) {what}"


def test_invocations_dataframe_split(served):
    rows = served.trained.rows
    got = answer(post(served.server, "/invocations", _split(rows)), _why(served, "dataframe_split"))
    assert list(got) == ["predictions"], got
    assert_same_predictions(got["predictions"], mlflow_predictions(served.model, rows))


def test_invocations_inputs(served):
    """`inputs` as named columns for a model with a signature; as rows of values (a numpy array,
    as MLflow's scoring server passes them) for the one without."""
    rows = served.trained.rows
    if served.trained.signature:
        body, same_rows = {"inputs": jsonable_columns(rows)}, rows
    else:
        body, same_rows = {"inputs": jsonable_rows(rows)}, rows.to_numpy()
    got = answer(post(served.server, "/invocations", json.dumps(body)), _why(served, "inputs"))
    assert list(got) == ["predictions"], got
    assert_same_predictions(got["predictions"], mlflow_predictions(served.model, same_rows))


def test_invocations_csv(served):
    rows = served.trained.rows
    if "name" in rows.columns:
        # CSV has no empty string apart from a missing value: pandas reads an empty cell as NaN,
        # which the custom model (like any str-only code) fails on, under MLflow as under keel.
        rows = rows[rows["name"] != ""]
    text = rows.to_csv(index=False)
    got = answer(post(served.server, "/invocations", text, "text/csv"), _why(served, "text/csv"))
    # MLflow's scoring server reads CSV with pandas.read_csv.
    assert_same_predictions(got["predictions"], mlflow_predictions(served.model, pd.read_csv(io.StringIO(text))))


def test_v2_infer(served):
    rows = served.trained.rows
    name = served.server.name
    response = post(served.server, f"/v2/models/{name}/infer", _v2_request(rows, served.trained.signature))
    got = answer(response, _why(served, "/v2 infer"))
    assert got["model_name"] == name, got
    same_rows = rows if served.trained.signature else rows.to_numpy()
    assert_same_predictions(v2_predictions(got), mlflow_predictions(served.model, same_rows))


def test_model_failure_is_a_4xx_with_the_models_message(served):
    bad, message = served.trained.bad_rows, served.trained.bad_message
    with pytest.raises(Exception) as raised:  # whatever the model raises, as MLflow loads it
        served.model.predict(bad)
    assert message in str(raised.value), "the test's expectation is not what MLflow's model says"

    response = post(served.server, "/invocations", _split(bad))
    assert 400 <= response.status_code < 500, _why(served, f"HTTP {response.status_code}: {response.text[:2000]}")
    body = response.json()
    assert message in body["message"], body
    assert body["error_code"] in ("BAD_REQUEST", "INVALID_PARAMETER_VALUE"), body

    if served.trained.signature:  # the same rows over v2, as one tensor per column
        response = post(served.server, f"/v2/models/{served.server.name}/infer", _v2_request(bad, True))
        assert 400 <= response.status_code < 500, _why(served, f"v2: HTTP {response.status_code}: {response.text[:2000]}")
        assert message in response.json()["error"], response.text


# --- the seed end to end ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_served(tracking_uri, tmp_path_factory):
    """train.py x3 and register.py (unchanged, as test_seed_workflow.py runs them), then predict.py's
    model (mlflow.sklearn.load_model of models:/iris-classifier/latest) and keel serving the same URI."""
    cwd = tmp_path_factory.mktemp("seed-pyfunc")
    for n_estimators, max_depth in CONFIGS:
        _run_train(tracking_uri, cwd, n_estimators, max_depth)
    _run_script(REGISTER_PY, tracking_uri, cwd)
    uri = f"models:/{SEED_MODEL}/latest"
    model = mlflow.sklearn.load_model(uri)
    server = start_model_server(uri, tracking_uri, cwd)
    try:
        yield model, server
    finally:
        server.stop()


def test_seed_model_served_from_latest_predicts_as_predict_py(seed_served):
    model, server = seed_served
    expected = mlflow_predictions(model, IRIS.data)  # predict.py: model.predict(rows as lists)
    assert len(expected) == 150 and all(isinstance(p, int) for p in expected)

    split = answer(post(server, "/invocations", _split(IRIS_FRAME)), "seed dataframe_split")
    assert_same_predictions(split["predictions"], expected)

    rows = answer(post(server, "/invocations", json.dumps({"inputs": IRIS.data.tolist()})), "seed inputs")
    assert_same_predictions(rows["predictions"], expected)

    v2 = answer(post(server, f"/v2/models/{server.name}/infer", _v2_request(IRIS_FRAME, False)), "seed /v2 infer")
    assert_same_predictions(v2_predictions(v2), expected)


def test_seed_model_converted_to_onnx_agrees_and_splits_traffic_with_its_twin(seed_served, tracking_uri, tmp_path):
    """keel models convert gives an ONNX version that agrees on all 150 iris rows, and an A/B split
    between the pyfunc version and its ONNX twin answers from both, each as predict.py's model."""
    model, _ = seed_served
    expected = mlflow_predictions(model, IRIS.data)
    source = max(int(v.version) for v in MlflowClient().search_model_versions(f"name='{SEED_MODEL}'"))
    rows = tmp_path / "iris.csv"
    IRIS_FRAME.to_csv(rows, index=False)
    out = keel_cli(
        ["models", "convert", "-m", f"models:/{SEED_MODEL}/{source}", "--to", "onnx", "--rows", str(rows), "--json"],
        tracking_uri,
        tmp_path,
    )
    result = json.loads(out)
    assert result["check"]["rows"] == 150 and result["check"]["mismatchedRows"] == 0, result["check"]
    twin = result["registered"]["version"]
    assert int(twin) == source + 1

    deployment = tmp_path / "ab.yaml"
    deployment.write_text(
        "name: iris-ab\n"
        "variants:\n"
        f"  - {{ name: pyfunc, model: 'models:/{SEED_MODEL}/{source}', weight: 50 }}\n"
        f"  - {{ name: onnx, model: 'models:/{SEED_MODEL}/{twin}', weight: 50 }}\n"
    )
    server = start_model_server("", tracking_uri, tmp_path, deployment)
    try:
        seen = {}
        for _ in range(40):
            response = post(server, "/invocations", json.dumps({"inputs": IRIS.data.tolist()}))
            variant = response.headers.get("X-Keel-Variant")
            assert_same_predictions(answer(response, f"A/B via {variant}")["predictions"], expected, variant)
            seen[variant] = response.headers.get("X-Keel-Model-Version")
        assert seen == {"pyfunc": str(source), "onnx": str(twin)}, seen
    finally:
        server.stop()
