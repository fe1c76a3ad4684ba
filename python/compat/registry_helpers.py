"""Shared helpers for the model-registry compatibility tests (test_registry_*.py)."""

from __future__ import annotations

import mlflow
import mlflow.sklearn
import requests
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException, RestException
from sklearn.datasets import load_iris
from sklearn.dummy import DummyClassifier

READY = "READY"
API = "/api/2.0/mlflow"
# Explicit requirements skip MLflow's requirement inference, which loads the model in a subprocess
# (~20 s per log_model). cloudpickle instead of the default skops format avoids importing skops,
# which walks all of scikit-learn on first use (~20 s once per process). The seed tests cover the
# default format.
SKLEARN_REQS = ["scikit-learn", "cloudpickle"]
SKLEARN_FORMAT = "cloudpickle"


def server_code(exc: BaseException) -> str:
    """Error code of the server's JSON error behind exc (see test_errors._server_code): the client
    sometimes re-raises a RestException as a plain MlflowException."""
    seen = exc
    while seen is not None:
        if isinstance(seen, RestException):
            return seen.error_code
        seen = seen.__cause__ or seen.__context__
    raise AssertionError(f"no RestException (server JSON error) behind {exc!r}")


def error_code(exc: MlflowException) -> str:
    return exc.error_code  # the name, e.g. "RESOURCE_DOES_NOT_EXIST"


def rest(tracking_uri: str, method: str, path: str, **kwargs) -> requests.Response:
    """A raw REST call, for what the client checks itself before sending, or hides by polling."""
    return requests.request(method, f"{tracking_uri}{API}/{path}", timeout=30, **kwargs)


def empty_run(client: MlflowClient, experiment_id: str):
    """A finished run with no artifacts: enough for model versions whose files are never read."""
    run = client.create_run(experiment_id)
    client.set_terminated(run.info.run_id)
    return client.get_run(run.info.run_id)


def new_versions(client: MlflowClient, name: str, run, count: int) -> list:
    """Creates `count` versions of `name` with source runs:/<run>/model; returns them."""
    return [
        client.create_model_version(name, f"runs:/{run.info.run_id}/model", run.info.run_id)
        for _ in range(count)
    ]


def constant_iris_classifier(label: int) -> DummyClassifier:
    """An iris classifier that always answers `label`: models that tell apart which version a
    models:/ URI resolved to."""
    iris = load_iris()
    return DummyClassifier(strategy="constant", constant=label).fit(iris.data, iris.target)


def log_sklearn_model(model, name: str = "model"):
    """Logs `model` in a new run of the active experiment; returns (run_id, ModelInfo)."""
    with mlflow.start_run() as run:
        info = mlflow.sklearn.log_model(
            model, name=name, pip_requirements=SKLEARN_REQS, serialization_format=SKLEARN_FORMAT
        )
    return run.info.run_id, info
