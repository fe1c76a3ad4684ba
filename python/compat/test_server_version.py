"""`/version` answers as an MLflow server does: the MLflow version whose API the server implements,
which the client compares against before using newer APIs (span logging needs at least 3.4)."""

from __future__ import annotations

import mlflow
import pytest
import requests
from packaging.version import Version


def test_version_is_the_clients_mlflow_version(tracking_uri):
    response = requests.get(f"{tracking_uri}/version", timeout=10)
    assert response.status_code == 200
    assert response.text == mlflow.__version__
    assert Version(response.text) >= Version("3.4")


@pytest.mark.keel_only
def test_keels_own_version_is_in_a_header(tracking_uri):
    response = requests.get(f"{tracking_uri}/version", timeout=10)
    own = response.headers.get("X-Keel-Version", "")
    assert own != "" and own != response.text
    assert str(Version(own)) == own  # a version string of its own
