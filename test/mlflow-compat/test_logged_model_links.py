"""MLflow 3's links between runs, logged models and datasets: a metric logged for a model (on a
dataset) is the model's metric, a run records the logged models it read, and logged models are
found by the datasets their metrics were measured on."""

import mlflow
from mlflow.entities import LoggedModelInput

from conftest import assert_rest_error


def test_a_metric_logged_for_a_model_is_the_models_metric(client, experiment_id):
    with mlflow.start_run() as run:
        model = client.create_logged_model(experiment_id, source_run_id=run.info.run_id)
        client.log_metric(
            run.info.run_id,
            "accuracy",
            0.91,
            timestamp=1_700_000_000_000,
            step=3,
            model_id=model.model_id,
            dataset_name="holdout",
            dataset_digest="abc123",
        )
        client.log_metric(run.info.run_id, "loss", 0.2, timestamp=1_700_000_000_001, model_id=model.model_id)
        client.log_metric(run.info.run_id, "unrelated", 1.0)
    metrics = {m.key: m for m in client.get_logged_model(model.model_id).metrics}
    assert set(metrics) == {"accuracy", "loss"}
    accuracy = metrics["accuracy"]
    assert (accuracy.value, accuracy.step, accuracy.timestamp) == (0.91, 3, 1_700_000_000_000)
    assert (accuracy.dataset_name, accuracy.dataset_digest) == ("holdout", "abc123")
    assert (accuracy.model_id, accuracy.run_id) == (model.model_id, run.info.run_id)
    assert metrics["loss"].dataset_name is None
    # The run keeps its own metrics as before.
    assert client.get_run(run.info.run_id).data.metrics["accuracy"] == 0.91


def test_a_batch_of_metrics_for_a_model_reaches_the_model(client, experiment_id):
    with mlflow.start_run() as run:
        model = client.create_logged_model(experiment_id, source_run_id=run.info.run_id)
        mlflow.log_metrics({"f1": 0.8, "recall": 0.7}, model_id=model.model_id)
    assert sorted(m.key for m in client.get_logged_model(model.model_id).metrics) == ["f1", "recall"]


def test_a_run_records_the_logged_models_it_read(client, experiment_id):
    with mlflow.start_run() as producer:
        model = client.create_logged_model(experiment_id, source_run_id=producer.info.run_id)
    with mlflow.start_run() as consumer:
        client.log_inputs(consumer.info.run_id, models=[LoggedModelInput(model.model_id)])
        client.log_inputs(consumer.info.run_id, models=[LoggedModelInput(model.model_id)])
    inputs = client.get_run(consumer.info.run_id).inputs
    assert [m.model_id for m in inputs.model_inputs] == [model.model_id]
    assert client.get_run(producer.info.run_id).inputs.model_inputs == []


def test_logged_models_are_found_by_the_datasets_of_their_metrics(client, rest, experiment_id):
    with mlflow.start_run() as run:
        on_holdout = client.create_logged_model(experiment_id, source_run_id=run.info.run_id)
        on_train = client.create_logged_model(experiment_id, source_run_id=run.info.run_id)
        unmeasured = client.create_logged_model(experiment_id, source_run_id=run.info.run_id)
        for model, dataset, digest in [(on_holdout, "holdout", "d1"), (on_train, "train", "d2")]:
            client.log_metric(
                run.info.run_id,
                "accuracy",
                0.9,
                model_id=model.model_id,
                dataset_name=dataset,
                dataset_digest=digest,
            )

    def found(datasets):
        return {m.model_id for m in client.search_logged_models([experiment_id], datasets=datasets)}

    assert found([{"dataset_name": "holdout"}]) == {on_holdout.model_id}
    assert found([{"dataset_name": "holdout", "dataset_digest": "other"}]) == set()
    assert found([{"dataset_name": "holdout"}, {"dataset_name": "train", "dataset_digest": "d2"}]) == {
        on_holdout.model_id,
        on_train.model_id,
    }
    assert unmeasured.model_id in found(None)

    def by_metric(filter_string, datasets=None):
        models = client.search_logged_models([experiment_id], filter_string=filter_string, datasets=datasets)
        return {m.model_id for m in models}

    assert by_metric("metrics.accuracy > 0.5") == {on_holdout.model_id, on_train.model_id}
    assert by_metric("metrics.accuracy > 0.5", [{"dataset_name": "train"}]) == {on_train.model_id}
    assert by_metric("metrics.accuracy < 0.5") == set()
    nameless = rest.post(
        "logged-models/search", {"experiment_ids": [experiment_id], "datasets": [{"dataset_digest": "d1"}]}
    )
    assert_rest_error(nameless, "INVALID_PARAMETER_VALUE")
