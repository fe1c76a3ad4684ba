"""Tracing with the stock client: `@mlflow.trace` (spans over OTLP, the info by StartTraceV3), reading
traces back with their spans, MLflow's trace search language, tags, deletion, assessments
(feedback and expectations), linking traces to runs, the manual span API, and the v2 calls older
clients and the client's fallbacks make. Every test passes against a stock `mlflow server` too."""

from __future__ import annotations

import time
import uuid

import mlflow
import pytest
import requests
from mlflow import MlflowClient
from mlflow.entities import AssessmentSource, SpanStatusCode, SpanType
from mlflow.exceptions import MlflowException


def _flush():
    mlflow.flush_trace_async_logging()


@pytest.fixture
def traced(experiment_id):
    """Two traced functions, one nested in the other, and a failing one."""

    @mlflow.trace(span_type=SpanType.CHAIN)
    def answer(question: str) -> dict:
        return {"answer": retrieve(question).upper(), "sources": [1, 2]}

    @mlflow.trace(span_type=SpanType.RETRIEVER, attributes={"k": 3})
    def retrieve(query: str) -> str:
        return f"docs about {query}"

    @mlflow.trace(name="explode")
    def explode(n: int) -> int:
        raise ValueError(f"cannot take {n}")

    return answer, explode


def _trace_of(experiment_id: str, fn, *args):
    fn(*args)
    _flush()
    trace_id = mlflow.get_last_active_trace_id()
    assert trace_id is not None
    return mlflow.get_trace(trace_id)


def test_a_traced_call_comes_back_with_its_span_tree(experiment_id, traced):
    answer, _ = traced
    trace = _trace_of(experiment_id, answer, "ducks")
    info = trace.info
    assert info.experiment_id == experiment_id
    assert info.state.value == "OK"
    assert info.tags["mlflow.traceName"] == "answer"
    assert info.request_preview == '{"question": "ducks"}'
    assert '"DOCS ABOUT DUCKS"' in info.response_preview
    assert info.execution_duration is not None and info.execution_duration >= 0

    spans = {s.name: s for s in trace.data.spans}
    assert set(spans) == {"answer", "retrieve"}
    root, child = spans["answer"], spans["retrieve"]
    assert root.parent_id is None and child.parent_id == root.span_id
    assert root.span_type == SpanType.CHAIN and child.span_type == SpanType.RETRIEVER
    assert root.inputs == {"question": "ducks"}
    assert root.outputs == {"answer": "DOCS ABOUT DUCKS", "sources": [1, 2]}
    assert child.inputs == {"query": "ducks"} and child.outputs == "docs about ducks"
    assert child.get_attribute("k") == 3
    assert root.start_time_ns <= child.start_time_ns <= child.end_time_ns <= root.end_time_ns
    assert root.status.status_code == SpanStatusCode.OK


def test_a_failing_call_is_an_error_trace_with_the_exception(experiment_id, traced):
    _, explode = traced
    with pytest.raises(ValueError):
        explode(7)
    _flush()
    trace = mlflow.get_trace(mlflow.get_last_active_trace_id())
    assert trace.info.state.value == "ERROR"
    (span,) = trace.data.spans
    assert span.status.status_code == SpanStatusCode.ERROR
    (event,) = [e for e in span.events if e.name == "exception"]
    assert event.attributes["exception.type"] == "ValueError"
    assert "cannot take 7" in event.attributes["exception.message"]


def test_a_trace_in_a_run_names_the_run(experiment_id, traced):
    answer, _ = traced
    with mlflow.start_run() as run:
        answer("geese")
    _flush()
    trace_id = mlflow.get_last_active_trace_id()
    assert mlflow.get_trace(trace_id).info.trace_metadata["mlflow.sourceRun"] == run.info.run_id
    found = mlflow.search_traces(
        locations=[experiment_id], filter_string=f"run_id = '{run.info.run_id}'", return_type="list"
    )
    assert [t.info.trace_id for t in found] == [trace_id]


def test_search_traces_filters_and_orders(experiment_id, traced, client):
    answer, explode = traced
    ids = []
    for q in ["a", "b", "c"]:
        answer(q)
        _flush()
        ids.append(mlflow.get_last_active_trace_id())
    with pytest.raises(ValueError):
        explode(1)
    _flush()
    failed = mlflow.get_last_active_trace_id()
    client.set_trace_tag(ids[1], "reviewed", "yes")

    def search(filter_string=None, order_by=None):
        return [
            t.info.trace_id
            for t in client.search_traces(
                locations=[experiment_id], filter_string=filter_string, order_by=order_by
            )
        ]

    assert search(order_by=["timestamp_ms ASC"]) == [*ids, failed]
    assert search(order_by=["timestamp_ms DESC"]) == [failed, *reversed(ids)]
    assert search("trace.status = 'ERROR'") == [failed]
    assert set(search("trace.status = 'OK'")) == set(ids)
    assert search("tags.reviewed = 'yes'") == [ids[1]]
    assert search("trace.name = 'explode'") == [failed]
    assert set(search("span.name = 'retrieve'")) == set(ids)
    assert set(search("span.type = 'RETRIEVER' AND trace.status = 'OK'")) == set(ids)
    first = client.get_trace(ids[0]).info
    assert search(f"trace.timestamp_ms > {first.request_time}", ["timestamp_ms ASC"])[0] != ids[0]
    assert search("metadata.`mlflow.trace_schema.version` = '3'", ["timestamp_ms ASC"]) == [*ids, failed]

    page = client.search_traces(locations=[experiment_id], max_results=2, order_by=["timestamp_ms ASC"])
    assert [t.info.trace_id for t in page] == ids[:2] and page.token
    rest = client.search_traces(
        locations=[experiment_id], max_results=2, order_by=["timestamp_ms ASC"], page_token=page.token
    )
    assert [t.info.trace_id for t in rest] == [ids[2], failed]
    if rest.token:  # MLflow hands out a token whenever a page is full; the page after it is empty
        after = client.search_traces(locations=[experiment_id], max_results=2, page_token=rest.token)
        assert list(after) == []


def test_a_bad_trace_filter_is_a_400_that_names_it(experiment_id):
    with pytest.raises(MlflowException) as info:
        mlflow.search_traces(locations=[experiment_id], filter_string="trace.nonsense = 'x'")
    assert info.value.error_code == "INVALID_PARAMETER_VALUE"
    assert "nonsense" in info.value.message


def test_trace_tags_are_set_and_deleted(experiment_id, traced, client):
    answer, _ = traced
    trace_id = _trace_of(experiment_id, answer, "x").info.trace_id
    client.set_trace_tag(trace_id, "team", "search")
    assert client.get_trace(trace_id).info.tags["team"] == "search"
    client.delete_trace_tag(trace_id, "team")
    assert "team" not in client.get_trace(trace_id).info.tags


def test_traces_are_deleted_by_id_and_by_age(experiment_id, traced, client):
    answer, _ = traced
    ids = []
    for q in ["1", "2", "3"]:
        answer(q)
        _flush()
        ids.append(mlflow.get_last_active_trace_id())
    assert client.delete_traces(experiment_id, trace_ids=[ids[0]]) == 1
    cutoff = client.get_trace(ids[1]).info.request_time
    assert client.delete_traces(experiment_id, max_timestamp_millis=cutoff) == 1
    remaining = [t.info.trace_id for t in client.search_traces(locations=[experiment_id])]
    assert remaining == [ids[2]]
    with pytest.raises(MlflowException):
        client.get_trace(ids[0])


def test_feedback_and_expectations_are_kept_updated_and_deleted(experiment_id, traced):
    answer, _ = traced
    trace_id = _trace_of(experiment_id, answer, "y").info.trace_id
    source = AssessmentSource(source_type="HUMAN", source_id="reviewer@example.com")
    feedback = mlflow.log_feedback(
        trace_id=trace_id, name="helpful", value=True, rationale="clear", source=source
    )
    expectation = mlflow.log_expectation(trace_id=trace_id, name="expected", value={"answer": "Y"})
    got = mlflow.get_assessment(trace_id, feedback.assessment_id)
    assert got.name == "helpful" and got.value is True and got.rationale == "clear"
    assert got.source.source_type == "HUMAN" and got.source.source_id == "reviewer@example.com"

    names = {a.name: a for a in mlflow.get_trace(trace_id).info.assessments}
    assert set(names) == {"helpful", "expected"}
    assert names["expected"].value == {"answer": "Y"}

    updated = mlflow.update_assessment(
        trace_id=trace_id,
        assessment_id=feedback.assessment_id,
        assessment=mlflow.entities.Feedback(name="helpful", value=False, rationale="on reflection"),
    )
    assert updated.value is False and updated.rationale == "on reflection"
    found = mlflow.search_traces(
        locations=[experiment_id], filter_string="feedback.helpful = 'false'", return_type="list"
    )
    assert [t.info.trace_id for t in found] == [trace_id]

    mlflow.delete_assessment(trace_id, expectation.assessment_id)
    assert [a.name for a in mlflow.get_trace(trace_id).info.assessments] == ["helpful"]
    with pytest.raises(MlflowException):
        mlflow.get_assessment(trace_id, expectation.assessment_id)


def test_traces_linked_to_a_run_are_found_by_it(experiment_id, traced, client):
    answer, _ = traced
    trace_id = _trace_of(experiment_id, answer, "z").info.trace_id
    run = client.create_run(experiment_id)
    client.link_traces_to_run([trace_id], run.info.run_id)
    found = client.search_traces(locations=[experiment_id], filter_string=f"run_id = '{run.info.run_id}'")
    assert [t.info.trace_id for t in found] == [trace_id]


def test_the_manual_span_api(experiment_id, client):
    root = client.start_trace(name="pipeline", inputs={"n": 2}, experiment_id=experiment_id)
    child = client.start_span(
        "step", trace_id=root.trace_id, parent_id=root.span_id, span_type=SpanType.TOOL, inputs={"n": 2}
    )
    client.end_span(trace_id=root.trace_id, span_id=child.span_id, outputs={"m": 4})
    client.end_trace(trace_id=root.trace_id, outputs={"result": 4})
    _flush()
    trace = client.get_trace(root.trace_id)
    spans = {s.name: s for s in trace.data.spans}
    assert spans["step"].parent_id == spans["pipeline"].span_id
    assert spans["step"].outputs == {"m": 4} and spans["pipeline"].outputs == {"result": 4}
    assert spans["step"].span_type == SpanType.TOOL


def test_a_trace_that_is_not_there_is_not_found(experiment_id, client):
    missing = f"tr-{uuid.uuid4().hex}"
    with pytest.raises(MlflowException) as info:
        client.get_trace(missing)
    assert info.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_the_v2_trace_calls(tracking_uri, experiment_id):
    """MLflow 2's start/end/get/search/tag calls (the v3 client falls back to them on old servers)."""
    base = f"{tracking_uri}/api/2.0/mlflow/traces"
    start = requests.post(
        base,
        json={
            "experiment_id": experiment_id,
            "timestamp_ms": 1_000,
            "request_metadata": [{"key": "m", "value": "1"}],
            "tags": [{"key": "t", "value": "2"}],
        },
        timeout=10,
    )
    assert start.status_code == 200, start.text
    info = start.json()["trace_info"]
    request_id = info["request_id"]
    assert info["experiment_id"] == experiment_id and info["status"] == "IN_PROGRESS"
    assert int(info["timestamp_ms"]) == 1_000

    end = requests.patch(
        f"{base}/{request_id}",
        json={"timestamp_ms": 1_250, "status": "OK", "tags": [{"key": "u", "value": "3"}]},
        timeout=10,
    )
    assert end.status_code == 200, end.text
    ended = end.json()["trace_info"]
    assert ended["status"] == "OK" and int(ended["execution_time_ms"]) == 250
    tags = {t["key"]: t["value"] for t in ended["tags"]}
    assert tags["t"] == "2" and tags["u"] == "3"

    got = requests.get(f"{base}/{request_id}/info", timeout=10)
    assert got.status_code == 200 and got.json()["trace_info"]["request_id"] == request_id
    assert {m["key"]: m["value"] for m in got.json()["trace_info"]["request_metadata"]}["m"] == "1"

    found = requests.get(base, params={"experiment_ids": experiment_id, "filter": "tags.u = '3'"}, timeout=10)
    assert found.status_code == 200, found.text
    assert [t["request_id"] for t in found.json()["traces"]] == [request_id]

    assert requests.patch(f"{base}/{request_id}/tags", json={"key": "v", "value": "4"}, timeout=10).ok
    assert requests.delete(f"{base}/{request_id}/tags", json={"key": "v"}, timeout=10).ok
    v3 = requests.get(f"{tracking_uri}/api/3.0/mlflow/traces/{request_id}", timeout=10)
    assert v3.status_code == 200, v3.text
    v3_info = v3.json()["trace"]["trace_info"]
    assert "v" not in v3_info["tags"] and v3_info["state"] == "OK"


def test_spans_sent_before_their_info_and_after_it_make_one_trace(tracking_uri, experiment_id):
    """OTLP/JSON straight from any OpenTelemetry exporter: the spans alone make a trace, and the
    info sent afterwards completes it."""
    trace_hex = uuid.uuid4().hex
    now = time.time_ns()
    span = {
        "traceId": trace_hex,
        "spanId": uuid.uuid4().hex[:16],
        "name": "from-otel",
        "kind": 1,
        "startTimeUnixNano": str(now),
        "endTimeUnixNano": str(now + 5_000_000),
        "attributes": [{"key": "llm.model", "value": {"stringValue": "tiny"}}],
        "status": {"code": 1},
    }
    body = {"resourceSpans": [{"resource": {"attributes": []}, "scopeSpans": [{"spans": [span]}]}]}
    sent = requests.post(
        f"{tracking_uri}/v1/traces",
        json=body,
        headers={"x-mlflow-experiment-id": experiment_id},
        timeout=10,
    )
    assert sent.status_code == 200, sent.text
    trace = MlflowClient(tracking_uri).get_trace(f"tr-{trace_hex}")
    assert trace.info.state.value == "OK"
    (got,) = trace.data.spans
    assert got.name == "from-otel" and got.get_attribute("llm.model") == "tiny"
    assert got.start_time_ns == now and got.end_time_ns == now + 5_000_000
