"""Shared helpers for the MLflow tracking-client compatibility tests (test_client_*.py)."""

from __future__ import annotations

from pathlib import Path

from mlflow.entities import RunStatus
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

FINISHED = RunStatus.to_string(RunStatus.FINISHED)
FAILED = RunStatus.to_string(RunStatus.FAILED)
KILLED = RunStatus.to_string(RunStatus.KILLED)
RUNNING = RunStatus.to_string(RunStatus.RUNNING)


def _tree(root: Path) -> dict[str, bytes]:
    """relative posix path -> bytes for every file under root."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def _iris_model():
    iris = load_iris()
    return LogisticRegression(max_iter=300).fit(iris.data, iris.target), iris
