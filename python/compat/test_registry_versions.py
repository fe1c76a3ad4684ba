"""Model versions through MlflowClient and the fluent API: create (READY at once), register_model
from a run, numbering, get/update/delete, tags, download URI, downloading a models:/ URI."""

from __future__ import annotations

import json
from pathlib import Path

import mlflow
import mlflow.artifacts
import pytest
import yaml
from mlflow.exceptions import MlflowException

from registry_helpers import (
    READY,
    constant_iris_classifier,
    empty_run,
    error_code,
    log_sklearn_model,
    new_versions,
    rest,
)


def test_create_model_version_is_ready_at_once(client, model_name, experiment_id, tracking_uri):
    client.create_registered_model(model_name)
    run = empty_run(client, experiment_id)
    source = f"runs:/{run.info.run_id}/model"
    # Raw REST: the client polls get until READY, which would hide a PENDING_REGISTRATION answer.
    resp = rest(
        tracking_uri,
        "POST",
        "model-versions/create",
        json={"name": model_name, "source": source, "run_id": run.info.run_id},
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()["model_version"]
    assert body["status"] == READY
    assert body["version"] == "1"  # a string on the wire
    assert body["name"] == model_name
    assert body["source"] == source
    assert body["run_id"] == run.info.run_id
    assert body["current_stage"] == "None"

    version = client.create_model_version(
        model_name, source, run.info.run_id, tags={"a": "1"}, description="second"
    )
    assert version.status == READY
    assert version.version == "2"
    assert version.name == model_name
    assert version.source == source
    assert version.run_id == run.info.run_id
    assert version.current_stage == "None"
    assert version.description == "second"
    assert version.tags == {"a": "1"}
    assert version.creation_timestamp > 0
    assert version.last_updated_timestamp >= version.creation_timestamp


def test_versions_are_numbered_per_model(client, model_name, experiment_id):
    other = f"{model_name}-other"
    client.create_registered_model(model_name)
    client.create_registered_model(other)
    run = empty_run(client, experiment_id)
    numbers = {model_name: [], other: []}
    for name in (model_name, other, other, model_name, model_name, other):
        numbers[name] += [v.version for v in new_versions(client, name, run, 1)]
    assert numbers == {model_name: ["1", "2", "3"], other: ["1", "2", "3"]}
    for name in (model_name, other):
        found = client.search_model_versions(f"name = '{name}'")
        assert sorted(v.version for v in found) == ["1", "2", "3"]


def test_register_model_from_run_uri(client, model_name, experiment_id):
    run_id, info = log_sklearn_model(constant_iris_classifier(1))

    registered = mlflow.register_model(f"runs:/{run_id}/model", model_name)
    assert registered.name == model_name
    assert registered.version == "1"
    assert registered.status == READY
    assert registered.run_id == run_id
    # MLflow 3: the run has no files under "model"; register_model finds the run's logged model
    # (POST /logged-models/search) and registers "models:/<model_id>".
    assert registered.source == f"models:/{info.model_id}"
    assert client.get_registered_model(model_name).name == model_name  # created on the way

    # Registering again (the model exists now: RESOURCE_ALREADY_EXISTS is tolerated) makes v2.
    again = mlflow.register_model(f"runs:/{run_id}/model", model_name)
    assert again.version == "2"
    assert again.source == registered.source
    # ... and so does a models:/<model_id> URI.
    by_id = mlflow.register_model(f"models:/{info.model_id}", model_name)
    assert by_id.version == "3"
    assert by_id.run_id == run_id

    for version in ("1", "2", "3"):
        got = client.get_model_version(model_name, version)
        assert (got.status, got.run_id, got.source) == (READY, run_id, registered.source)
        assert client.get_model_version_download_uri(model_name, version) == info.artifact_path
    assert info.artifact_path.startswith("mlflow-artifacts:/")
    loaded = mlflow.sklearn.load_model(f"models:/{model_name}/1")
    assert list(loaded.predict([[5.1, 3.5, 1.4, 0.2], [6.3, 3.3, 6.0, 2.5]])) == [1, 1]


def test_get_update_delete_model_version(client, model_name, experiment_id):
    client.create_registered_model(model_name)
    run = empty_run(client, experiment_id)
    new_versions(client, model_name, run, 3)

    got = client.get_model_version(model_name, "2")
    assert (got.name, got.version, got.run_id) == (model_name, "2", run.info.run_id)

    updated = client.update_model_version(model_name, "2", description="better")
    assert updated.version == "2"
    assert updated.description == "better"
    assert client.get_model_version(model_name, "2").description == "better"
    assert client.get_model_version(model_name, "1").description in ("", None)

    client.delete_model_version(model_name, "2")
    with pytest.raises(MlflowException) as info:
        client.get_model_version(model_name, "2")
    assert error_code(info.value) == "RESOURCE_DOES_NOT_EXIST"
    remaining = client.search_model_versions(f"name = '{model_name}'")
    assert sorted(v.version for v in remaining) == ["1", "3"]

    # Version numbers are never reused: after deleting the newest, the next one is still 4.
    client.delete_model_version(model_name, "3")
    assert new_versions(client, model_name, run, 1)[0].version == "4"
    assert sorted(v.version for v in client.search_model_versions(f"name = '{model_name}'")) == [
        "1",
        "4",
    ]


def test_model_version_tags_set_overwrite_delete(client, model_name, experiment_id):
    client.create_registered_model(model_name)
    run = empty_run(client, experiment_id)
    new_versions(client, model_name, run, 2)
    client.set_model_version_tag(model_name, "1", "validated", "false")
    client.set_model_version_tag(model_name, "1", "owner", "bob")
    client.set_model_version_tag(model_name, "1", "validated", "true")
    assert client.get_model_version(model_name, "1").tags == {"validated": "true", "owner": "bob"}
    assert client.get_model_version(model_name, "2").tags == {}
    client.delete_model_version_tag(model_name, "1", "owner")
    assert client.get_model_version(model_name, "1").tags == {"validated": "true"}
    # Version tags are not registered-model tags.
    assert client.get_registered_model(model_name).tags == {}


def test_download_uri_and_download_artifacts_of_a_version(client, model_name, experiment_id, tmp_path):
    run_id, info = log_sklearn_model(constant_iris_classifier(2))
    mlflow.register_model(f"runs:/{run_id}/model", model_name)

    # models:/<model_id> sources resolve to the logged model's artifact location.
    assert client.get_model_version_download_uri(model_name, "1") == info.artifact_path

    local = Path(
        mlflow.artifacts.download_artifacts(f"models:/{model_name}/1", dst_path=str(tmp_path / "v1"))
    )
    files = {p.name for p in local.iterdir()}
    assert "MLmodel" in files, files
    mlmodel = yaml.safe_load((local / "MLmodel").read_text())
    assert mlmodel["model_id"] == info.model_id
    assert mlmodel["run_id"] == run_id
    data_file = mlmodel["flavors"]["sklearn"]["pickled_model"]
    assert data_file in files and (local / data_file).stat().st_size > 0
    assert "requirements.txt" in files

    # A run-relative source: stock MLflow returns it as given; resolving it to the run's artifact
    # location is as good for the client (both lead to the same files).
    run = empty_run(client, experiment_id)
    version = new_versions(client, model_name, run, 1)[0]
    assert client.get_model_version_download_uri(model_name, version.version) in (
        f"runs:/{run.info.run_id}/model",
        f"{run.info.artifact_uri.rstrip('/')}/model",
    )


def test_logged_model_lists_its_registrations_as_mlflow_writes_them(client, experiment_id, model_name):
    # The server appends {"name", "version"} to the logged model's mlflow.modelVersions tag, the
    # version a number as MLflow's store holds it.
    logged = client.create_logged_model(experiment_id=experiment_id, name="clf")
    client.create_registered_model(model_name)
    first = client.create_model_version(model_name, source=f"models:/{logged.model_id}", model_id=logged.model_id)
    second = client.create_model_version(model_name, source=f"models:/{logged.model_id}", model_id=logged.model_id)
    listed = json.loads(client.get_logged_model(logged.model_id).tags["mlflow.modelVersions"])
    assert listed == [
        {"name": model_name, "version": int(first.version)},
        {"name": model_name, "version": int(second.version)},
    ]


def test_runs_the_server_does_not_have_are_recorded_as_given(client, experiment_id, model_name):
    # A registry or logged model that names a run held elsewhere (split stores, a move in
    # progress): MLflow records the run as given and reads nothing until a client loads it.
    elsewhere = "a" * 32
    client.create_registered_model(model_name)
    version = client.create_model_version(model_name, source=f"runs:/{elsewhere}/model", run_id=elsewhere)
    assert version.run_id == elsewhere
    assert version.source == f"runs:/{elsewhere}/model"
    assert client.get_model_version_download_uri(model_name, version.version) == f"runs:/{elsewhere}/model"

    logged = client.create_logged_model(experiment_id=experiment_id, name="elsewhere", source_run_id=elsewhere)
    assert client.get_logged_model(logged.model_id).source_run_id == elsewhere

    # The source must still name its run: without run_id it is refused, as MLflow refuses it.
    with pytest.raises(MlflowException) as refused:
        client.create_model_version(model_name, source=f"runs:/{elsewhere}/model")
    assert refused.value.error_code == "INVALID_PARAMETER_VALUE"
