"""Permissions as MLflow 3.17.2's basic-auth app defines them, through the stock client: every user
has the default permission (READ) on everyone's experiments and models, a creator gets MANAGE on
what they create, and per-user grants (grant_user_permission / revoke_user_permission /
get_user_permission of get_app_client("basic-auth")) change what a user may do. A refusal is 403
PERMISSION_DENIED.

MLflow 3.17.2's client has no create_experiment_permission / update_... / delete_... any more; the
unified grant, revoke and get API replaces them. A grant cannot be granted twice (400
RESOURCE_ALREADY_EXISTS): changing one is revoke, then grant."""

from __future__ import annotations

import mlflow
import pytest
import requests
from mlflow.exceptions import MlflowException, RestException

from auth_helpers import assert_refused, unique


def _refused(fn, *args, status=403, code="PERMISSION_DENIED", **kwargs) -> MlflowException:
    with pytest.raises(MlflowException) as info:
        fn(*args, **kwargs)
    assert_refused(info.value, status, code)
    return info.value


@pytest.fixture
def alice_experiment(auth, tmp_path):
    """alice, her experiment with one run (a param, a metric, an artifact), and bob, another user."""
    alice, bob = auth.new_user("alice"), auth.new_user("bob")
    artifact = tmp_path / "notes.txt"
    artifact.write_text("alice's notes")
    with auth.as_user(alice):
        experiment_id = auth.client.create_experiment(unique("alice-exp"))
        run_id = auth.client.create_run(experiment_id).info.run_id
        auth.client.log_param(run_id, "lr", "0.1")
        auth.client.log_metric(run_id, "loss", 0.5)
        auth.client.log_artifact(run_id, str(artifact))
    return alice, bob, experiment_id, run_id, artifact


def test_creator_gets_manage_and_others_read_by_default(auth, alice_experiment):
    alice, bob, experiment_id, run_id, _ = alice_experiment
    assert auth.permission(alice, "experiment", experiment_id) == "MANAGE"
    assert auth.permission(bob, "experiment", experiment_id) == "READ"
    # Each user may ask about themselves; `allowed` is USE or more.
    with auth.as_user(bob):
        mine = auth.users.get_user_permission(bob.username, "experiment", experiment_id)
        assert (mine.permission, mine.allowed) == ("READ", False)
        # ... but not about someone else.
        _refused(auth.users.get_user_permission, alice.username, "experiment", experiment_id)
    with auth.as_user(alice):
        mine = auth.users.get_user_permission(alice.username, "experiment", experiment_id)
        assert (mine.permission, mine.allowed) == ("MANAGE", True)


def test_read_permission_reads_but_cannot_write(auth, alice_experiment, tmp_path):
    alice, bob, experiment_id, run_id, artifact = alice_experiment
    client = auth.client
    with auth.as_user(bob):
        # READ: the experiment, its runs, their data and artifacts.
        assert client.get_experiment(experiment_id).experiment_id == experiment_id
        run = client.get_run(run_id)
        assert run.data.params == {"lr": "0.1"}
        assert run.data.metrics == {"loss": 0.5}
        assert [m.value for m in client.get_metric_history(run_id, "loss")] == [0.5]
        assert [r.info.run_id for r in client.search_runs([experiment_id])] == [run_id]
        assert [a.path for a in client.list_artifacts(run_id)] == [artifact.name]
        local = client.download_artifacts(run_id, artifact.name, str(tmp_path))
        assert open(local).read() == "alice's notes"

        # No writes to alice's run or experiment.
        _refused(client.log_metric, run_id, "loss", 0.1)
        _refused(client.log_param, run_id, "bob", "1")
        _refused(client.set_tag, run_id, "k", "v")
        _refused(client.set_terminated, run_id)
        _refused(client.create_run, experiment_id)
        _refused(client.set_experiment_tag, experiment_id, "k", "v")
        _refused(client.rename_experiment, experiment_id, unique("renamed"))
        _refused(client.delete_run, run_id)
        _refused(client.delete_experiment, experiment_id)
        # The artifact upload (mlflow-artifacts proxy) is refused too.
        with pytest.raises(requests.HTTPError) as upload:
            client.log_artifact(run_id, str(artifact), "bob")
        assert upload.value.response.status_code == 403
        # The fluent API: starting a run in alice's experiment.
        mlflow.set_experiment(experiment_id=experiment_id)
        _refused(mlflow.start_run)
        assert mlflow.active_run() is None

    with auth.as_user(alice):
        run = client.get_run(run_id)
        assert run.data.metrics == {"loss": 0.5}
        assert run.data.params == {"lr": "0.1"}
        assert run.data.tags.get("k") is None
        assert run.info.status == "RUNNING"
        assert [a.path for a in client.list_artifacts(run_id)] == [artifact.name]
        assert client.get_experiment(experiment_id).lifecycle_stage == "active"


def test_user_creates_and_manages_own_experiment(auth):
    bob = auth.new_user("bob")
    name = unique("bob-exp")
    with auth.as_user(bob):
        mlflow.set_experiment(name)  # the fluent API creates it
        with mlflow.start_run() as run:
            mlflow.log_param("alpha", "0.5")
            mlflow.log_metric("rmse", 0.25)
        experiment_id = run.info.experiment_id
        assert auth.client.get_run(run.info.run_id).data.metrics == {"rmse": 0.25}
    assert auth.permission(bob, "experiment", experiment_id) == "MANAGE"
    carol = auth.new_user("carol")
    assert auth.permission(carol, "experiment", experiment_id) == "READ"
    with auth.as_user(bob):
        # MANAGE: grant to others, delete.
        auth.users.grant_user_permission(carol.username, "experiment", experiment_id, "EDIT")
        auth.client.delete_run(run.info.run_id)
        auth.client.delete_experiment(experiment_id)
    assert auth.permission(carol, "experiment", experiment_id) == "EDIT"


def test_experiment_grants_change_what_a_user_may_do(auth, alice_experiment):
    alice, bob, experiment_id, run_id, _ = alice_experiment
    users, client = auth.users, auth.client

    # Only a manager (or an admin) grants; bob may not grant himself.
    with auth.as_user(bob):
        _refused(users.grant_user_permission, bob.username, "experiment", experiment_id, "EDIT")

    # USE is still not enough to log.
    with auth.as_user(alice):
        users.grant_user_permission(bob.username, "experiment", experiment_id, "USE")
    with auth.as_user(bob):
        assert users.get_user_permission(bob.username, "experiment", experiment_id).allowed is True
        _refused(client.log_metric, run_id, "loss", 0.4)

    # A second grant is refused: changing one is revoke, then grant.
    with auth.as_user(alice):
        with pytest.raises(RestException) as dup:
            users.grant_user_permission(bob.username, "experiment", experiment_id, "EDIT")
        assert_refused(dup.value, 400, "RESOURCE_ALREADY_EXISTS")
        users.revoke_user_permission(bob.username, "experiment", experiment_id)
        users.grant_user_permission(bob.username, "experiment", experiment_id, "EDIT")
    assert auth.permission(bob, "experiment", experiment_id) == "EDIT"

    # EDIT: log to alice's run, create runs in her experiment; not delete, not grant.
    with auth.as_user(bob):
        client.log_metric(run_id, "loss", 0.4)
        client.set_tag(run_id, "reviewed_by", bob.username)
        bob_run = client.create_run(experiment_id).info.run_id
        client.set_terminated(bob_run)
        _refused(client.delete_run, run_id)
        _refused(client.delete_experiment, experiment_id)
        _refused(users.grant_user_permission, alice.username, "experiment", experiment_id, "READ")
    with auth.as_user(alice):
        assert [m.value for m in client.get_metric_history(run_id, "loss")] == [0.5, 0.4]

    # MANAGE (granted by the admin this time): delete.
    with auth.as_admin():
        users.revoke_user_permission(bob.username, "experiment", experiment_id)
        users.grant_user_permission(bob.username, "experiment", experiment_id, "MANAGE")
    with auth.as_user(bob):
        client.delete_run(bob_run)

    # Revoked: back to the default READ.
    with auth.as_user(alice):
        users.revoke_user_permission(bob.username, "experiment", experiment_id)
        with pytest.raises(RestException) as again:
            users.revoke_user_permission(bob.username, "experiment", experiment_id)
        assert_refused(again.value, 404, "RESOURCE_DOES_NOT_EXIST")
    assert auth.permission(bob, "experiment", experiment_id) == "READ"
    with auth.as_user(bob):
        assert client.get_run(run_id).data.tags["reviewed_by"] == bob.username
        _refused(client.log_metric, run_id, "loss", 0.3)
        _refused(client.delete_experiment, experiment_id)


def test_invalid_grants_are_refused(auth, alice_experiment):
    alice, bob, experiment_id, _, _ = alice_experiment
    with auth.as_admin():
        with pytest.raises(RestException) as bad_name:
            auth.users.grant_user_permission(bob.username, "experiment", experiment_id, "SUPERUSER")
        assert_refused(bad_name.value, 400, "INVALID_PARAMETER_VALUE")
        # NO_PERMISSIONS is a default, not a grant: MLflow 3.17.2 takes DENY per resource.
        with pytest.raises(RestException) as no_perm:
            auth.users.grant_user_permission(
                bob.username, "experiment", experiment_id, "NO_PERMISSIONS"
            )
        assert_refused(no_perm.value, 400, "INVALID_PARAMETER_VALUE")
        with pytest.raises(RestException) as nobody:
            auth.users.grant_user_permission(unique("nobody"), "experiment", experiment_id, "READ")
        assert_refused(nobody.value, 404, "RESOURCE_DOES_NOT_EXIST")
        with pytest.raises(RestException) as not_granted:
            auth.users.revoke_user_permission(bob.username, "experiment", experiment_id)
        assert_refused(not_granted.value, 404, "RESOURCE_DOES_NOT_EXIST")
    assert auth.permission(bob, "experiment", experiment_id) == "READ"


@pytest.fixture
def alice_model(auth, alice_experiment):
    """alice's registered model with one version (from her run's artifact)."""
    alice, bob, experiment_id, run_id, artifact = alice_experiment
    name = unique("alice-model")
    with auth.as_user(alice):
        auth.client.create_registered_model(name)
        version = auth.client.create_model_version(
            name, f"runs:/{run_id}/{artifact.name}", run_id=run_id
        )
    return alice, bob, name, version.version, run_id


def test_registered_model_default_read_and_grants(auth, alice_model):
    alice, bob, name, version, run_id = alice_model
    users, client = auth.users, auth.client
    assert auth.permission(alice, "registered_model", name) == "MANAGE"
    assert auth.permission(bob, "registered_model", name) == "READ"

    with auth.as_user(bob):
        assert client.get_registered_model(name).name == name
        assert client.get_model_version(name, version).run_id == run_id
        # READ: no changes, and no deleting someone else's model.
        _refused(client.update_registered_model, name, "bob was here")
        _refused(client.set_registered_model_alias, name, "champion", version)
        _refused(client.set_model_version_tag, name, version, "k", "v")
        _refused(client.create_model_version, name, f"runs:/{run_id}/model", run_id=run_id)
        _refused(client.delete_model_version, name, version)
        _refused(client.delete_registered_model, name)
        _refused(users.grant_user_permission, bob.username, "registered_model", name, "MANAGE")

    with auth.as_user(alice):
        users.grant_user_permission(bob.username, "registered_model", name, "EDIT")
    with auth.as_user(bob):
        client.update_registered_model(name, "reviewed by bob")
        client.set_registered_model_alias(name, "champion", version)
        _refused(client.delete_registered_model, name)

    with auth.as_user(alice):
        users.revoke_user_permission(bob.username, "registered_model", name)
        users.grant_user_permission(bob.username, "registered_model", name, "MANAGE")
    assert auth.permission(bob, "registered_model", name) == "MANAGE"
    with auth.as_user(bob):
        client.delete_registered_model(name)
    with auth.as_user(alice):
        _refused(client.get_registered_model, name, status=404, code="RESOURCE_DOES_NOT_EXIST")
