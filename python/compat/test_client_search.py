"""Tracking-client capabilities, one test each: search (runs, experiments, logged models, paging,
pandas output). Every test reads back through the server what it wrote through the stock MLflow
client: a call that merely does not raise proves nothing."""

from __future__ import annotations

import time

import mlflow
import mlflow.sklearn
import pandas as pd
from mlflow.entities import LoggedModelStatus, ViewType

from helpers import FINISHED, _iris_model


def _make_search_runs(client, experiment_id):
    """Four runs with distinct metrics/params/tags/statuses; returns name -> run_id."""
    spec = {
        "run-a": dict(metrics={"acc": 0.91, "loss": 0.3}, params={"model": "rf", "depth": "3"},
                      tags={"team": "ml-vision"}, status="FINISHED"),
        "run-b": dict(metrics={"acc": 0.75, "loss": 0.5}, params={"model": "svm", "depth": "5"},
                      tags={"team": "ml-nlp"}, status="FINISHED"),
        "run-c": dict(metrics={"acc": 0.62}, params={"model": "rf", "depth": "8"},
                      tags={"team": "data"}, status="FAILED"),
        "run-d": dict(metrics={"loss": 0.9}, params={"model": "knn"},  # no "acc" metric
                      tags={"team": "ml-infra"}, status="KILLED"),
    }
    ids = {}
    for name, s in spec.items():
        with mlflow.start_run(run_name=name) as run:
            mlflow.log_metrics(s["metrics"])
            mlflow.log_params(s["params"])
            mlflow.set_tags(s["tags"])
        client.set_terminated(run.info.run_id, status=s["status"])
        ids[name] = run.info.run_id
        time.sleep(0.01)  # distinct start times
    return ids


def test_search_runs_filters_and_order_by(client, experiment_id):
    ids = _make_search_runs(client, experiment_id)
    name_of = {v: k for k, v in ids.items()}

    def names(filter_string="", order_by=None, view=ViewType.ACTIVE_ONLY):
        runs = client.search_runs([experiment_id], filter_string, view, order_by=order_by)
        return [name_of[r.info.run_id] for r in runs]

    def name_set(filter_string):
        return set(names(filter_string))

    # No filter: every run, newest first (default order start_time DESC).
    assert names() == ["run-d", "run-c", "run-b", "run-a"]

    assert name_set("metrics.acc > 0.7") == {"run-a", "run-b"}
    assert name_set("metrics.acc >= 0.62") == {"run-a", "run-b", "run-c"}
    assert name_set("metrics.loss < 0.5") == {"run-a"}
    assert name_set("metrics.acc != 0.75") == {"run-a", "run-c"}
    assert name_set("params.model = 'rf'") == {"run-a", "run-c"}
    assert name_set("params.model != 'rf'") == {"run-b", "run-d"}
    assert name_set("params.depth = '5'") == {"run-b"}
    assert name_set("tags.team LIKE 'ml-%'") == {"run-a", "run-b", "run-d"}
    assert name_set("tags.team LIKE 'ML-%'") == set()  # LIKE is case-sensitive
    assert name_set("tags.team ILIKE 'ML-%'") == {"run-a", "run-b", "run-d"}
    assert name_set("attributes.status = 'FAILED'") == {"run-c"}
    assert name_set("attributes.status != 'FINISHED'") == {"run-c", "run-d"}
    assert name_set("attributes.run_name = 'run-b'") == {"run-b"}
    assert name_set("run_name = 'run-a'") == {"run-a"}
    assert name_set("attributes.run_name LIKE 'run-%'") == {"run-a", "run-b", "run-c", "run-d"}
    assert name_set(f"attributes.run_id = '{ids['run-c']}'") == {"run-c"}
    assert name_set(f"attributes.run_id IN ('{ids['run-a']}', '{ids['run-d']}')") == {"run-a", "run-d"}
    assert name_set("tags.`mlflow.runName` = 'run-d'") == {"run-d"}
    assert name_set("metrics.acc > 0.6 and params.model = 'rf'") == {"run-a", "run-c"}
    assert name_set("metrics.acc > 0.6 AND params.model = 'rf' AND tags.team = 'data'") == {"run-c"}
    assert name_set("metrics.acc > 0.99") == set()
    assert name_set("params.missing = 'x'") == set()

    # order_by with several keys.
    assert names(order_by=["params.model ASC", "metrics.acc DESC"]) == ["run-d", "run-a", "run-c", "run-b"]
    assert names(order_by=["params.model DESC", "metrics.acc ASC"]) == ["run-b", "run-c", "run-a", "run-d"]
    assert names(order_by=["attributes.run_name DESC"]) == ["run-d", "run-c", "run-b", "run-a"]
    assert names(order_by=["start_time ASC"]) == ["run-a", "run-b", "run-c", "run-d"]
    assert names(order_by=["metrics.loss"]) == ["run-a", "run-b", "run-d", "run-c"]  # ASC default
    # NULLs (no "acc" on run-d, no "loss" on run-c) sort last in both directions.
    assert names(order_by=["metrics.acc DESC"]) == ["run-a", "run-b", "run-c", "run-d"]
    assert names(order_by=["metrics.acc ASC"]) == ["run-c", "run-b", "run-a", "run-d"]
    assert names(order_by=["metrics.loss DESC"]) == ["run-d", "run-b", "run-a", "run-c"]
    assert names("metrics.acc > 0", ["metrics.acc ASC"]) == ["run-c", "run-b", "run-a"]


def test_search_runs_paging_with_page_tokens(client, experiment_id):
    created = []
    for i in range(7):
        with mlflow.start_run(run_name=f"page-{i}") as run:
            mlflow.log_metric("i", i)
        created.append(run.info.run_id)
    full = [r.info.run_id for r in client.search_runs([experiment_id], max_results=1000)]
    assert sorted(full) == sorted(created)

    pages, token = [], None
    while True:
        page = client.search_runs([experiment_id], max_results=3, page_token=token)
        pages.append([r.info.run_id for r in page])
        token = page.token
        if not token:
            break
        assert len(pages) < 10, "page tokens never end"
    assert [len(p) for p in pages] == [3, 3, 1]
    assert [rid for p in pages for rid in p] == full

    # Paging with an order_by keeps that order across pages.
    ordered, token = [], None
    while True:
        page = client.search_runs(
            [experiment_id], order_by=["metrics.i ASC"], max_results=2, page_token=token
        )
        ordered += [int(r.data.metrics["i"]) for r in page]
        token = page.token
        if not token:
            break
    assert ordered == list(range(7))

    # An exact multiple: the last full page may carry a token, but the page after it is empty.
    page = client.search_runs([experiment_id], max_results=7)
    assert len(page) == 7
    if page.token:
        rest = client.search_runs([experiment_id], max_results=7, page_token=page.token)
        assert len(rest) == 0 and not rest.token


def test_search_experiments_filter_and_order_by(client, experiment_name):
    prefix = experiment_name
    made = {}
    for suffix, color in [("b", "red"), ("a", "blue"), ("c", "red")]:
        name = f"{prefix}-{suffix}"
        made[suffix] = client.create_experiment(name, tags={"color": color, "suite": prefix})
        time.sleep(0.01)

    def search(**kwargs):
        return [e.name for e in client.search_experiments(**kwargs)]

    assert search(filter_string=f"name LIKE '{prefix}-%'", order_by=["name ASC"]) == [
        f"{prefix}-a", f"{prefix}-b", f"{prefix}-c"]
    assert search(filter_string=f"name LIKE '{prefix}-%'", order_by=["name DESC"]) == [
        f"{prefix}-c", f"{prefix}-b", f"{prefix}-a"]
    assert search(filter_string=f"name = '{prefix}-a'") == [f"{prefix}-a"]
    assert search(
        filter_string=f"tags.suite = '{prefix}' AND tags.color = 'red'", order_by=["name ASC"]
    ) == [f"{prefix}-b", f"{prefix}-c"]
    # Default order: creation_time DESC.
    assert search(filter_string=f"tags.suite = '{prefix}'") == [
        f"{prefix}-c", f"{prefix}-a", f"{prefix}-b"]
    assert search(filter_string=f"tags.suite = '{prefix}'", order_by=["creation_time ASC"]) == [
        f"{prefix}-b", f"{prefix}-a", f"{prefix}-c"]
    ids = [e.experiment_id for e in client.search_experiments(
        filter_string=f"tags.suite = '{prefix}'", order_by=["experiment_id ASC"])]
    assert sorted(ids, key=int) == ids and set(ids) == set(made.values())

    # Paging through experiments.
    first = client.search_experiments(
        filter_string=f"tags.suite = '{prefix}'", order_by=["name ASC"], max_results=2)
    assert [e.name for e in first] == [f"{prefix}-a", f"{prefix}-b"] and first.token
    second = client.search_experiments(
        filter_string=f"tags.suite = '{prefix}'", order_by=["name ASC"], max_results=2,
        page_token=first.token)
    assert [e.name for e in second] == [f"{prefix}-c"] and not second.token

    # The fluent API too, and tags round-trip.
    found = mlflow.search_experiments(filter_string=f"name = '{prefix}-b'")
    assert len(found) == 1 and found[0].tags["color"] == "red"


def test_search_logged_models(client, experiment_id):
    model, iris = _iris_model()
    infos = {}
    with mlflow.start_run() as run:
        for name in ("clf-alpha", "clf-beta"):
            infos[name] = mlflow.sklearn.log_model(model, name=name, pip_requirements=["scikit-learn"])
            time.sleep(0.01)
    rid = run.info.run_id
    with mlflow.start_run() as other_run:
        infos["clf-gamma"] = mlflow.sklearn.log_model(model, name="clf-gamma", pip_requirements=["scikit-learn"])

    all_models = client.search_logged_models(experiment_ids=[experiment_id])
    assert {m.model_id for m in all_models} == {i.model_id for i in infos.values()}
    assert all(m.status == LoggedModelStatus.READY for m in all_models)

    by_name = client.search_logged_models([experiment_id], filter_string="name = 'clf-beta'")
    assert [m.model_id for m in by_name] == [infos["clf-beta"].model_id]
    by_run = client.search_logged_models([experiment_id], filter_string=f"source_run_id = '{rid}'")
    assert {m.name for m in by_run} == {"clf-alpha", "clf-beta"}
    by_other = client.search_logged_models(
        [experiment_id], filter_string=f"source_run_id = '{other_run.info.run_id}'")
    assert [m.name for m in by_other] == ["clf-gamma"]

    ordered = client.search_logged_models(
        [experiment_id], order_by=[{"field_name": "creation_timestamp", "ascending": True}])
    assert [m.name for m in ordered] == ["clf-alpha", "clf-beta", "clf-gamma"]
    newest_first = mlflow.search_logged_models(experiment_ids=[experiment_id], output_format="list")
    assert [m.name for m in newest_first] == ["clf-gamma", "clf-beta", "clf-alpha"]

    df = mlflow.search_logged_models(experiment_ids=[experiment_id])
    assert isinstance(df, pd.DataFrame)
    assert sorted(df["name"]) == ["clf-alpha", "clf-beta", "clf-gamma"]

    # Paging.
    page1 = client.search_logged_models([experiment_id], max_results=2)
    assert len(page1) == 2 and page1.token
    page2 = client.search_logged_models([experiment_id], max_results=2, page_token=page1.token)
    assert len(page2) == 1
    assert {m.model_id for m in page1} | {m.model_id for m in page2} == {
        i.model_id for i in infos.values()}


def test_mlflow_search_runs_returns_pandas_dataframe(client, experiment_name):
    exp = mlflow.set_experiment(experiment_name)
    rids = []
    for i in range(3):
        with mlflow.start_run(run_name=f"df-{i}") as run:
            mlflow.log_metric("score", i * 10.0)
            mlflow.log_param("idx", i)
            mlflow.set_tag("parity", "even" if i % 2 == 0 else "odd")
        rids.append(run.info.run_id)

    df = mlflow.search_runs(experiment_ids=[exp.experiment_id], order_by=["metrics.score DESC"])
    assert isinstance(df, pd.DataFrame)
    assert len(df) == 3
    assert list(df["run_id"]) == list(reversed(rids))
    assert list(df["metrics.score"]) == [20.0, 10.0, 0.0]
    assert list(df["params.idx"]) == ["2", "1", "0"]
    assert list(df["tags.parity"]) == ["even", "odd", "even"]
    assert list(df["tags.mlflow.runName"]) == ["df-2", "df-1", "df-0"]
    assert set(df["status"]) == {FINISHED}
    assert (df["experiment_id"] == exp.experiment_id).all()
    for col in ("start_time", "end_time", "artifact_uri"):
        assert col in df.columns

    odd = mlflow.search_runs(experiment_names=[experiment_name], filter_string="tags.parity = 'odd'")
    assert list(odd["run_id"]) == [rids[1]]
    as_list = mlflow.search_runs(experiment_ids=[exp.experiment_id], output_format="list")
    assert {r.info.run_id for r in as_list} == set(rids)
