"""Schemathesis hooks for keel's /openapi.json (loaded by scripts/fuzz-api.mjs and
packages/server/test/schemathesis.test.ts through SCHEMATHESIS_HOOKS).

The document states every rule JSON Schema can express (packages/contracts/src/wire/documented.ts).
What it cannot is here, and only that:

- A page token is made by the server: the one format no schema can generate. Fuzzing sends the
  first page's token (empty); the server's own tokens travel through the stateful phase.
- Rules between values of one request: keys unique within a list, a field once in order_by, one
  output per input row, every inline column the same length, each alert rule id once, a model
  version's model_id the logged model its source names, a step range named by both its ends in
  order (get-history-bulk-interval, as MLflow requires). The request is adjusted to meet them
  before it is sent (schemathesis checks it is still valid by the schema).
- Refusals that depend on what the server holds or was configured with, not on the request: a name
  already taken, a deleted run, an alias not set, a reference with no data, an operator action not
  configured. MLflow answers these 400 (RESOURCE_ALREADY_EXISTS, INVALID_PARAMETER_VALUE), so
  positive_data_acceptance would count them as schema-valid requests refused; they are dropped by
  their exact messages, and every other 400 still fails the run.
"""

from __future__ import annotations

import json
import os
import re

import uuid

import schemathesis
from hypothesis import strategies as st
from schemathesis.openapi.checks import RejectedPositiveData

schemathesis.openapi.format("keel-page-token", st.just(""))


def _unique_by(items: list, field: str) -> list:
    seen: set = set()
    out = []
    for item in items:
        key = json.dumps(item.get(field), sort_keys=True) if isinstance(item, dict) and field in item else None
        if key is not None and key in seen:
            continue
        if key is not None:
            seen.add(key)
        out.append(item)
    return out


def _fit_record(record: dict) -> None:
    inputs, outputs = record.get("inputs"), record.get("outputs")
    if isinstance(inputs, list) and isinstance(outputs, list):
        n = min(len(inputs), len(outputs))
        record["inputs"], record["outputs"] = inputs[:n], outputs[:n]
        probabilities = record.get("probabilities")
        if isinstance(probabilities, list):
            if len(probabilities) >= n:
                record["probabilities"] = probabilities[:n]
            else:
                del record["probabilities"]


def _fit_columns(source: object) -> None:
    columns = source.get("columns") if isinstance(source, dict) else None
    if isinstance(columns, dict) and columns:
        n = min(len(cells) for cells in columns.values() if isinstance(cells, list))
        for name, cells in columns.items():
            if isinstance(cells, list):
                columns[name] = cells[:n]


def _adjust(value: object, field: str = "") -> object:
    if isinstance(value, list):
        items = [_adjust(item, field) for item in value]
        if items and all(isinstance(item, dict) and "key" in item for item in items):
            items = _unique_by(items, "key")
        if field == "alert_rules":
            items = _unique_by(items, "rule_id")
        if field == "records":
            for record in items:
                if isinstance(record, dict):
                    _fit_record(record)
        return items
    if isinstance(value, dict):
        out = {key: _adjust(item, key) for key, item in value.items()}
        for side in ("reference", "current"):
            _fit_columns(out.get(side))
        return out
    return value


def _order_by_once(clauses: object) -> object:
    """Each field at most once in order_by ('name' and 'name DESC' name the same field)."""
    if not isinstance(clauses, list):
        return clauses
    seen: set = set()
    out = []
    for clause in clauses:
        field = clause.split(" ")[0] if isinstance(clause, str) else json.dumps(clause)
        if field not in seen:
            seen.add(field)
            out.append(clause)
    return out


@schemathesis.hook
def before_call(context, case, kwargs):
    """Every generated request, in every phase: the body and query adjusted to the rules above."""
    if isinstance(case.body, (dict, list)):
        case.body = _adjust(case.body)
        if isinstance(case.body, dict) and "order_by" in case.body:
            case.body["order_by"] = _order_by_once(case.body["order_by"])
    body = case.body
    if isinstance(body, dict) and isinstance(body.get("source"), str) and body["source"].startswith("models:/") and "model_id" in body:
        body["model_id"] = body["source"][len("models:/") :]
    if case.query and "order_by" in case.query:
        case.query["order_by"] = _order_by_once(case.query["order_by"])
    if case.query and ("start_step" in case.query or "end_step" in case.query):
        _step_range(case.query)
    _fresh_trace_id(body)


def _fresh_trace_id(body: object) -> None:
    """A trace info gets an id of its own: one trace id stays in the experiment that first recorded it
    (keel refuses the same id in another experiment), and generated ids repeat ('0', 'admin')."""
    if not isinstance(body, dict) or not isinstance(body.get("trace"), dict):
        return
    info = body["trace"].get("trace_info")
    if isinstance(info, dict) and isinstance(info.get("trace_id"), str):
        info["trace_id"] = f"tr-{uuid.uuid4().hex}"


def _step_range(query: dict) -> None:
    """Both ends of a step range, the start first (one end alone is a range both ends name)."""
    start, end = query.get("start_step", query.get("end_step")), query.get("end_step", query.get("start_step"))
    try:
        if int(start) > int(end):
            start, end = end, start
    except (TypeError, ValueError):
        return
    query["start_step"], query["end_step"] = start, end


# 400s that depend on the server's state or configuration, by message.
STATE_DEPENDENT = [
    re.compile(pattern, re.DOTALL)
    for pattern in (
        # a deleted run or experiment (MLflow: INVALID_PARAMETER_VALUE)
        r"^The (run|experiment) \S+ must be in the 'active' state",
        r"^Cannot rename a non-active experiment",
        # get-by-alias of an alias the model does not have (MLflow answers 400)
        r"^Registered model alias .* not found\.$",
        # a param logged before with another value (MLflow: params are immutable)
        r"^Changing param values is not allowed\. Param with key='.*' was already logged",
        # protected aliases: a change request for an alias no one protected with approval, a request
        # already pending or decided, a model deleted while it has protected aliases
        r"^Alias '.*' of registered model '.*' needs no approval",
        r"^Request #\d+ to change alias '.*' of '.*' is pending: approve, reject or withdraw it first\.$",
        r"^Request #\d+ (is \w+ already|was decided meanwhile)$",
        r"^Registered model '.*' has protected aliases \(.*\): remove their protection before deleting the model\.$",
        # a version source or data URI naming a run, model or artifact that does not exist
        r"^Invalid model version source '.*': (run|logged model) '.*' does not exist",
        r"^(reference|current|reference\.model_version)\.uri '.*': (no such artifact|run '.*' does not exist)",
        # a monitor's reference: a log range with no served request, a version that does not exist
        # or records no training data
        r"^Invalid value for parameter 'reference\.log': deployment '.*' logged no served request between",
        r"^Invalid value for parameter 'reference\.model_version': (Model Version \(.*\) not found|model '.*' version .* records no training dataset)",
        # a monitor's reference data: columns it does not have; a paused monitor
        r"^Invalid value for parameter '[^']+': the reference .* has no column '",
        r"^Invalid value for parameter 'monitor_id': monitor '.*' is paused",
        # alert rule actions are the operator's (keel server --config)
        r"^Invalid value for parameter 'alert_rules\[\d+\]\.action': rule '.*': no action '.*' is defined by the operator",
        # drift data: a column named in options that neither dataset has, a test for another column type
        r"^unknown column '.*' in \w+: it is in neither dataset",
        r"^\w+ does not apply to (numerical|categorical) column '",
        # credentials the fuzzer cannot know, and the signed-in user itself
        r"^Current password (is required|does not match)",
        r"^Users cannot delete their own account",
        r"^Token '.*' is already revoked",
    )
]


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """Keep every failure except a 400 refusal that depends on state (see STATE_DEPENDENT)."""
    if not isinstance(failure, RejectedPositiveData) or response.status_code != 400:
        return True
    try:
        body = response.json()
    except ValueError:
        return True
    if body.get("error_code") == "RESOURCE_ALREADY_EXISTS":
        _log_dropped(case, str(body.get("message", "")))
        return False
    message = str(body.get("message", ""))
    if not any(pattern.search(message) for pattern in STATE_DEPENDENT):
        return True
    _log_dropped(case, message)
    return False


def _log_dropped(case, message: str) -> None:
    """KEEL_FUZZ_DROPPED_LOG=<file>: one line per dropped refusal, to see what the filter let through."""
    path = os.environ.get("KEEL_FUZZ_DROPPED_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(f"{case.operation.label}\t{message[:200]}\n")
