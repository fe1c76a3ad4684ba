"""keel's personal access tokens with the stock client (keel only: MLflow's basic-auth app has no
tokens). A token created through keel's REST API with the user's password works as
MLFLOW_TRACKING_TOKEN (the client sends it as a bearer token) and acts as its owner; once revoked
the client gets 401. Also keel-only: refusals are MLflow's JSON error bodies (RestException) that
say what was missing, where stock MLflow answers plain text."""

from __future__ import annotations

import pytest
from mlflow.exceptions import MlflowException, RestException

from auth_helpers import api, assert_refused, unique

pytestmark = pytest.mark.keel_only


def _create_token(auth, creds, name: str) -> dict:
    resp = api(auth.target, "POST", "/api/2.0/keel/tokens/create", creds, json={"name": name})
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_token_works_as_mlflow_tracking_token_until_revoked(auth):
    alice, bob = auth.new_user("alice"), auth.new_user("bob")
    created = _create_token(auth, alice, "ci")
    token, token_id = created["token"], created["token_info"]["token_id"]
    assert token.startswith("keel_") and token_id in token
    assert created["token_info"]["name"] == "ci"

    client = auth.client
    with auth.with_token(token):
        experiment_id = client.create_experiment(unique("token-exp"))
        run_id = client.create_run(experiment_id).info.run_id
        client.log_metric(run_id, "loss", 0.25)
        assert client.get_run(run_id).data.metrics == {"loss": 0.25}
        # The token acts as alice: her own record is hers to read, nobody else's.
        assert auth.users.get_user(alice.username).username == alice.username
        with pytest.raises(MlflowException) as other:
            auth.users.get_user(bob.username)
        assert_refused(other.value, 403, "PERMISSION_DENIED")
    # alice created the experiment, so she manages it.
    assert auth.permission(alice, "experiment", experiment_id) == "MANAGE"

    # Another user cannot revoke alice's token (nor learn that it exists).
    resp = api(auth.target, "POST", "/api/2.0/keel/tokens/revoke", bob, json={"token_id": token_id})
    assert resp.status_code == 404, resp.text
    assert resp.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    with auth.with_token(token):
        client.log_metric(run_id, "loss", 0.2)

    resp = api(auth.target, "POST", "/api/2.0/keel/tokens/revoke", alice, json={"token_id": token_id})
    assert resp.status_code == 200, resp.text
    again = api(auth.target, "POST", "/api/2.0/keel/tokens/revoke", alice, json={"token_id": token_id})
    assert again.status_code == 400, again.text
    with auth.with_token(token):
        with pytest.raises(MlflowException) as revoked:
            client.log_metric(run_id, "loss", 0.1)
        assert_refused(revoked.value, 401, "UNAUTHENTICATED")
        with pytest.raises(MlflowException) as revoked_read:
            client.get_run(run_id)
        assert_refused(revoked_read.value, 401, "UNAUTHENTICATED")
    # alice's password still works, and the refused write did not happen.
    with auth.as_user(alice):
        assert [m.value for m in client.get_metric_history(run_id, "loss")] == [0.25, 0.2]


def test_forged_or_malformed_tokens_are_401(auth):
    alice = auth.new_user("alice")
    token = _create_token(auth, alice, "real")["token"]
    prefix, secret = token.rsplit("_", 1)
    forged = f"{prefix}_{('A' if secret[0] != 'A' else 'B') + secret[1:]}"
    for bad in (forged, "keel_0000000000000000_" + "a" * 43, "not-a-token"):
        with auth.with_token(bad):
            with pytest.raises(MlflowException) as info:
                auth.client.search_experiments(max_results=1)
        assert_refused(info.value, 401, "UNAUTHENTICATED")
    with auth.with_token(token):
        auth.client.search_experiments(max_results=1)


def test_tokens_need_an_authenticated_caller(auth):
    resp = api(auth.target, "POST", "/api/2.0/keel/tokens/create", json={"name": "anonymous"})
    assert resp.status_code == 401
    assert resp.json()["error_code"] == "UNAUTHENTICATED"


def test_refusals_are_json_errors_that_name_the_missing_permission(auth):
    alice, bob = auth.new_user("alice"), auth.new_user("bob")
    with auth.as_user(alice):
        experiment_id = auth.client.create_experiment(unique("json-exp"))
    with auth.as_user(bob):
        with pytest.raises(RestException) as denied:
            auth.client.delete_experiment(experiment_id)
    assert_refused(denied.value, 403, "PERMISSION_DENIED")
    assert bob.username in denied.value.message and "MANAGE" in denied.value.message
    with auth.as_user(None):
        with pytest.raises(RestException) as anonymous:
            auth.client.get_experiment(experiment_id)
    assert_refused(anonymous.value, 401, "UNAUTHENTICATED")
    assert "MLFLOW_TRACKING_USERNAME" in anonymous.value.message
