"""Searches show only what the caller may read. With MLflow 3.17.2's semantics a per-resource DENY
grant takes a resource away from one user (NO_PERMISSIONS is a default, refused as a grant, see
test_auth_permissions.py); the resource disappears from their searches and a direct read is 403,
while its owner and the admin still see it. Revoking the grant brings it back."""

from __future__ import annotations

import pytest
from mlflow.exceptions import MlflowException

from auth_helpers import assert_refused, unique


def _refused(fn, *args, **kwargs) -> None:
    with pytest.raises(MlflowException) as info:
        fn(*args, **kwargs)
    assert_refused(info.value, 403, "PERMISSION_DENIED")


def _experiment_names(client, tag: str) -> list[str]:
    return sorted(e.name for e in client.search_experiments(filter_string=f"name LIKE '%{tag}%'"))


def test_denied_experiment_disappears_from_searches(auth):
    alice, bob = auth.new_user("alice"), auth.new_user("bob")
    tag = unique("srch")
    open_name, hidden_name = f"{tag}-open", f"{tag}-hidden"
    client = auth.client
    with auth.as_user(alice):
        open_id = client.create_experiment(open_name)
        hidden_id = client.create_experiment(hidden_name)
        open_run = client.create_run(open_id).info.run_id
        hidden_run = client.create_run(hidden_id).info.run_id
        for run_id in (open_run, hidden_run):
            client.log_metric(run_id, "acc", 0.9)
    with auth.as_user(bob):
        assert _experiment_names(client, tag) == [hidden_name, open_name]

    with auth.as_user(alice):
        auth.users.grant_user_permission(bob.username, "experiment", hidden_id, "DENY")
    assert auth.permission(bob, "experiment", hidden_id) == "DENY"

    with auth.as_user(bob):
        assert _experiment_names(client, tag) == [open_name]
        assert hidden_id not in {e.experiment_id for e in client.search_experiments(max_results=1000)}
        runs = client.search_runs([open_id, hidden_id], filter_string="metrics.acc > 0.5")
        assert [r.info.run_id for r in runs] == [open_run]
        assert client.search_runs([hidden_id]) == []
        _refused(client.get_experiment, hidden_id)
        _refused(client.get_experiment_by_name, hidden_name)
        _refused(client.get_run, hidden_run)
        _refused(client.list_artifacts, hidden_run)
        # The other experiment is untouched.
        assert client.get_run(open_run).data.metrics == {"acc": 0.9}

    # Its owner and the admin still see both.
    for who in (alice, auth.admin):
        with auth.as_user(who):
            assert _experiment_names(client, tag) == [hidden_name, open_name]
            assert len(client.search_runs([open_id, hidden_id])) == 2

    with auth.as_user(alice):
        auth.users.revoke_user_permission(bob.username, "experiment", hidden_id)
    with auth.as_user(bob):
        assert _experiment_names(client, tag) == [hidden_name, open_name]
        assert client.get_run(hidden_run).data.metrics == {"acc": 0.9}


def test_denied_registered_model_disappears_from_searches(auth):
    alice, bob = auth.new_user("alice"), auth.new_user("bob")
    tag = unique("msrch")
    open_name, hidden_name = f"{tag}-open", f"{tag}-hidden"
    client = auth.client
    with auth.as_user(alice):
        experiment_id = client.create_experiment(unique("msrch-exp"))
        run_id = client.create_run(experiment_id).info.run_id
        for name in (open_name, hidden_name):
            client.create_registered_model(name)
            client.create_model_version(name, f"runs:/{run_id}/model", run_id=run_id)

    def model_names() -> list[str]:
        return sorted(m.name for m in client.search_registered_models(f"name LIKE '{tag}%'"))

    def version_names() -> list[str]:
        return sorted(v.name for v in client.search_model_versions(f"name LIKE '{tag}%'"))

    with auth.as_user(bob):
        assert model_names() == [hidden_name, open_name]
        assert version_names() == [hidden_name, open_name]

    with auth.as_user(alice):
        auth.users.grant_user_permission(bob.username, "registered_model", hidden_name, "DENY")

    with auth.as_user(bob):
        assert model_names() == [open_name]
        assert version_names() == [open_name]
        assert client.search_model_versions(f"name = '{hidden_name}'") == []
        _refused(client.get_registered_model, hidden_name)
        _refused(client.get_model_version, hidden_name, "1")
        assert client.get_registered_model(open_name).name == open_name

    for who in (alice, auth.admin):
        with auth.as_user(who):
            assert model_names() == [hidden_name, open_name]

    with auth.as_user(alice):
        auth.users.revoke_user_permission(bob.username, "registered_model", hidden_name)
    with auth.as_user(bob):
        assert model_names() == [hidden_name, open_name]
