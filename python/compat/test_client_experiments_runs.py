"""Tracking-client capabilities, one test each: experiments and runs (create, nest, end, fail,
delete and restore). Every test reads back through the server what it wrote through the stock
MLflow client: a call that merely does not raise proves nothing."""

from __future__ import annotations

import mlflow
import pytest
from mlflow.entities import ViewType
from mlflow.exceptions import MlflowException

from helpers import FAILED, FINISHED, KILLED, RUNNING


def test_set_experiment(client, experiment_name):
    assert client.get_experiment_by_name(experiment_name) is None

    exp = mlflow.set_experiment(experiment_name)  # creates it
    assert exp.name == experiment_name
    assert exp.lifecycle_stage == "active"
    assert exp.experiment_id not in ("", "0")

    fetched = client.get_experiment_by_name(experiment_name)
    assert fetched is not None
    assert fetched.experiment_id == exp.experiment_id
    assert fetched.name == experiment_name
    assert fetched.artifact_location.startswith("mlflow-artifacts:/")
    assert fetched.creation_time and fetched.last_update_time
    assert client.get_experiment(exp.experiment_id).name == experiment_name

    # Setting it again finds the existing one (get-by-name), by name and by id.
    assert mlflow.set_experiment(experiment_name).experiment_id == exp.experiment_id
    assert mlflow.set_experiment(experiment_id=exp.experiment_id).name == experiment_name
    # Runs started now land in it.
    with mlflow.start_run() as run:
        pass
    assert client.get_run(run.info.run_id).info.experiment_id == exp.experiment_id

    # The Default experiment exists on a fresh server.
    default = client.get_experiment("0")
    assert default.name == "Default"


def test_relative_artifact_location_is_made_absolute(client, experiment_name):
    # As MLflow's resolve_uri_if_local: against the server's working directory.
    plain = client.create_experiment(experiment_name, artifact_location="relative/compat-artifacts")
    location = client.get_experiment(plain).artifact_location
    assert location.startswith("/") and location.endswith("/relative/compat-artifacts"), location
    with_scheme = client.create_experiment(f"{experiment_name}-file", artifact_location="file:relative/compat-file")
    location = client.get_experiment(with_scheme).artifact_location
    assert location.startswith("file:///") and location.endswith("/relative/compat-file"), location
    # Remote and absolute locations are kept as given.
    for given in ("s3://bucket/compat/path", "/absolute/compat/path"):
        exp_id = client.create_experiment(f"{experiment_name}-{len(given)}", artifact_location=given)
        assert client.get_experiment(exp_id).artifact_location == given


def test_start_run_and_nested_runs(client, experiment_id):
    with mlflow.start_run(run_name="parent-run", tags={"stage": "outer"}) as parent:
        pid = parent.info.run_id
        assert len(pid) == 32 and all(c in "0123456789abcdef" for c in pid)
        live = client.get_run(pid)
        assert live.info.status == RUNNING
        assert live.info.end_time is None
        assert live.info.run_name == "parent-run"
        assert live.info.experiment_id == experiment_id
        assert live.info.lifecycle_stage == "active"
        assert live.info.artifact_uri.startswith("mlflow-artifacts:/")
        assert pid in live.info.artifact_uri
        assert live.data.tags["stage"] == "outer"
        assert live.data.tags["mlflow.runName"] == "parent-run"
        assert live.data.tags.get("mlflow.user")
        assert live.info.user_id == live.data.tags["mlflow.user"]

        with mlflow.start_run(run_name="child-run", nested=True) as child:
            cid = child.info.run_id
            with mlflow.start_run(run_name="grandchild-run", nested=True) as grandchild:
                gid = grandchild.info.run_id
        assert mlflow.active_run().info.run_id == pid

    child_run = client.get_run(cid)
    assert child_run.data.tags["mlflow.parentRunId"] == pid
    assert child_run.info.run_name == "child-run"
    assert child_run.info.status == FINISHED
    assert client.get_run(gid).data.tags["mlflow.parentRunId"] == cid
    assert "mlflow.parentRunId" not in client.get_run(pid).data.tags

    children = client.search_runs([experiment_id], f"tags.mlflow.parentRunId = '{pid}'")
    assert [r.info.run_id for r in children] == [cid]

    # A run without a name gets one from the server (tag and attribute agree).
    with mlflow.start_run() as unnamed:
        pass
    info = client.get_run(unnamed.info.run_id)
    assert info.info.run_name
    assert info.data.tags["mlflow.runName"] == info.info.run_name


def test_end_run(client, experiment_id):
    run = mlflow.start_run()
    rid = run.info.run_id
    assert client.get_run(rid).info.status == RUNNING
    mlflow.end_run()
    assert mlflow.active_run() is None
    info = client.get_run(rid).info
    assert info.status == FINISHED
    assert info.end_time is not None
    assert info.end_time >= info.start_time

    mlflow.start_run()
    killed_id = mlflow.active_run().info.run_id
    mlflow.end_run(status="KILLED")
    assert client.get_run(killed_id).info.status == KILLED

    # Client API: explicit end time.
    r = client.create_run(experiment_id)
    end = r.info.start_time + 1234
    client.set_terminated(r.info.run_id, status="FINISHED", end_time=end)
    got = client.get_run(r.info.run_id).info
    assert (got.status, got.end_time) == (FINISHED, end)


def test_exception_inside_with_start_run_marks_run_failed(client, experiment_id):
    with pytest.raises(ZeroDivisionError):
        with mlflow.start_run() as run:
            mlflow.log_metric("before_crash", 1.0)
            1 / 0  # noqa: B018
    assert mlflow.active_run() is None
    info = client.get_run(run.info.run_id)
    assert info.info.status == FAILED
    assert info.info.end_time is not None
    assert info.data.metrics["before_crash"] == 1.0


def test_delete_run_and_restore_run(client, experiment_id):
    with mlflow.start_run() as keep:
        pass
    with mlflow.start_run() as doomed:
        mlflow.log_metric("m", 1.0)
    rid = doomed.info.run_id

    client.delete_run(rid)
    assert client.get_run(rid).info.lifecycle_stage == "deleted"  # soft delete: still readable

    def ids(view):
        return {r.info.run_id for r in client.search_runs([experiment_id], run_view_type=view)}

    assert ids(ViewType.ACTIVE_ONLY) == {keep.info.run_id}
    assert ids(ViewType.DELETED_ONLY) == {rid}
    assert ids(ViewType.ALL) == {keep.info.run_id, rid}
    deleted = client.search_runs([experiment_id], run_view_type=ViewType.DELETED_ONLY)
    assert deleted[0].data.metrics["m"] == 1.0

    client.restore_run(rid)
    assert client.get_run(rid).info.lifecycle_stage == "active"
    assert ids(ViewType.ACTIVE_ONLY) == {keep.info.run_id, rid}
    assert ids(ViewType.DELETED_ONLY) == set()


def test_delete_experiment_and_restore_experiment(client, experiment_name):
    exp_id = client.create_experiment(experiment_name)
    run = client.create_run(exp_id)
    client.set_terminated(run.info.run_id)

    client.delete_experiment(exp_id)
    assert client.get_experiment(exp_id).lifecycle_stage == "deleted"
    by_name = client.get_experiment_by_name(experiment_name)  # get-by-name also sees deleted ones
    assert by_name is not None and by_name.lifecycle_stage == "deleted"
    active = {e.experiment_id for e in client.search_experiments(filter_string=f"name = '{experiment_name}'")}
    assert exp_id not in active
    deleted = {e.experiment_id for e in client.search_experiments(
        view_type=ViewType.DELETED_ONLY, filter_string=f"name = '{experiment_name}'")}
    assert deleted == {exp_id}
    with pytest.raises(MlflowException):
        mlflow.set_experiment(experiment_name)  # the client refuses a deleted experiment

    client.restore_experiment(exp_id)
    assert client.get_experiment(exp_id).lifecycle_stage == "active"
    assert mlflow.set_experiment(experiment_name).experiment_id == exp_id
    assert client.get_run(run.info.run_id).info.lifecycle_stage == "active"
    assert [e.experiment_id for e in client.search_experiments(
        filter_string=f"name = '{experiment_name}'")] == [exp_id]
