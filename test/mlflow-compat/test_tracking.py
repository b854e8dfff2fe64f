"""Runs through the real mlflow client: lifecycle, params, metrics, tags, batches, datasets."""

import json
import math
import sys
import time

import mlflow
import pandas as pd
import pytest
from mlflow.entities import Metric, Param, RunTag


def history(client, run_id, key):
    return [(m.step, m.timestamp, m.value) for m in client.get_metric_history(run_id, key)]


# --- run lifecycle ---------------------------------------------------------------------------


def test_start_run_and_end_run_record_name_status_and_times(client, experiment_id):
    with mlflow.start_run(run_name="train-1") as run:
        run_id = run.info.run_id
        assert run.info.experiment_id == experiment_id
        running = client.get_run(run_id)
        assert running.info.status == "RUNNING"
        assert running.info.run_name == "train-1"
        assert running.info.end_time is None
        assert running.info.lifecycle_stage == "active"
        assert mlflow.active_run().info.run_id == run_id
    assert mlflow.active_run() is None

    finished = client.get_run(run_id)
    assert finished.info.status == "FINISHED"
    assert finished.info.run_name == "train-1"
    assert finished.data.tags["mlflow.runName"] == "train-1"
    assert finished.info.end_time >= finished.info.start_time > 0


def test_a_run_without_a_name_gets_one(client, experiment_id):
    with mlflow.start_run() as run:
        pass
    info = client.get_run(run.info.run_id).info
    assert info.run_name
    assert client.get_run(run.info.run_id).data.tags["mlflow.runName"] == info.run_name


def test_end_run_with_failed_marks_the_run_failed(client, experiment_id):
    run = mlflow.start_run()
    mlflow.end_run("FAILED")
    assert client.get_run(run.info.run_id).info.status == "FAILED"
    assert client.get_run(run.info.run_id).info.end_time is not None


def test_an_exception_inside_a_run_block_marks_the_run_failed(client, experiment_id):
    with pytest.raises(ZeroDivisionError):
        with mlflow.start_run() as run:
            1 / 0  # noqa: B018
    assert client.get_run(run.info.run_id).info.status == "FAILED"


def test_set_terminated_records_killed(client, experiment_id):
    run = client.create_run(experiment_id, run_name="to-kill")
    assert run.info.status == "RUNNING"
    client.set_terminated(run.info.run_id, "KILLED")
    assert client.get_run(run.info.run_id).info.status == "KILLED"


def test_nested_runs_point_at_their_parent_and_can_be_searched_for(client, experiment_id):
    with mlflow.start_run(run_name="parent") as parent:
        with mlflow.start_run(run_name="child-a", nested=True) as child_a:
            pass
        with mlflow.start_run(run_name="child-b", nested=True) as child_b:
            pass
        assert mlflow.active_run().info.run_id == parent.info.run_id
    parent_id = parent.info.run_id
    for child in (child_a, child_b):
        tags = client.get_run(child.info.run_id).data.tags
        assert tags["mlflow.parentRunId"] == parent_id
    assert "mlflow.parentRunId" not in client.get_run(parent_id).data.tags

    children = client.search_runs(
        [experiment_id], filter_string=f"tags.mlflow.parentRunId = '{parent_id}'"
    )
    assert sorted(r.info.run_name for r in children) == ["child-a", "child-b"]


# --- params, metrics, tags -------------------------------------------------------------------


def test_params_are_logged_one_by_one_and_in_bulk_as_strings(client, experiment_id):
    with mlflow.start_run() as run:
        mlflow.log_param("model", "rf")
        mlflow.log_params({"depth": 7, "lr": 0.25, "use_bias": True})
        mlflow.log_param("model", "rf")  # the same value again is allowed
    params = client.get_run(run.info.run_id).data.params
    assert params == {"model": "rf", "depth": "7", "lr": "0.25", "use_bias": "True"}


def test_metric_history_keeps_every_step_and_timestamp_in_order(client, experiment_id):
    base = int(time.time() * 1000) - 60_000
    logged = [(step, base + 1000 * step, 1.0 / (step + 1)) for step in range(5)]
    with mlflow.start_run() as run:
        for step, timestamp, value in logged:
            mlflow.log_metric("loss", value, step=step, timestamp=timestamp)
    assert history(client, run.info.run_id, "loss") == logged
    assert client.get_run(run.info.run_id).data.metrics["loss"] == pytest.approx(0.2)


def test_get_run_reports_the_value_at_the_highest_step_as_latest(client, experiment_id):
    with mlflow.start_run() as run:
        mlflow.log_metric("acc", 0.5, step=1, timestamp=1_000)
        mlflow.log_metric("acc", 0.9, step=3, timestamp=2_000)
        mlflow.log_metric("acc", 0.7, step=2, timestamp=3_000)  # later, but an earlier step
    assert client.get_run(run.info.run_id).data.metrics["acc"] == pytest.approx(0.9)
    assert sorted(history(client, run.info.run_id, "acc")) == [
        (1, 1_000, 0.5),
        (2, 3_000, 0.7),
        (3, 2_000, 0.9),
    ]


def test_log_metrics_logs_several_keys_at_one_step(client, experiment_id):
    with mlflow.start_run() as run:
        mlflow.log_metrics({"precision": 0.8, "recall": 0.6}, step=4)
    metrics = client.get_run(run.info.run_id).data.metrics
    assert metrics == {"precision": pytest.approx(0.8), "recall": pytest.approx(0.6)}
    [entry] = client.get_metric_history(run.info.run_id, "recall")
    assert entry.step == 4


def test_nan_and_infinite_metric_values_round_trip(client, experiment_id):
    with mlflow.start_run() as run:
        mlflow.log_metrics({"nan": math.nan, "pos_inf": math.inf, "neg_inf": -math.inf})
    metrics = client.get_run(run.info.run_id).data.metrics
    assert math.isnan(metrics["nan"])
    assert math.isnan(client.get_metric_history(run.info.run_id, "nan")[0].value)
    # MLflow's SQL store keeps +-inf as +-max float; either way it stays the extreme value.
    assert metrics["pos_inf"] >= sys.float_info.max
    assert metrics["neg_inf"] <= -sys.float_info.max


def test_log_batch_writes_metrics_params_and_tags_together(client, experiment_id):
    run_id = client.create_run(experiment_id).info.run_id
    client.log_batch(
        run_id,
        metrics=[Metric("loss", 0.9, 1_000, 0), Metric("loss", 0.4, 2_000, 1)],
        params=[Param("optimizer", "adam"), Param("epochs", "2")],
        tags=[RunTag("stage", "dev"), RunTag("owner", "ana")],
    )
    data = client.get_run(run_id).data
    assert data.metrics == {"loss": pytest.approx(0.4)}
    assert data.params == {"optimizer": "adam", "epochs": "2"}
    assert data.tags["stage"] == "dev"
    assert data.tags["owner"] == "ana"
    assert history(client, run_id, "loss") == [(0, 1_000, 0.9), (1, 2_000, 0.4)]


def test_log_batch_over_the_request_limit_is_split_by_the_client(client, experiment_id):
    # The client splits this into requests within the server's limits (1000 metrics each).
    run_id = client.create_run(experiment_id).info.run_id
    client.log_batch(run_id, metrics=[Metric(f"m{i}", float(i), 1_000, 0) for i in range(1001)])
    metrics = client.get_run(run_id).data.metrics
    assert len(metrics) == 1001
    assert metrics["m1000"] == 1000.0


def test_tags_are_set_overwritten_and_deleted(client, experiment_id):
    with mlflow.start_run() as run:
        mlflow.set_tag("stage", "dev")
        mlflow.set_tags({"owner": "ana", "ticket": 42})
        mlflow.set_tag("stage", "prod")
        mlflow.delete_tag("owner")
    tags = client.get_run(run.info.run_id).data.tags
    assert tags["stage"] == "prod"
    assert tags["ticket"] == "42"
    assert "owner" not in tags

    client.delete_tag(run.info.run_id, "ticket")
    assert "ticket" not in client.get_run(run.info.run_id).data.tags


# --- dataset inputs --------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:Hint. Inferred schema contains integer")
def test_log_input_records_the_dataset_and_its_context(client, experiment_id):
    frame = pd.DataFrame({"x": [1, 2, 3], "label": [0.5, 1.5, 2.5]})
    source_url = "https://data.example.com/train.csv"
    dataset = mlflow.data.from_pandas(frame, source=source_url, name="train-set")
    with mlflow.start_run() as run:
        mlflow.log_input(dataset, context="training")

    [dataset_input] = client.get_run(run.info.run_id).inputs.dataset_inputs
    logged = dataset_input.dataset
    assert logged.name == "train-set"
    assert logged.digest == dataset.digest
    assert logged.source_type == "http"
    assert json.loads(logged.source) == {"url": source_url}
    columns = json.loads(logged.schema)["mlflow_colspec"]
    assert [(c["name"], c["type"]) for c in columns] == [("x", "long"), ("label", "double")]
    assert json.loads(logged.profile) == {"num_rows": 3, "num_elements": 6}
    assert {t.key: t.value for t in dataset_input.tags} == {"mlflow.data.context": "training"}
    assert mlflow.data.get_source(dataset_input).url == source_url
