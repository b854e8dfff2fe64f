"""MLflow 3 tracing with the real client: `@mlflow.trace` and `mlflow.start_span` record traces
the server keeps (trace info in its store, spans as a file under the trace's artifact location),
which `mlflow.get_trace` and `mlflow.search_traces` read back; tags, assessments, run links and
deletion act on them. The client reports a trace it could not send only in a log warning, so every
test here fails when that warning appears."""

import logging
import time

import mlflow
import pytest
import requests
from mlflow import MlflowClient
from mlflow.entities import AssessmentSource, Feedback
from mlflow.exceptions import MlflowException
from mlflow.tracking._tracking_service.utils import _get_store

from conftest import assert_rest_error


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@pytest.fixture(autouse=True)
def no_failed_export():
    """Fails the test when the client logs that it could not send a trace (its only signal)."""
    handler = _Records()
    logger = logging.getLogger("mlflow")
    logger.addHandler(handler)
    yield
    mlflow.flush_trace_async_logging()
    logger.removeHandler(handler)
    failed = [m for m in handler.messages if "Failed to send trace" in m or "Failed to log" in m]
    assert failed == [], failed


def record(fn, *args):
    """Calls a traced function and returns its trace id once the client has sent the trace."""
    fn(*args)
    trace_id = mlflow.get_last_active_trace_id()
    mlflow.flush_trace_async_logging()
    return trace_id


@mlflow.trace(span_type="CHAIN")
def answer(question: str) -> dict:
    with mlflow.start_span(name="retrieve", span_type="RETRIEVER") as span:
        span.set_inputs({"query": question})
        documents = [{"id": 1, "text": "mloop stores traces"}]
        span.set_outputs({"documents": documents})
        span.set_attribute("k", 3)
        with mlflow.start_span(name="rank") as inner:
            inner.set_inputs({"n": len(documents)})
            inner.set_outputs([1])
    return {"answer": f"{question}: yes", "sources": [1]}


@mlflow.trace
def fails(x: int) -> int:
    raise ValueError(f"bad {x}")


def test_a_traced_function_comes_back_with_its_nested_spans(experiment_id):
    trace_id = record(answer, "does it work")

    trace = mlflow.get_trace(trace_id)
    assert trace.info.experiment_id == experiment_id
    assert trace.info.state.value == "OK"
    assert "does it work" in trace.info.request_preview
    assert trace.info.execution_duration >= 0
    spans = {s.name: s for s in trace.data.spans}
    assert set(spans) == {"answer", "retrieve", "rank"}
    root, retrieve, rank = spans["answer"], spans["retrieve"], spans["rank"]
    assert root.parent_id is None
    assert retrieve.parent_id == root.span_id
    assert rank.parent_id == retrieve.span_id
    assert root.inputs == {"question": "does it work"}
    assert root.outputs == {"answer": "does it work: yes", "sources": [1]}
    assert retrieve.inputs == {"query": "does it work"}
    assert retrieve.outputs == {"documents": [{"id": 1, "text": "mloop stores traces"}]}
    assert retrieve.get_attribute("k") == 3
    assert retrieve.span_type == "RETRIEVER"
    assert rank.outputs == [1]

    # MLflow's web UI reads the same span file through its own route.
    ui = requests.get(
        f"{mlflow.get_tracking_uri()}/ajax-api/2.0/mlflow/get-trace-artifact",
        params={"request_id": trace_id},
        timeout=30,
    )
    assert ui.status_code == 200, ui.text
    assert sorted(s["name"] for s in ui.json()["spans"]) == ["answer", "rank", "retrieve"]


def test_whole_traces_come_back_from_get_trace_and_batch_get(experiment_id):
    """GetTrace and BatchGetTraces (which the client uses for spans kept by the server) answer
    the spans of the uploaded file as OTLP spans the client reads back exactly."""
    trace_id = record(answer, "whole")
    uploaded = mlflow.get_trace(trace_id)
    store = _get_store()
    (batch,) = store.batch_get_traces([trace_id, "tr-" + "0" * 32])
    for trace in [store.get_trace(trace_id), batch]:
        assert trace.info.trace_id == trace_id
        got = {s.span_id: s for s in trace.data.spans}
        for span in uploaded.data.spans:
            same = got[span.span_id]
            assert (same.name, same.parent_id) == (span.name, span.parent_id)
            assert (same.start_time_ns, same.end_time_ns) == (span.start_time_ns, span.end_time_ns)
            assert (same.inputs, same.outputs) == (span.inputs, span.outputs)
            assert same.attributes == span.attributes


def test_a_failing_call_is_recorded_as_an_error(experiment_id):
    with pytest.raises(ValueError):
        fails(7)
    trace_id = mlflow.get_last_active_trace_id()
    mlflow.flush_trace_async_logging()
    trace = mlflow.get_trace(trace_id)
    assert trace.info.state.value == "ERROR"
    assert trace.data.spans[0].status.status_code.value == "ERROR"


def test_search_traces_filters_orders_and_pages(experiment_id, client):
    ids = []
    for i in range(3):
        trace_id = record(answer, f"q{i}")
        mlflow.set_trace_tag(trace_id, "round", str(i))
        ids.append(trace_id)
        time.sleep(0.002)  # distinct start times, so the order below is defined
    with pytest.raises(ValueError):
        fails(1)
    mlflow.flush_trace_async_logging()

    frame = mlflow.search_traces(locations=[experiment_id])
    assert len(frame) == 4
    ok = mlflow.search_traces(
        locations=[experiment_id], filter_string="trace.status = 'OK'", return_type="list"
    )
    assert sorted(t.info.trace_id for t in ok) == sorted(ids)
    tagged = mlflow.search_traces(
        locations=[experiment_id], filter_string="tags.round = '1'", return_type="list"
    )
    assert [t.info.trace_id for t in tagged] == [ids[1]]
    assert tagged[0].data.spans, "search_traces loads each trace's spans"
    first = client.get_trace(ids[0]).info.request_time
    later = mlflow.search_traces(
        locations=[experiment_id],
        filter_string=f"trace.timestamp_ms > {first} and trace.name = 'answer'",
        return_type="list",
    )
    assert sorted(t.info.trace_id for t in later) == sorted(ids[1:])

    oldest_first = client.search_traces(
        locations=[experiment_id],
        filter_string="trace.status = 'OK'",
        order_by=["timestamp_ms ASC"],
        max_results=2,
    )
    assert [t.info.trace_id for t in oldest_first] == ids[:2]
    assert oldest_first.token
    rest = client.search_traces(
        locations=[experiment_id],
        filter_string="trace.status = 'OK'",
        order_by=["timestamp_ms ASC"],
        max_results=2,
        page_token=oldest_first.token,
    )
    assert [t.info.trace_id for t in rest] == ids[2:]
    assert not rest.token


def test_trace_tags_are_set_and_deleted(experiment_id, client):
    trace_id = record(answer, "tags")
    client.set_trace_tag(trace_id, "reviewed", "yes")
    assert client.get_trace(trace_id).info.tags["reviewed"] == "yes"
    client.delete_trace_tag(trace_id, "reviewed")
    assert "reviewed" not in client.get_trace(trace_id).info.tags
    with pytest.raises(MlflowException) as missing:
        client.delete_trace_tag(trace_id, "reviewed")
    assert missing.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_assessments_are_logged_read_updated_and_deleted(experiment_id):
    trace_id = record(answer, "assess")
    feedback = mlflow.log_feedback(
        trace_id=trace_id,
        name="relevance",
        value=0.75,
        rationale="cites its source",
        source=AssessmentSource(source_type="HUMAN", source_id="reviewer@example.com"),
        metadata={"round": "1"},
    )
    expectation = mlflow.log_expectation(
        trace_id=trace_id, name="expected_sources", value={"ids": [1, 2]}
    )
    assert feedback.assessment_id and expectation.assessment_id

    got = mlflow.get_assessment(trace_id, feedback.assessment_id)
    assert (got.name, got.value, got.rationale) == ("relevance", 0.75, "cites its source")
    assert got.source.source_type == "HUMAN" and got.source.source_id == "reviewer@example.com"
    stored = {a.name: a for a in mlflow.get_trace(trace_id).info.assessments}
    assert stored["expected_sources"].value == {"ids": [1, 2]}
    assert stored["relevance"].metadata == {"round": "1"}

    mlflow.update_assessment(
        trace_id=trace_id,
        assessment_id=feedback.assessment_id,
        assessment=Feedback(name="relevance", value=0.5, rationale="one source is wrong"),
    )
    updated = mlflow.get_assessment(trace_id, feedback.assessment_id)
    assert (updated.value, updated.rationale) == (0.5, "one source is wrong")
    assert updated.source.source_id == "reviewer@example.com", "the source stays as logged"

    override = mlflow.override_feedback(
        trace_id=trace_id, assessment_id=feedback.assessment_id, value=0.25, rationale="wrong"
    )
    assert mlflow.get_assessment(trace_id, feedback.assessment_id).valid is False
    replacement = mlflow.get_assessment(trace_id, override.assessment_id)
    assert replacement.overrides == feedback.assessment_id

    mlflow.delete_assessment(trace_id=trace_id, assessment_id=expectation.assessment_id)
    with pytest.raises(MlflowException) as gone:
        mlflow.get_assessment(trace_id, expectation.assessment_id)
    assert gone.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_a_trace_in_an_active_run_is_linked_to_that_run(experiment_id, client):
    outside = record(answer, "outside")
    with mlflow.start_run() as run:
        inside = record(answer, "inside")
    found = mlflow.search_traces(
        locations=[experiment_id], run_id=run.info.run_id, return_type="list"
    )
    assert [t.info.trace_id for t in found] == [inside]
    assert client.get_trace(inside).info.request_metadata["mlflow.sourceRun"] == run.info.run_id

    client.link_traces_to_run([outside], run.info.run_id)
    linked = mlflow.search_traces(
        locations=[experiment_id], run_id=run.info.run_id, return_type="list"
    )
    assert sorted(t.info.trace_id for t in linked) == sorted([inside, outside])


def test_a_trace_of_the_active_logged_model_is_found_by_its_model_id(experiment_id, client):
    model = mlflow.create_external_model(name="agent")
    mlflow.set_active_model(model_id=model.model_id)
    try:
        linked = record(answer, "model")
    finally:
        mlflow.clear_active_model()
    unlinked = record(answer, "no model")
    assert client.get_trace(linked).info.request_metadata["mlflow.modelId"] == model.model_id
    found = mlflow.search_traces(
        locations=[experiment_id], model_id=model.model_id, return_type="list"
    )
    assert [t.info.trace_id for t in found] == [linked]
    assert unlinked != linked


def test_traces_are_deleted_by_id_and_by_age(experiment_id, client):
    first = record(answer, "a")
    second = record(answer, "b")
    assert client.delete_traces(experiment_id, trace_ids=[first]) == 1
    with pytest.raises(MlflowException) as gone:
        client.get_trace(first)
    assert gone.value.error_code == "RESOURCE_DOES_NOT_EXIST"

    cutoff = client.get_trace(second).info.request_time
    assert client.delete_traces(experiment_id, max_timestamp_millis=cutoff, max_traces=10) == 1
    assert mlflow.search_traces(locations=[experiment_id], return_type="list") == []


def test_bad_trace_requests_get_400_naming_the_field(tracking_uri, experiment_id):
    v3 = f"{tracking_uri}/api/3.0/mlflow/traces"
    location = {"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {"experiment_id": experiment_id}}
    search = f"{v3}/search"
    too_many = requests.post(search, json={"locations": [location], "max_results": 501}, timeout=30)
    assert_rest_error(too_many, "INVALID_PARAMETER_VALUE")
    assert "max_results" in too_many.json()["message"]
    bad_filter = requests.post(
        search, json={"locations": [location], "filter": "trace.colour = 'red'"}, timeout=30
    )
    assert_rest_error(bad_filter, "INVALID_PARAMETER_VALUE")
    assert "colour" in bad_filter.json()["message"]
    no_trace = requests.post(v3, json={}, timeout=30)
    assert_rest_error(no_trace, "INVALID_PARAMETER_VALUE")
    assert "trace" in no_trace.json()["message"]
    bad_time = requests.post(
        v3,
        json={
            "trace": {
                "trace_info": {
                    "trace_id": "tr-1",
                    "trace_location": location,
                    "request_time": "yesterday",
                }
            }
        },
        timeout=30,
    )
    assert_rest_error(bad_time, "INVALID_PARAMETER_VALUE")
    assert "request_time" in bad_time.json()["message"]
    unknown = requests.get(f"{v3}/tr-00000000000000000000000000000000", timeout=30)
    assert_rest_error(unknown, "RESOURCE_DOES_NOT_EXIST")
    immutable = requests.patch(
        f"{v3}/tr-00000000000000000000000000000000/tags",
        json={"key": "mlflow.artifactLocation", "value": "s3://elsewhere"},
        timeout=30,
    )
    assert_rest_error(immutable, "INVALID_PARAMETER_VALUE")
