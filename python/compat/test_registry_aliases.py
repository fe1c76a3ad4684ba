"""Registered-model aliases: set, read back on both entities, move, delete, and load
models:/<name>@<alias> with the sklearn and pyfunc flavors."""

from __future__ import annotations

import mlflow
import mlflow.pyfunc
import mlflow.sklearn
import pytest
from mlflow.exceptions import MlflowException

from registry_helpers import (
    constant_iris_classifier,
    empty_run,
    error_code,
    log_sklearn_model,
    new_versions,
)

SAMPLES = [[5.1, 3.5, 1.4, 0.2], [6.3, 3.3, 6.0, 2.5], [5.9, 3.0, 4.2, 1.5]]


def test_alias_set_get_and_shown_on_model_and_version(client, model_name, experiment_id):
    client.create_registered_model(model_name)
    run = empty_run(client, experiment_id)
    new_versions(client, model_name, run, 2)

    client.set_registered_model_alias(model_name, "champion", "1")
    client.set_registered_model_alias(model_name, "challenger", "2")
    client.set_registered_model_alias(model_name, "baseline", "1")

    by_alias = client.get_model_version_by_alias(model_name, "champion")
    assert (by_alias.name, by_alias.version) == (model_name, "1")
    assert sorted(by_alias.aliases) == ["baseline", "champion"]
    assert client.get_model_version_by_alias(model_name, "challenger").version == "2"

    assert client.get_registered_model(model_name).aliases == {
        "champion": "1",
        "challenger": "2",
        "baseline": "1",
    }
    assert sorted(client.get_model_version(model_name, "1").aliases) == ["baseline", "champion"]
    assert client.get_model_version(model_name, "2").aliases == ["challenger"]
    # (search_model_versions results carry no aliases in stock MLflow 3.17, so they are not checked.)
    [listed] = client.search_registered_models(f"name = '{model_name}'")
    assert listed.aliases == {"champion": "1", "challenger": "2", "baseline": "1"}


def test_alias_moves_from_one_version_to_another(client, model_name, experiment_id):
    client.create_registered_model(model_name)
    run = empty_run(client, experiment_id)
    new_versions(client, model_name, run, 2)
    client.set_registered_model_alias(model_name, "champion", "1")

    client.set_registered_model_alias(model_name, "champion", "2")

    assert client.get_model_version_by_alias(model_name, "champion").version == "2"
    assert client.get_registered_model(model_name).aliases == {"champion": "2"}
    assert client.get_model_version(model_name, "1").aliases == []
    assert client.get_model_version(model_name, "2").aliases == ["champion"]


def test_delete_alias(client, model_name, experiment_id):
    client.create_registered_model(model_name)
    run = empty_run(client, experiment_id)
    new_versions(client, model_name, run, 1)
    client.set_registered_model_alias(model_name, "champion", "1")
    client.set_registered_model_alias(model_name, "keep", "1")

    client.delete_registered_model_alias(model_name, "champion")

    with pytest.raises(MlflowException) as info:
        client.get_model_version_by_alias(model_name, "champion")
    # Stock MLflow answers an unknown alias of an existing model with INVALID_PARAMETER_VALUE
    # (400), not RESOURCE_DOES_NOT_EXIST.
    assert error_code(info.value) == "INVALID_PARAMETER_VALUE"
    assert client.get_registered_model(model_name).aliases == {"keep": "1"}
    assert client.get_model_version(model_name, "1").aliases == ["keep"]
    # Deleting an alias that is not set is not an error.
    client.delete_registered_model_alias(model_name, "champion")


def test_deleting_the_version_drops_its_aliases(client, model_name, experiment_id):
    client.create_registered_model(model_name)
    run = empty_run(client, experiment_id)
    new_versions(client, model_name, run, 2)
    client.set_registered_model_alias(model_name, "champion", "1")
    client.set_registered_model_alias(model_name, "challenger", "2")
    client.delete_model_version(model_name, "1")
    assert client.get_registered_model(model_name).aliases == {"challenger": "2"}
    with pytest.raises(MlflowException):
        client.get_model_version_by_alias(model_name, "champion")


def test_load_model_by_alias_follows_the_alias(client, model_name, experiment_id):
    # Two versions whose models always answer 0 and 2: a prediction tells which version loaded.
    run_a, _ = log_sklearn_model(constant_iris_classifier(0))
    run_b, _ = log_sklearn_model(constant_iris_classifier(2))
    assert mlflow.register_model(f"runs:/{run_a}/model", model_name).version == "1"
    assert mlflow.register_model(f"runs:/{run_b}/model", model_name).version == "2"

    client.set_registered_model_alias(model_name, "champion", "1")
    uri = f"models:/{model_name}@champion"
    assert list(mlflow.sklearn.load_model(uri).predict(SAMPLES)) == [0, 0, 0]
    assert [int(p) for p in mlflow.pyfunc.load_model(uri).predict(SAMPLES)] == [0, 0, 0]

    client.set_registered_model_alias(model_name, "champion", "2")
    assert list(mlflow.sklearn.load_model(uri).predict(SAMPLES)) == [2, 2, 2]
    assert [int(p) for p in mlflow.pyfunc.load_model(uri).predict(SAMPLES)] == [2, 2, 2]

    # "latest" is the highest version number, and explicit versions load what they name.
    assert list(mlflow.sklearn.load_model(f"models:/{model_name}/latest").predict(SAMPLES)) == [2, 2, 2]
    assert list(mlflow.sklearn.load_model(f"models:/{model_name}/1").predict(SAMPLES)) == [0, 0, 0]
