"""Authentication and user management through the stock client, as `mlflow server --app-name
basic-auth` behaves: 401 without or with wrong credentials, users created, read, changed and
deleted by the admin through mlflow.server.get_app_client("basic-auth"), and what that changes
for the user's own credentials."""

from __future__ import annotations

import pytest
from mlflow.exceptions import MlflowException, RestException

from auth_helpers import Credentials, api, assert_refused, unique


def test_no_credentials_is_401(auth):
    with auth.as_user(None):
        with pytest.raises(MlflowException) as info:
            auth.client.search_experiments()
    assert_refused(info.value, 401, "UNAUTHENTICATED")

    resp = api(auth.target, "GET", "/api/2.0/mlflow/experiments/search", params={"max_results": 1})
    assert resp.status_code == 401
    # The client's basic auth is challenged the standard way (realm: "mlflow" or "keel").
    assert resp.headers.get("WWW-Authenticate", "").startswith("Basic realm="), resp.headers
    # A write too: nothing is created.
    name = unique("anon-exp")
    resp = api(auth.target, "POST", "/api/2.0/mlflow/experiments/create", json={"name": name})
    assert resp.status_code == 401
    with auth.as_admin():
        assert auth.client.get_experiment_by_name(name) is None


def test_wrong_password_and_unknown_user_are_401(auth):
    alice = auth.new_user("alice")
    for creds in (
        Credentials(alice.username, alice.password + "x"),
        Credentials(auth.admin.username, "not-the-admin-password"),
        Credentials(unique("nobody"), alice.password),
    ):
        with auth.as_user(creds):
            with pytest.raises(MlflowException) as info:
                auth.client.search_experiments()
        assert_refused(info.value, 401, "UNAUTHENTICATED")
        resp = api(auth.target, "GET", "/api/2.0/mlflow/experiments/search", creds,
                   params={"max_results": 1})
        assert resp.status_code == 401, creds.username
    # The right password works.
    with auth.as_user(alice):
        auth.client.search_experiments(max_results=1)


def test_admin_creates_and_reads_users(auth):
    alice = auth.new_user("alice")
    with auth.as_admin():
        user = auth.users.get_user(alice.username)
        assert user.username == alice.username
        assert user.is_admin is False
        assert isinstance(user.id, int)
        admin = auth.users.get_user(auth.admin.username)
        assert admin.is_admin is True

        with pytest.raises(RestException) as dup:
            auth.users.create_user(alice.username, "another-password-1")
        assert_refused(dup.value, 400, "RESOURCE_ALREADY_EXISTS")
        with pytest.raises(RestException) as short:
            auth.users.create_user(unique("shorty"), "short")
        assert_refused(short.value, 400, "INVALID_PARAMETER_VALUE")
        assert "12 characters" in short.value.message
        with pytest.raises(RestException) as missing:
            auth.users.get_user(unique("nobody"))
        assert_refused(missing.value, 404, "RESOURCE_DOES_NOT_EXIST")

    # A user reads their own record, not anyone else's, and cannot create users.
    bob = auth.new_user("bob")
    with auth.as_user(alice):
        assert auth.users.get_user(alice.username).username == alice.username
        with pytest.raises(MlflowException) as other:
            auth.users.get_user(bob.username)
        assert_refused(other.value, 403, "PERMISSION_DENIED")
        with pytest.raises(MlflowException) as create:
            auth.users.create_user(unique("sneaky"), "a-long-password-1")
        assert_refused(create.value, 403, "PERMISSION_DENIED")


def test_update_user_password(auth):
    alice = auth.new_user("alice")
    bob = auth.new_user("bob")

    # Self-service: the current password is required, and must match.
    new_password = alice.password + "-new"
    with auth.as_user(alice):
        with pytest.raises(RestException) as no_current:
            auth.users.update_user_password(alice.username, new_password)
        assert_refused(no_current.value, 400, "INVALID_PARAMETER_VALUE")
        with pytest.raises(RestException) as wrong_current:
            auth.users.update_user_password(alice.username, new_password, current_password="nope")
        assert_refused(wrong_current.value, 400, "INVALID_PARAMETER_VALUE")
        auth.users.update_user_password(alice.username, new_password, current_password=alice.password)
    with auth.as_user(alice):  # the old password is gone
        with pytest.raises(MlflowException) as old:
            auth.client.search_experiments(max_results=1)
        assert_refused(old.value, 401, "UNAUTHENTICATED")
    alice = Credentials(alice.username, new_password)
    with auth.as_user(alice):
        auth.client.search_experiments(max_results=1)
        # Nobody else's password, though.
        with pytest.raises(MlflowException) as others:
            auth.users.update_user_password(bob.username, "taken-over-password-1")
        assert_refused(others.value, 403, "PERMISSION_DENIED")
    with auth.as_user(bob):
        auth.client.search_experiments(max_results=1)

    # The admin sets anyone's password without knowing the current one.
    reset = "reset-by-admin-password-1"
    with auth.as_admin():
        auth.users.update_user_password(bob.username, reset)
        with pytest.raises(RestException) as short:
            auth.users.update_user_password(bob.username, "short")
        assert_refused(short.value, 400, "INVALID_PARAMETER_VALUE")
        with pytest.raises(RestException) as missing:
            auth.users.update_user_password(unique("nobody"), reset)
        assert_refused(missing.value, 404, "RESOURCE_DOES_NOT_EXIST")
    with auth.as_user(bob):
        with pytest.raises(MlflowException) as old:
            auth.client.search_experiments(max_results=1)
        assert_refused(old.value, 401, "UNAUTHENTICATED")
    with auth.as_user(Credentials(bob.username, reset)):
        auth.client.search_experiments(max_results=1)


def test_update_user_admin(auth):
    alice = auth.new_user("alice")
    bob = auth.new_user("bob")
    with auth.as_user(alice):
        experiment_id = auth.client.create_experiment(unique("alice-exp"))

    with auth.as_user(bob):
        with pytest.raises(MlflowException) as self_promote:
            auth.users.update_user_admin(bob.username, True)
        assert_refused(self_promote.value, 403, "PERMISSION_DENIED")
        with pytest.raises(MlflowException) as not_yet:
            auth.client.delete_experiment(experiment_id)
        assert_refused(not_yet.value, 403, "PERMISSION_DENIED")

    with auth.as_admin():
        auth.users.update_user_admin(bob.username, True)
        assert auth.users.get_user(bob.username).is_admin is True
        with pytest.raises(RestException) as missing:
            auth.users.update_user_admin(unique("nobody"), True)
        assert_refused(missing.value, 404, "RESOURCE_DOES_NOT_EXIST")

    # An admin may do anything: manage users, delete someone else's experiment.
    carol_name = unique("carol")
    with auth.as_user(bob):
        auth.users.create_user(carol_name, "carol-password-12")
        assert auth.users.get_user(alice.username).username == alice.username
        auth.client.delete_experiment(experiment_id)
    with auth.as_admin():
        assert auth.client.get_experiment(experiment_id).lifecycle_stage == "deleted"
        auth.users.update_user_admin(bob.username, False)
        assert auth.users.get_user(bob.username).is_admin is False
    with auth.as_user(bob):
        with pytest.raises(MlflowException) as demoted:
            auth.users.get_user(carol_name)
        assert_refused(demoted.value, 403, "PERMISSION_DENIED")


def test_delete_user(auth):
    alice = auth.new_user("alice")
    bob = auth.new_user("bob")
    with auth.as_user(alice):
        auth.client.search_experiments(max_results=1)
        with pytest.raises(MlflowException) as not_admin:
            auth.users.delete_user(bob.username)
        assert_refused(not_admin.value, 403, "PERMISSION_DENIED")

    with auth.as_admin():
        auth.users.delete_user(alice.username)
        with pytest.raises(RestException) as gone:
            auth.users.get_user(alice.username)
        assert_refused(gone.value, 404, "RESOURCE_DOES_NOT_EXIST")
        with pytest.raises(RestException) as again:
            auth.users.delete_user(alice.username)
        assert_refused(again.value, 404, "RESOURCE_DOES_NOT_EXIST")
        assert auth.users.get_user(bob.username).username == bob.username

    # The deleted user's credentials no longer work.
    with auth.as_user(alice):
        with pytest.raises(MlflowException) as refused:
            auth.client.search_experiments(max_results=1)
        assert_refused(refused.value, 401, "UNAUTHENTICATED")
