"""`/ajax-api/2.0/mlflow/metrics/get-history-bulk-interval`, the route MLflow's UI draws its charts
from: up to 2,500 points per run by default and at most, sampled evenly with both ends kept, and
MLflow's checks in MLflow's words. The stock client has no call for it, so the test sends what the
UI sends; run against a stock `mlflow server` (KEEL_COMPAT_URL) it checks itself."""

from __future__ import annotations

import requests
from mlflow.entities import Metric

PATH = "/ajax-api/2.0/mlflow/metrics/get-history-bulk-interval"
UNKNOWN_RUN = "f" * 32


def _bulk(tracking_uri, **params):
    return requests.get(f"{tracking_uri}{PATH}", params=params, timeout=30)


def _steps(response, run_id):
    return [int(m["step"]) for m in response.json().get("metrics", []) if m["run_id"] == run_id]


def _ntile_sample(n: int, max_results: int) -> list[int]:
    """The indices SQL's NTILE(max_results) picks (each bucket's first row), then the last index."""
    if n <= max_results:
        return list(range(n))
    size, larger = divmod(n, max_results)
    picks = [b * (size + 1) if b < larger else larger * (size + 1) + (b - larger) * size for b in range(max_results)]
    picks[-1] = n - 1
    return picks


def test_bulk_interval_samples_evenly_and_keeps_both_ends(client, experiment_id, tracking_uri):
    run_id = client.create_run(experiment_id).info.run_id
    for start in range(0, 3000, 1000):
        client.log_batch(run_id, metrics=[Metric("loss", 1.0 / (s + 1), 1, s) for s in range(start, start + 1000)])

    default = _bulk(tracking_uri, run_ids=run_id, metric_key="loss")
    assert default.status_code == 200, default.text
    assert _steps(default, run_id) == _ntile_sample(3000, 2500)

    for max_results in (1, 7, 320):
        sampled = _bulk(tracking_uri, run_ids=run_id, metric_key="loss", max_results=max_results)
        assert _steps(sampled, run_id) == _ntile_sample(3000, max_results), max_results

    ranged = _bulk(tracking_uri, run_ids=run_id, metric_key="loss", start_step=10, end_step=14)
    assert _steps(ranged, run_id) == [10, 11, 12, 13, 14]


def test_bulk_interval_refuses_what_mlflow_refuses(client, experiment_id, tracking_uri):
    run_id = client.create_run(experiment_id).info.run_id
    client.log_batch(run_id, metrics=[Metric("loss", 1.0, 1, 0)])

    def refused(status: int, text: str, **params):
        response = _bulk(tracking_uri, metric_key="loss", **params)
        assert response.status_code == status, response.text
        assert text in response.json()["message"]

    refused(400, "max_results must be between 1 and 2500.", run_ids=run_id, max_results=2501)
    refused(400, "max_results must be between 1 and 2500.", run_ids=run_id, max_results=0)
    refused(400, "both must be specified", run_ids=run_id, start_step=5)
    refused(
        400,
        "end_step must be greater than start_step. Found start_step=5 and end_step=4.",
        run_ids=run_id,
        start_step=5,
        end_step=4,
    )

    # A run the server does not know has no points; the others' come back.
    both = _bulk(tracking_uri, metric_key="loss", run_ids=[run_id, UNKNOWN_RUN])
    assert both.status_code == 200, both.text
    assert [m["run_id"] for m in both.json()["metrics"]] == [run_id]
