"""Tracking-client capabilities, one test each: run data (params, metrics incl. NaN/Infinity, tags,
log-batch, dataset inputs). Every test reads back through the server what it wrote through the
stock MLflow client: a call that merely does not raise proves nothing."""

from __future__ import annotations

import json
import math
import sys
import time

import mlflow
import mlflow.data
import pytest
from mlflow.entities import Metric, Param, RunTag
from sklearn.datasets import load_iris


def test_log_param_and_log_params(client, experiment_id):
    long_value = "v" * 5000
    with mlflow.start_run() as run:
        mlflow.log_param("alpha", 0.5)
        mlflow.log_param("layers", [64, 32])
        mlflow.log_params({"lr": 1e-3, "optimizer": "adam", "use_bn": True, "long": long_value})
        mlflow.log_params({"unicode": "héllo wörld ✓", "empty": ""})
    params = client.get_run(run.info.run_id).data.params
    assert params == {
        "alpha": "0.5",
        "layers": "[64, 32]",
        "lr": "0.001",
        "optimizer": "adam",
        "use_bn": "True",
        "long": long_value,
        "unicode": "héllo wörld ✓",
        "empty": "",
    }


def test_log_metric_and_log_metrics_with_steps(client, experiment_id):
    losses = [1.0 / (s + 1) for s in range(10)]
    with mlflow.start_run() as run:
        for step, value in enumerate(losses):
            mlflow.log_metric("loss", value, step=step)
        for step in range(3):
            mlflow.log_metrics({"acc": 0.5 + step / 10, "f1": 0.25 * step}, step=step)
        mlflow.log_metric("no_step", 7.5)
        # A later log with a smaller step does not become the run's latest value.
        mlflow.log_metric("late", 10.0, step=10)
        mlflow.log_metric("late", 2.0, step=2)
    rid = run.info.run_id

    history = client.get_metric_history(rid, "loss")
    assert [m.step for m in history] == list(range(10))
    assert [m.value for m in history] == pytest.approx(losses)
    assert all(m.key == "loss" for m in history)
    assert all(m.timestamp > 0 for m in history)
    timestamps = [m.timestamp for m in history]
    assert timestamps == sorted(timestamps)

    acc = client.get_metric_history(rid, "acc")
    assert [(m.step, m.value) for m in acc] == [(0, 0.5), (1, 0.6), (2, 0.7)]
    assert [m.value for m in client.get_metric_history(rid, "f1")] == [0.0, 0.25, 0.5]
    no_step = client.get_metric_history(rid, "no_step")
    assert [(m.step, m.value) for m in no_step] == [(0, 7.5)]
    assert client.get_metric_history(rid, "never-logged") == []

    metrics = client.get_run(rid).data.metrics
    assert metrics["loss"] == pytest.approx(losses[-1])
    assert metrics["acc"] == pytest.approx(0.7)
    assert metrics["f1"] == 0.5
    assert metrics["no_step"] == 7.5
    assert metrics["late"] == 10.0
    assert sorted((m.step, m.value) for m in client.get_metric_history(rid, "late")) == [
        (2, 2.0),
        (10, 10.0),
    ]


def test_log_batch_including_more_than_1000_metrics(client, experiment_id):
    run = client.create_run(experiment_id)
    rid = run.info.run_id
    ts = int(time.time() * 1000)
    n_big = 2500  # the client splits these into requests of at most 1000 entities
    metrics = [Metric("big", float(i), ts + i, i) for i in range(n_big)]
    metrics += [Metric("small", 0.5, ts, 0)]
    params = [Param(f"p{i:03d}", str(i)) for i in range(150)]  # > 100 params per request
    tags = [RunTag(f"t{i:03d}", f"value-{i}") for i in range(120)]  # > 100 tags per request
    client.log_batch(rid, metrics=metrics, params=params, tags=tags)
    client.set_terminated(rid)

    data = client.get_run(rid).data
    assert {k: v for k, v in data.params.items()} == {f"p{i:03d}": str(i) for i in range(150)}
    for i in range(120):
        assert data.tags[f"t{i:03d}"] == f"value-{i}"
    assert data.metrics["big"] == float(n_big - 1)
    assert data.metrics["small"] == 0.5

    history = client.get_metric_history(rid, "big")
    assert len(history) == n_big
    assert [m.step for m in history] == list(range(n_big))
    assert [m.value for m in history] == [float(i) for i in range(n_big)]
    assert [m.timestamp for m in history] == [ts + i for i in range(n_big)]

    # Through the fluent API as well (log_metrics/log_params/set_tags all use log-batch).
    with mlflow.start_run() as fluent_run:
        mlflow.log_metrics({f"m{i}": float(i) for i in range(1200)}, step=3)
    fluent_metrics = client.get_run(fluent_run.info.run_id).data.metrics
    assert len(fluent_metrics) == 1200
    assert fluent_metrics["m1199"] == 1199.0


def test_set_tag_set_tags_delete_tag(client, experiment_id):
    with mlflow.start_run() as run:
        mlflow.set_tag("team", "vision")
        mlflow.set_tags({"priority": 1, "owner": "ana", "note": "x" * 4000})
        mlflow.set_tag("team", "nlp")  # tags, unlike params, can be overwritten
    rid = run.info.run_id
    tags = client.get_run(rid).data.tags
    assert tags["team"] == "nlp"
    assert tags["priority"] == "1"
    assert tags["owner"] == "ana"
    assert tags["note"] == "x" * 4000

    client.set_tag(rid, "client.tag", "set-later")
    client.delete_tag(rid, "owner")
    tags = client.get_run(rid).data.tags
    assert "owner" not in tags
    assert tags["client.tag"] == "set-later"
    assert tags["team"] == "nlp"
    # system tags survive
    assert "mlflow.user" in tags


# MLflow's SQL store keeps NaN but stores +/-Infinity as +/-sys.float_info.max (not every database
# has infinities), so a stock server returns that; a server that keeps the infinity is fine too.
POS_INF = (math.inf, sys.float_info.max)
NEG_INF = (-math.inf, -sys.float_info.max)


def test_nan_and_infinity_metrics_round_trip(client, experiment_id):
    with mlflow.start_run() as run:
        mlflow.log_metric("nan", float("nan"))
        mlflow.log_metric("pos_inf", float("inf"))
        mlflow.log_metric("neg_inf", float("-inf"))
        mlflow.log_metrics({"batch_nan": float("nan"), "batch_inf": float("inf")}, step=1)
        mlflow.log_metric("series", 1.0, step=0)
        mlflow.log_metric("series", float("nan"), step=1)
        mlflow.log_metric("series", 2.0, step=2)
    rid = run.info.run_id
    metrics = client.get_run(rid).data.metrics
    assert math.isnan(metrics["nan"])
    assert metrics["pos_inf"] in POS_INF
    assert metrics["neg_inf"] in NEG_INF
    assert math.isnan(metrics["batch_nan"])
    assert metrics["batch_inf"] in POS_INF
    assert metrics["series"] == 2.0
    series = client.get_metric_history(rid, "series")
    assert [m.step for m in series] == [0, 1, 2]
    assert series[0].value == 1.0 and math.isnan(series[1].value) and series[2].value == 2.0
    [inf_hist] = client.get_metric_history(rid, "pos_inf")
    assert inf_hist.value in POS_INF

    # Infinity also works in search filters.
    found = client.search_runs([experiment_id], "metrics.pos_inf > 1e308")
    assert [r.info.run_id for r in found] == [rid]


def test_log_input_dataset_from_pandas(client, experiment_id):
    iris = load_iris(as_frame=True)
    df = iris.frame
    dataset = mlflow.data.from_pandas(df, name="iris-train", targets="target")
    with mlflow.start_run() as run:
        mlflow.log_input(dataset, context="training", tags={"split": "train"})
    inputs = client.get_run(run.info.run_id).inputs.dataset_inputs
    assert len(inputs) == 1
    ds = inputs[0].dataset
    assert ds.name == "iris-train"
    assert ds.digest == dataset.digest
    assert ds.source_type == dataset.source._get_source_type()
    assert json.loads(ds.schema) == json.loads(dataset._to_mlflow_entity().schema)
    assert json.loads(ds.profile) == {"num_rows": len(df), "num_elements": int(df.size)}
    tags = {t.key: t.value for t in inputs[0].tags}
    assert tags["mlflow.data.context"] == "training"
    assert tags["split"] == "train"

    found = client.search_runs([experiment_id], "dataset.name = 'iris-train'")
    assert [r.info.run_id for r in found] == [run.info.run_id]
