"""Registered models through MlflowClient: create, get, rename, update, tags, delete."""

from __future__ import annotations

import pytest
from mlflow.exceptions import MlflowException

from registry_helpers import empty_run, error_code, new_versions


def test_create_and_get_registered_model(client, model_name):
    created = client.create_registered_model(
        model_name, tags={"team": "ml", "task": "iris"}, description="first description"
    )
    assert created.name == model_name
    assert created.description == "first description"
    assert created.tags == {"team": "ml", "task": "iris"}
    assert created.creation_timestamp > 0
    assert created.last_updated_timestamp >= created.creation_timestamp

    got = client.get_registered_model(model_name)
    assert got.name == model_name
    assert got.description == "first description"
    assert got.tags == {"team": "ml", "task": "iris"}
    assert got.creation_timestamp == created.creation_timestamp
    assert got.latest_versions == []
    assert got.aliases == {}


def test_rename_registered_model_moves_its_versions(client, model_name, experiment_id):
    client.create_registered_model(model_name, tags={"k": "v"}, description="d")
    run = empty_run(client, experiment_id)
    new_versions(client, model_name, run, 2)
    client.set_registered_model_alias(model_name, "champion", "2")
    renamed = f"{model_name}-renamed"

    client.rename_registered_model(model_name, renamed)  # MlflowClient returns None here

    with pytest.raises(MlflowException) as info:
        client.get_registered_model(model_name)
    assert error_code(info.value) == "RESOURCE_DOES_NOT_EXIST"
    got = client.get_registered_model(renamed)
    assert (got.name, got.description, got.tags) == (renamed, "d", {"k": "v"})
    assert got.aliases == {"champion": "2"}
    versions = client.search_model_versions(f"name = '{renamed}'")
    assert sorted(int(v.version) for v in versions) == [1, 2]
    assert all(v.name == renamed for v in versions)
    assert client.get_model_version(renamed, "1").run_id == run.info.run_id
    assert client.get_model_version_by_alias(renamed, "champion").version == "2"
    assert client.search_model_versions(f"name = '{model_name}'") == []
    # The next version continues the numbering under the new name.
    assert new_versions(client, renamed, run, 1)[0].version == "3"


def test_update_registered_model_description(client, model_name):
    created = client.create_registered_model(model_name)
    assert created.description in ("", None)
    updated = client.update_registered_model(model_name, description="now described")
    assert updated.name == model_name
    assert updated.description == "now described"
    got = client.get_registered_model(model_name)
    assert got.description == "now described"
    assert got.last_updated_timestamp >= created.last_updated_timestamp
    client.update_registered_model(model_name, description="")
    assert client.get_registered_model(model_name).description in ("", None)


def test_registered_model_tags_set_overwrite_delete(client, model_name):
    client.create_registered_model(model_name)
    client.set_registered_model_tag(model_name, "stage", "dev")
    client.set_registered_model_tag(model_name, "owner", "alice")
    assert client.get_registered_model(model_name).tags == {"stage": "dev", "owner": "alice"}
    client.set_registered_model_tag(model_name, "stage", "prod")
    assert client.get_registered_model(model_name).tags == {"stage": "prod", "owner": "alice"}
    client.delete_registered_model_tag(model_name, "stage")
    assert client.get_registered_model(model_name).tags == {"owner": "alice"}
    # Deleting a tag that is not there is not an error (stock MLflow answers 200).
    client.delete_registered_model_tag(model_name, "stage")
    assert client.get_registered_model(model_name).tags == {"owner": "alice"}


def test_delete_registered_model_deletes_versions_and_aliases(client, model_name, experiment_id):
    client.create_registered_model(model_name)
    run = empty_run(client, experiment_id)
    new_versions(client, model_name, run, 2)
    client.set_registered_model_alias(model_name, "champion", "1")
    client.set_model_version_tag(model_name, "1", "checked", "yes")

    client.delete_registered_model(model_name)

    with pytest.raises(MlflowException) as info:
        client.get_registered_model(model_name)
    assert error_code(info.value) == "RESOURCE_DOES_NOT_EXIST"
    for version in ("1", "2"):
        with pytest.raises(MlflowException) as info:
            client.get_model_version(model_name, version)
        assert error_code(info.value) == "RESOURCE_DOES_NOT_EXIST"
    with pytest.raises(MlflowException) as info:
        client.get_model_version_by_alias(model_name, "champion")
    assert error_code(info.value) == "RESOURCE_DOES_NOT_EXIST"
    assert client.search_model_versions(f"name = '{model_name}'") == []
    assert client.search_registered_models(f"name = '{model_name}'") == []

    # The name is free again, and nothing of the old model comes back with it.
    client.create_registered_model(model_name)
    fresh = client.get_registered_model(model_name)
    assert fresh.aliases == {} and fresh.tags == {} and fresh.latest_versions == []
    version = new_versions(client, model_name, run, 1)[0]
    assert version.version == "1"
    assert version.tags == {}
    assert version.aliases == []
