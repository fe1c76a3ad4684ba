"""Error cases: the server must answer with MLflow's error codes (and HTTP statuses), since the
stock client keys its control flow on them."""

from __future__ import annotations

import os

import mlflow
import pytest
import requests
from mlflow.exceptions import MlflowException, RestException
from mlflow.protos.databricks_pb2 import (
    ENDPOINT_NOT_FOUND,
    INVALID_PARAMETER_VALUE,
    RESOURCE_ALREADY_EXISTS,
    RESOURCE_DOES_NOT_EXIST,
    ErrorCode,
)

from conftest import _server_state

UNKNOWN_RUN = "f" * 32


def _code(exc: MlflowException) -> str:
    return exc.error_code  # the name, e.g. "RESOURCE_DOES_NOT_EXIST"


def _server_code(exc: BaseException) -> str:
    """Error code of the server's JSON error behind exc. The client sometimes re-raises a
    RestException as a plain MlflowException with a friendlier message (log_param does), so look
    through the exception chain for the RestException the server's answer produced."""
    seen = exc
    while seen is not None:
        if isinstance(seen, RestException):
            return seen.error_code
        seen = seen.__cause__ or seen.__context__
    raise AssertionError(f"no RestException (server JSON error) behind {exc!r}")


def test_get_unknown_run_is_resource_does_not_exist(client, tracking_uri):
    with pytest.raises(RestException) as info:
        client.get_run(UNKNOWN_RUN)
    assert _code(info.value) == ErrorCode.Name(RESOURCE_DOES_NOT_EXIST)
    assert info.value.get_http_status_code() == 404

    resp = requests.get(
        f"{tracking_uri}/api/2.0/mlflow/runs/get", params={"run_id": UNKNOWN_RUN}, timeout=30
    )
    assert resp.status_code == 404
    body = resp.json()
    assert body["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    assert body["message"]

    # Same for an unknown experiment id; an unknown name is "None" for the client.
    with pytest.raises(RestException) as exp_info:
        client.get_experiment("987654321")
    assert _code(exp_info.value) == "RESOURCE_DOES_NOT_EXIST"
    assert client.get_experiment_by_name("no-such-experiment-name-xyz") is None


def test_duplicate_experiment_name_is_resource_already_exists(client, experiment_name, tracking_uri):
    client.create_experiment(experiment_name)
    with pytest.raises(RestException) as info:
        client.create_experiment(experiment_name)
    assert _code(info.value) == ErrorCode.Name(RESOURCE_ALREADY_EXISTS)
    assert info.value.get_http_status_code() == 400

    resp = requests.post(
        f"{tracking_uri}/api/2.0/mlflow/experiments/create", json={"name": experiment_name}, timeout=30
    )
    assert resp.status_code == 400
    assert resp.json()["error_code"] == "RESOURCE_ALREADY_EXISTS"


def test_param_overwrite_with_different_value_is_invalid(client, experiment_id):
    with mlflow.start_run() as run:
        mlflow.log_param("lr", "0.1")
        mlflow.log_param("lr", "0.1")  # the same value again is fine
        with pytest.raises(MlflowException) as info:
            mlflow.log_param("lr", "0.2")
        assert _code(info.value) == ErrorCode.Name(INVALID_PARAMETER_VALUE)
        assert _server_code(info.value) == "INVALID_PARAMETER_VALUE"
        # ... also through log-batch.
        with pytest.raises(MlflowException) as batch_info:
            mlflow.log_params({"lr": "0.3"})
        assert _server_code(batch_info.value) == "INVALID_PARAMETER_VALUE"
        mlflow.log_params({"lr": "0.1", "other": "x"})
    assert client.get_run(run.info.run_id).data.params == {"lr": "0.1", "other": "x"}


def test_logging_to_a_deleted_run_is_invalid(client, experiment_id):
    run = client.create_run(experiment_id)
    rid = run.info.run_id
    client.log_metric(rid, "ok", 1.0)
    client.delete_run(rid)
    for attempt in (
        lambda: client.log_metric(rid, "m", 1.0),
        lambda: client.log_param(rid, "p", "v"),
        lambda: client.set_tag(rid, "t", "v"),
        lambda: client.log_batch(rid, params=[mlflow.entities.Param("q", "1")]),
    ):
        with pytest.raises(MlflowException) as info:
            attempt()
        assert _code(info.value) == "INVALID_PARAMETER_VALUE"
        assert _server_code(info.value) == "INVALID_PARAMETER_VALUE"
    data = client.get_run(rid).data
    assert data.metrics == {"ok": 1.0}
    assert data.params == {}
    assert "t" not in data.tags


@pytest.mark.parametrize(
    "bad_filter",
    [
        "metrics.acc >>> 0.5",
        "params.model = rf",  # unquoted string value
        "metrics.acc > 'high'",  # non-numeric value for a metric
        "nonsense.key = 'x'",  # unknown entity type
        "attributes.no_such_attr = 'x'",
        "params.a = 'unterminated",
        # (OR is deliberately left out: stock MLflow rejects it, keel accepts it as an extension.)
    ],
)
def test_invalid_filter_string_is_invalid_parameter_value(client, experiment_id, bad_filter):
    with pytest.raises(RestException) as info:
        client.search_runs([experiment_id], bad_filter)
    assert _code(info.value) == "INVALID_PARAMETER_VALUE", info.value


def test_search_runs_max_results_over_50000_is_invalid(client, experiment_id, tracking_uri):
    with pytest.raises(RestException) as info:
        client.search_runs([experiment_id], max_results=50001)
    assert _code(info.value) == "INVALID_PARAMETER_VALUE"
    # The limit itself is accepted.
    assert list(client.search_runs([experiment_id], max_results=50000)) == []

    resp = requests.post(
        f"{tracking_uri}/api/2.0/mlflow/runs/search",
        json={"experiment_ids": [experiment_id], "max_results": 50001},
        timeout=30,
    )
    assert resp.status_code == 400
    assert resp.json()["error_code"] == "INVALID_PARAMETER_VALUE"


def test_unknown_endpoint_is_404_endpoint_not_found(tracking_uri):
    for method, path in [
        ("GET", "/api/2.0/mlflow/no-such-endpoint"),
        ("POST", "/api/2.0/mlflow/runs/no-such-action"),
    ]:
        resp = requests.request(method, f"{tracking_uri}{path}", json={}, timeout=30)
        assert resp.status_code == 404, (method, path, resp.status_code)
        try:
            body = resp.json()
        except ValueError:
            body = None
        if body is not None or _expect_keel():
            # keel answers with a JSON error body.
            assert isinstance(body, dict), resp.text
            assert body["error_code"] == "ENDPOINT_NOT_FOUND", body
        # Stock MLflow sends an HTML 404 page; the client maps a non-JSON 404 to
        # ENDPOINT_NOT_FOUND, which is what its fallbacks (call_endpoints) key on.

    from mlflow.protos.service_pb2 import GetRun
    from mlflow.utils.rest_utils import MlflowHostCreds, call_endpoint

    with pytest.raises(MlflowException) as info:
        call_endpoint(
            MlflowHostCreds(tracking_uri),
            "/api/2.0/mlflow/no-such-endpoint",
            "GET",
            None,
            GetRun.Response(),
        )
    assert info.value.error_code == ErrorCode.Name(ENDPOINT_NOT_FOUND)


def _expect_keel() -> bool:
    """True when the server under test is keel: started by conftest, or KEEL_COMPAT_TARGET=keel."""
    return _server_state.get("external") is False or os.environ.get("KEEL_COMPAT_TARGET") == "keel"


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        (
            "runs/log-batch",
            {"metrics": [{"key": "a", "value": 1}]},
            "Missing value for required parameter 'metrics[0].timestamp'.",
        ),
        (
            "runs/log-batch",
            {"metrics": [{"key": "a", "value": 1, "timestamp": None}]},
            "Missing value for required parameter 'metrics[0].timestamp'.",
        ),
        ("runs/log-batch", {"params": [{"value": "1"}]}, "Missing value for required parameter 'params[0].key'."),
        (
            "runs/log-batch",
            {"tags": [{"key": None, "value": "1"}]},
            "Missing value for required parameter 'tags[0].key'.",
        ),
        (
            "runs/log-metric",
            {"key": "a", "value": "abc", "timestamp": 1},
            "Invalid value \"abc\" for parameter 'value' supplied:  Hint: Value was of type 'str'.",
        ),
        (
            "runs/log-metric",
            {"key": "a", "value": 1, "timestamp": "x"},
            "Invalid value \"x\" for parameter 'timestamp' supplied:  Hint: Value was of type 'str'.",
        ),
        (
            "runs/set-tag",
            {"key": "t", "value": 9},
            "Invalid value 9 for parameter 'value' supplied:  Hint: Value was of type 'int'.",
        ),
    ],
)
def test_malformed_request_messages_name_the_field_as_mlflow_does(client, experiment_id, tracking_uri, path, body, message):
    # The wording clients and scripts match on: the field's path with [i] for list items, a null
    # required field as missing, the value as JSON (strings quoted) and its Python type.
    run_id = client.create_run(experiment_id).info.run_id
    response = requests.post(f"{tracking_uri}/api/2.0/mlflow/{path}", json={"run_id": run_id, **body}, timeout=30)
    assert response.status_code == 400, response.text
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert response.json()["message"].startswith(message), response.json()["message"]


def test_a_null_experiment_name_is_a_missing_name(tracking_uri):
    response = requests.post(f"{tracking_uri}/api/2.0/mlflow/experiments/create", json={"name": None}, timeout=30)
    assert response.status_code == 400
    assert response.json()["message"].startswith("Missing value for required parameter 'name'.")
