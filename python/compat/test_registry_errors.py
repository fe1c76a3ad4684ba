"""Model-registry error cases: MLflow's error codes and HTTP statuses, as stock MLflow 3.17 answers
them. Where the client validates an argument itself before sending (alias characters), the server
is checked with a raw REST call as well."""

from __future__ import annotations

import pytest
from mlflow.exceptions import MlflowException, RestException

from registry_helpers import empty_run, error_code, new_versions, rest

pytestmark = pytest.mark.filterwarnings("ignore:.*is deprecated since 2.9.0.*:FutureWarning")


def _raises(call, code: str, status: int) -> RestException:
    with pytest.raises(RestException) as info:
        call()
    assert error_code(info.value) == code, info.value
    assert info.value.get_http_status_code() == status, info.value
    return info.value


def test_duplicate_registered_model_name_is_resource_already_exists(client, model_name, tracking_uri):
    client.create_registered_model(model_name)
    _raises(lambda: client.create_registered_model(model_name), "RESOURCE_ALREADY_EXISTS", 400)
    resp = rest(tracking_uri, "POST", "registered-models/create", json={"name": model_name})
    assert resp.status_code == 400
    assert resp.json()["error_code"] == "RESOURCE_ALREADY_EXISTS"
    # Renaming onto an existing name too.
    other = f"{model_name}-other"
    client.create_registered_model(other)
    _raises(lambda: client.rename_registered_model(other, model_name), "RESOURCE_ALREADY_EXISTS", 400)
    assert client.get_registered_model(other).name == other


def test_unknown_registered_model_is_resource_does_not_exist(client, model_name, experiment_id, tracking_uri):
    missing = f"{model_name}-missing"
    run = empty_run(client, experiment_id)
    for call in (
        lambda: client.get_registered_model(missing),
        lambda: client.rename_registered_model(missing, f"{missing}-2"),
        lambda: client.update_registered_model(missing, description="x"),
        lambda: client.delete_registered_model(missing),
        lambda: client.set_registered_model_tag(missing, "k", "v"),
        lambda: client.set_registered_model_alias(missing, "champion", "1"),
        lambda: client.get_model_version(missing, "1"),
        lambda: client.create_model_version(missing, f"runs:/{run.info.run_id}/model", run.info.run_id),
    ):
        _raises(call, "RESOURCE_DOES_NOT_EXIST", 404)
    resp = rest(tracking_uri, "GET", "registered-models/get", params={"name": missing})
    assert resp.status_code == 404
    assert resp.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    assert resp.json()["message"]


def test_unknown_model_version_is_resource_does_not_exist(client, model_name, experiment_id, tracking_uri):
    client.create_registered_model(model_name)
    run = empty_run(client, experiment_id)
    new_versions(client, model_name, run, 1)
    for call in (
        lambda: client.get_model_version(model_name, "2"),
        lambda: client.update_model_version(model_name, "2", description="x"),
        lambda: client.delete_model_version(model_name, "2"),
        lambda: client.set_model_version_tag(model_name, "2", "k", "v"),
        lambda: client.transition_model_version_stage(model_name, "2", "Staging"),
        lambda: client.get_model_version_download_uri(model_name, "2"),
        # An alias on a missing version: stock MLflow says RESOURCE_DOES_NOT_EXIST (404).
        lambda: client.set_registered_model_alias(model_name, "champion", "2"),
    ):
        _raises(call, "RESOURCE_DOES_NOT_EXIST", 404)
    resp = rest(tracking_uri, "GET", "model-versions/get", params={"name": model_name, "version": "2"})
    assert resp.status_code == 404
    assert resp.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    # A version that is not a number at all is a bad parameter.
    _raises(lambda: client.get_model_version(model_name, "abc"), "INVALID_PARAMETER_VALUE", 400)
    assert client.get_registered_model(model_name).aliases == {}


def test_unknown_alias_is_invalid_parameter_value(client, model_name, experiment_id):
    client.create_registered_model(model_name)
    new_versions(client, model_name, empty_run(client, experiment_id), 1)
    # Stock MLflow: INVALID_PARAMETER_VALUE (400) "Registered model alias nosuch not found."
    _raises(lambda: client.get_model_version_by_alias(model_name, "nosuch"), "INVALID_PARAMETER_VALUE", 400)


@pytest.mark.parametrize("alias", ["latest", "LATEST", "Latest", "v1", "V2", "v123"])
def test_reserved_alias_is_invalid_parameter_value(client, model_name, experiment_id, tracking_uri, alias):
    client.create_registered_model(model_name)
    new_versions(client, model_name, empty_run(client, experiment_id), 1)
    _raises(lambda: client.set_registered_model_alias(model_name, alias, "1"), "INVALID_PARAMETER_VALUE", 400)
    assert client.get_registered_model(model_name).aliases == {}


@pytest.mark.parametrize("alias", ["bad alias", "a/b", "champion!", "a.b", "x" * 256])
def test_invalid_alias_characters_are_invalid_parameter_value(
    client, model_name, experiment_id, tracking_uri, alias
):
    client.create_registered_model(model_name)
    new_versions(client, model_name, empty_run(client, experiment_id), 1)
    # The client refuses these itself (a plain MlflowException) ...
    with pytest.raises(MlflowException) as info:
        client.set_registered_model_alias(model_name, alias, "1")
    assert error_code(info.value) == "INVALID_PARAMETER_VALUE"
    # ... so the server's own check is exercised over REST.
    resp = rest(
        tracking_uri,
        "POST",
        "registered-models/alias",
        json={"name": model_name, "alias": alias, "version": "1"},
    )
    assert resp.status_code == 400, resp.text
    assert resp.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert client.get_registered_model(model_name).aliases == {}


def test_invalid_stage_is_invalid_parameter_value(client, model_name, experiment_id, tracking_uri):
    client.create_registered_model(model_name)
    new_versions(client, model_name, empty_run(client, experiment_id), 1)
    for stage in ("Prod", "deleted", "Deleted_Internal", ""):
        resp = rest(
            tracking_uri,
            "POST",
            "model-versions/transition-stage",
            json={"name": model_name, "version": "1", "stage": stage, "archive_existing_versions": False},
        )
        assert resp.status_code == 400, (stage, resp.text)
        assert resp.json()["error_code"] == "INVALID_PARAMETER_VALUE", stage
    with pytest.raises(MlflowException) as info:
        client.transition_model_version_stage(model_name, "1", "Prod")
    assert error_code(info.value) == "INVALID_PARAMETER_VALUE"
    # get_latest_versions validates its stages the same way.
    resp = rest(tracking_uri, "POST", "registered-models/get-latest-versions", json={"name": model_name, "stages": ["Prod"]})
    assert resp.status_code == 400
    assert resp.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert client.get_model_version(model_name, "1").current_stage == "None"


@pytest.mark.parametrize("name", ["", "a/b", "a:b"])
def test_invalid_registered_model_name_is_invalid_parameter_value(client, tracking_uri, name):
    _raises(lambda: client.create_registered_model(name), "INVALID_PARAMETER_VALUE", 400)
    resp = rest(tracking_uri, "POST", "registered-models/create", json={"name": name})
    assert resp.status_code == 400
    assert resp.json()["error_code"] == "INVALID_PARAMETER_VALUE"


def test_missing_name_is_invalid_parameter_value(tracking_uri):
    for method, path, body in [
        ("POST", "registered-models/create", {}),
        ("POST", "model-versions/create", {"source": "runs:/abc/model"}),
        ("GET", "registered-models/get", None),
    ]:
        resp = rest(tracking_uri, method, path, json=body) if body is not None else rest(tracking_uri, method, path)
        assert resp.status_code == 400, (path, resp.text)
        assert resp.json()["error_code"] == "INVALID_PARAMETER_VALUE", path


def test_search_limits_are_invalid_parameter_value(client, tracking_uri):
    _raises(lambda: client.search_registered_models(max_results=1001), "INVALID_PARAMETER_VALUE", 400)
    assert isinstance(list(client.search_registered_models(max_results=1000)), list)
    for path, limit in [("registered-models/search", 1001), ("model-versions/search", 200001)]:
        resp = rest(tracking_uri, "GET", path, params={"max_results": limit})
        assert resp.status_code == 400, (path, resp.text)
        assert resp.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    for bad in ("bogus = 'x'", "name = unquoted", "name >>> 'x'"):
        _raises(lambda: client.search_registered_models(bad), "INVALID_PARAMETER_VALUE", 400)
    _raises(
        lambda: client.search_registered_models(order_by=["bogus DESC"]), "INVALID_PARAMETER_VALUE", 400
    )
    _raises(lambda: client.search_model_versions("bogus = 'x'"), "INVALID_PARAMETER_VALUE", 400)
