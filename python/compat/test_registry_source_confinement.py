"""Model-version sources must stay inside the artifact store (MLflow's worst CVEs were path
traversals through the model-version source: CVE-2023-1177, CVE-2023-2780, CVE-2023-6909,
CVE-2024-1483, ...). A refused source gives INVALID_PARAMETER_VALUE (400) and creates no version.

Stock MLflow 3.17.2 refuses every case in REFUSED, with or without a run_id. It accepts the
backslash variants in KEEL_REFUSED (harmless on a POSIX server, where a backslash is an ordinary
file-name character), but keel must refuse them too, so those tests are keel_only."""

from __future__ import annotations

import pytest
from mlflow.exceptions import MlflowException

from registry_helpers import READY, empty_run, error_code, rest

# Each entry builds a source from: run_id, the run's artifact_uri and another run's artifact_uri.
REFUSED = {
    "file-etc-passwd": lambda rid, root, other: "file:///etc/passwd",
    "file-localhost": lambda rid, root, other: "file://localhost/etc/passwd",
    "absolute-etc": lambda rid, root, other: "/etc",
    "relative-dotdot": lambda rid, root, other: "../../etc",
    "relative-plain": lambda rid, root, other: "etc/passwd",
    "mlflow-artifacts-dotdot": lambda rid, root, other: "mlflow-artifacts:/../../etc",
    "mlflow-artifacts-encoded-dotdot": lambda rid, root, other: "mlflow-artifacts:/%2e%2e/%2e%2e/etc",
    "runs-dotdot": lambda rid, root, other: f"runs:/{rid}/../../..",
    "runs-encoded-slash-dotdot": lambda rid, root, other: f"runs:/{rid}/..%2f..%2f..",
    "runs-encoded-dotdot": lambda rid, root, other: f"runs:/{rid}/model/%2e%2e/%2e%2e/%2e%2e",
    "run-root-dotdot": lambda rid, root, other: f"{root}/../../../etc",
    "run-root-double-encoded-dotdot": lambda rid, root, other: f"{root}/%252e%252e/%252e%252e/%252e%252e/etc",
    "run-root-nul": lambda rid, root, other: f"{root}/model%00",
    "another-runs-artifacts": lambda rid, root, other: f"{other}/model",
    "another-run-uri": lambda rid, root, other: f"runs:/{other.rstrip('/').split('/')[-2]}/model",
    "other-host": lambda rid, root, other: "mlflow-artifacts://evil.example" + root[len("mlflow-artifacts:"):],
    "http-dotdot": lambda rid, root, other: "http://127.0.0.1:1/api/2.0/mlflow-artifacts/artifacts/../../etc",
    "unknown-logged-model": lambda rid, root, other: "models:/m-00000000000000000000000000000000",
}

KEEL_REFUSED = {
    "run-root-backslash-dotdot": lambda rid, root, other: f"{root}/..\\..\\..\\etc",
    "run-root-model-backslash-dotdot": lambda rid, root, other: f"{root}/model\\..\\..\\..\\..\\etc",
    "runs-backslash-dotdot": lambda rid, root, other: f"runs:/{rid}/model\\..\\..\\..",
}


@pytest.fixture
def setting(client, model_name, experiment_id):
    client.create_registered_model(model_name)
    run = empty_run(client, experiment_id)
    other = empty_run(client, experiment_id)
    return model_name, run, other


def _sources(builder, run, other) -> str:
    return builder(run.info.run_id, run.info.artifact_uri.rstrip("/"), other.info.artifact_uri.rstrip("/"))


def _assert_refused(client, tracking_uri, name, source, run_id):
    with pytest.raises(MlflowException) as info:
        if run_id is None:
            client.create_model_version(name, source)
        else:
            client.create_model_version(name, source, run_id)
    assert error_code(info.value) == "INVALID_PARAMETER_VALUE", (source, info.value)
    assert info.value.get_http_status_code() == 400, (source, info.value)
    body = {"name": name, "source": source}
    if run_id is not None:
        body["run_id"] = run_id
    resp = rest(tracking_uri, "POST", "model-versions/create", json=body)
    assert resp.status_code == 400, (source, resp.status_code, resp.text)
    assert resp.json()["error_code"] == "INVALID_PARAMETER_VALUE", (source, resp.text)
    assert client.search_model_versions(f"name = '{name}'") == [], source


@pytest.mark.parametrize("with_run_id", [True, False], ids=["with-run-id", "no-run-id"])
@pytest.mark.parametrize("case", sorted(REFUSED))
def test_source_outside_the_artifact_store_is_refused(client, tracking_uri, setting, case, with_run_id):
    name, run, other = setting
    source = _sources(REFUSED[case], run, other)
    _assert_refused(client, tracking_uri, name, source, run.info.run_id if with_run_id else None)


# Stock MLflow accepts these (the path check splits on "/" only); keel must not: on a server
# that treats "\" as a separator they walk out of the run's artifact directory.
@pytest.mark.keel_only
@pytest.mark.parametrize("case", sorted(KEEL_REFUSED))
def test_backslash_traversal_is_refused(client, tracking_uri, setting, case):
    name, run, other = setting
    source = _sources(KEEL_REFUSED[case], run, other)
    _assert_refused(client, tracking_uri, name, source, run.info.run_id)


def test_sources_inside_the_runs_artifacts_are_accepted(client, setting):
    """The control: confinement must not refuse the legitimate sources."""
    name, run, other = setting
    rid, root = run.info.run_id, run.info.artifact_uri.rstrip("/")
    accepted = [f"runs:/{rid}/model", f"{root}/model", f"{root}/nested/dir/model"]
    for i, source in enumerate(accepted, start=1):
        version = client.create_model_version(name, source, rid)
        assert (version.version, version.status, version.source) == (str(i), READY, source)
        assert version.run_id == rid
    assert sorted(v.source for v in client.search_model_versions(f"name = '{name}'")) == sorted(accepted)
