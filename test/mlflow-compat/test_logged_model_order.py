"""logged-models/search ordered by a metric, as MLflow 3's client asks for the best model: by each
model's latest value of the metric (on a dataset when one is named), models without it last."""

import mlflow
import pytest
from mlflow.exceptions import MlflowException


def _models_with_accuracy(client, experiment_id, points):
    """One logged model per entry of `points`, each a list of (value, dataset, timestamp)."""
    models = []
    with mlflow.start_run() as run:
        for measured in points:
            model = client.create_logged_model(experiment_id, source_run_id=run.info.run_id)
            for value, dataset, timestamp in measured:
                client.log_metric(
                    run.info.run_id,
                    "accuracy",
                    value,
                    timestamp=timestamp,
                    model_id=model.model_id,
                    dataset_name=dataset,
                    dataset_digest=None if dataset is None else f"{dataset}-digest",
                )
            models.append(model.model_id)
    return models


def test_logged_models_are_ordered_by_their_latest_metric_value(client, experiment_id):
    # The middle model's latest accuracy is 0.2, though it was 0.99 before; the last has none.
    best, dropped, worst, unmeasured = _models_with_accuracy(
        client,
        experiment_id,
        [[(0.9, None, 1000)], [(0.99, None, 1000), (0.2, None, 2000)], [(0.1, None, 1000)], []],
    )

    def ordered(ascending):
        models = client.search_logged_models(
            experiment_ids=[experiment_id],
            order_by=[{"field_name": "metrics.accuracy", "ascending": ascending}],
        )
        return [m.model_id for m in models]

    assert ordered(False) == [best, dropped, worst, unmeasured]
    assert ordered(True) == [worst, dropped, best, unmeasured]


def test_a_dataset_in_the_order_names_the_metric_values_that_count(client, experiment_id):
    holdout_best, train_best = _models_with_accuracy(
        client,
        experiment_id,
        [
            [(0.9, "holdout", 1000), (0.1, "train", 1001)],
            [(0.5, "holdout", 1000), (0.95, "train", 1001)],
        ],
    )

    def best_first(dataset):
        models = client.search_logged_models(
            experiment_ids=[experiment_id],
            order_by=[
                {
                    "field_name": "metrics.accuracy",
                    "ascending": False,
                    "dataset_name": dataset,
                    "dataset_digest": f"{dataset}-digest",
                }
            ],
        )
        return [m.model_id for m in models]

    assert best_first("holdout") == [holdout_best, train_best]
    assert best_first("train") == [train_best, holdout_best]


def test_ordering_by_anything_but_metrics_or_attributes_is_refused(client, experiment_id):
    with pytest.raises(MlflowException) as refused:
        client.search_logged_models(
            experiment_ids=[experiment_id], order_by=[{"field_name": "params.lr", "ascending": True}]
        )
    assert refused.value.error_code == "INVALID_PARAMETER_VALUE"
