"""Legacy model-version stages (deprecated since MLflow 2.9, still served): transitions,
archive_existing_versions, get_latest_versions."""

from __future__ import annotations

import pytest

from registry_helpers import empty_run, new_versions

pytestmark = pytest.mark.filterwarnings("ignore:.*is deprecated since 2.9.0.*:FutureWarning")


def _stages(client, name) -> dict[str, str]:
    return {v.version: v.current_stage for v in client.search_model_versions(f"name = '{name}'")}


def test_transition_stages_case_insensitive(client, model_name, experiment_id):
    client.create_registered_model(model_name)
    run = empty_run(client, experiment_id)
    new_versions(client, model_name, run, 1)
    assert client.get_model_version(model_name, "1").current_stage == "None"

    for given, canonical in [
        ("Staging", "Staging"),
        ("production", "Production"),
        ("ARCHIVED", "Archived"),
        ("staging", "Staging"),
        ("none", "None"),
    ]:
        result = client.transition_model_version_stage(model_name, "1", given)
        assert result.current_stage == canonical, given
        assert client.get_model_version(model_name, "1").current_stage == canonical, given


def test_archive_existing_versions_true_archives_other_production(client, model_name, experiment_id):
    client.create_registered_model(model_name)
    run = empty_run(client, experiment_id)
    new_versions(client, model_name, run, 4)
    client.transition_model_version_stage(model_name, "1", "Production")
    client.transition_model_version_stage(model_name, "2", "Production")
    client.transition_model_version_stage(model_name, "3", "Staging")
    assert _stages(client, model_name) == {
        "1": "Production", "2": "Production", "3": "Staging", "4": "None"
    }

    client.transition_model_version_stage(
        model_name, "4", "Production", archive_existing_versions=True
    )

    # The other Production versions are archived; Staging and the rest are left alone.
    assert _stages(client, model_name) == {
        "1": "Archived", "2": "Archived", "3": "Staging", "4": "Production"
    }


def test_archive_existing_versions_false_leaves_them(client, model_name, experiment_id):
    client.create_registered_model(model_name)
    run = empty_run(client, experiment_id)
    new_versions(client, model_name, run, 3)
    client.transition_model_version_stage(model_name, "1", "Production")
    client.transition_model_version_stage(model_name, "2", "Production", archive_existing_versions=False)
    client.transition_model_version_stage(model_name, "3", "Production")  # default False
    assert _stages(client, model_name) == {"1": "Production", "2": "Production", "3": "Production"}


def test_get_latest_versions_one_per_stage(client, model_name, experiment_id):
    client.create_registered_model(model_name)
    run = empty_run(client, experiment_id)
    new_versions(client, model_name, run, 6)
    for version, stage in [("1", "Production"), ("2", "Production"), ("3", "Staging"), ("4", "Archived")]:
        client.transition_model_version_stage(model_name, version, stage)
    # 5 and 6 stay in "None".

    def latest(stages=None) -> dict[str, str]:
        found = client.get_latest_versions(model_name, stages=stages)
        by_stage = {v.current_stage: v.version for v in found}
        assert len(by_stage) == len(found), found  # one per stage
        return by_stage

    assert latest() == {"Production": "2", "Staging": "3", "Archived": "4", "None": "6"}
    assert latest(["Production"]) == {"Production": "2"}
    assert latest(["production", "staging"]) == {"Production": "2", "Staging": "3"}
    assert latest(["None"]) == {"None": "6"}

    # The registered model's latest_versions is the same set.
    registered = client.get_registered_model(model_name)
    assert {v.current_stage: v.version for v in registered.latest_versions} == latest()

    client.delete_model_version(model_name, "2")
    assert latest(["Production"]) == {"Production": "1"}
