"""Run search through the real mlflow client: filters, ordering, pagination, deleted runs."""

import time

import mlflow
import pytest
from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag, ViewType

from conftest import unique_name

# name: (model param, acc metric, tag x, final status). Created in this order, one second apart.
RUNS = {
    "alpha": ("rf", 0.95, "xyz", "FINISHED"),
    "beta": ("rf", 0.85, "abc", "FINISHED"),
    "gamma": ("lr", 0.97, "yy", "FAILED"),
    "delta": ("svm", 0.91, "nope", "FINISHED"),
}


@pytest.fixture(scope="module")
def runs_experiment(tracking_uri) -> str:
    """An experiment holding RUNS, with distinct start times so time ordering is defined."""
    client = MlflowClient(tracking_uri=tracking_uri)
    experiment_id = client.create_experiment(unique_name("search"))
    start = int(time.time() * 1000) - 3_600_000
    for i, (name, (model, acc, x, status)) in enumerate(RUNS.items()):
        run = client.create_run(experiment_id, start_time=start + 1000 * i, run_name=name)
        client.log_batch(
            run.info.run_id,
            metrics=[Metric("acc", acc, start + 1000 * i, 0)],
            params=[Param("model", model)],
            tags=[RunTag("x", x)],
        )
        client.set_terminated(run.info.run_id, status, end_time=start + 1000 * i + 500)
    return experiment_id


def names(runs):
    return [r.info.run_name for r in runs]


@pytest.mark.parametrize(
    ("filter_string", "expected"),
    [
        ("metrics.acc > 0.9 and params.model = 'rf'", {"alpha"}),
        ("metrics.acc >= 0.91", {"alpha", "gamma", "delta"}),
        ("params.model != 'rf'", {"gamma", "delta"}),
        ("tags.x LIKE '%y%'", {"alpha", "gamma"}),
        ("tags.x ILIKE '%Y%'", {"alpha", "gamma"}),
        ("attributes.status = 'FINISHED'", {"alpha", "beta", "delta"}),
        ("attributes.run_name = 'beta'", {"beta"}),
        ("tags.mlflow.runName = 'delta'", {"delta"}),
        ("metrics.acc < 0", set()),
    ],
)
def test_search_runs_filters(client, runs_experiment, filter_string, expected):
    found = client.search_runs([runs_experiment], filter_string=filter_string)
    assert set(names(found)) == expected


def test_search_runs_returns_a_dataframe_with_flattened_columns(runs_experiment):
    frame = mlflow.search_runs(
        experiment_ids=[runs_experiment],
        filter_string="metrics.acc > 0.9 and params.model = 'rf'",
    )
    assert len(frame) == 1
    row = frame.iloc[0]
    assert row["metrics.acc"] == pytest.approx(0.95)
    assert row["params.model"] == "rf"
    assert row["tags.x"] == "xyz"
    assert row["tags.mlflow.runName"] == "alpha"
    assert row["status"] == "FINISHED"
    assert row["experiment_id"] == runs_experiment
    assert len(row["run_id"]) > 0


def test_search_runs_dataframe_is_ordered(runs_experiment):
    frame = mlflow.search_runs(experiment_ids=[runs_experiment], order_by=["metrics.acc DESC"])
    assert list(frame["tags.mlflow.runName"]) == ["gamma", "alpha", "delta", "beta"]


@pytest.mark.parametrize(
    ("order_by", "expected"),
    [
        (["metrics.acc DESC"], ["gamma", "alpha", "delta", "beta"]),
        (["metrics.acc ASC"], ["beta", "delta", "alpha", "gamma"]),
        (["params.model ASC", "metrics.acc DESC"], ["gamma", "alpha", "beta", "delta"]),
        (["attributes.start_time DESC"], ["delta", "gamma", "beta", "alpha"]),
        (["attributes.start_time ASC"], ["alpha", "beta", "gamma", "delta"]),
        (["attributes.run_name ASC"], ["alpha", "beta", "delta", "gamma"]),
        ([], ["delta", "gamma", "beta", "alpha"]),  # newest first by default
    ],
)
def test_search_runs_orders(client, runs_experiment, order_by, expected):
    assert names(client.search_runs([runs_experiment], order_by=order_by)) == expected


def test_search_runs_orders_by_a_param_alone(client, runs_experiment):
    found = client.search_runs([runs_experiment], order_by=["params.model ASC"])
    assert [r.data.params["model"] for r in found] == ["lr", "rf", "rf", "svm"]


def test_search_runs_spans_several_experiments(client, runs_experiment):
    other = client.create_experiment(unique_name("other"))
    client.create_run(other, run_name="elsewhere")
    found = client.search_runs(
        [runs_experiment, other], filter_string="attributes.run_name LIKE 'e%'"
    )
    assert names(found) == ["elsewhere"]
    assert len(client.search_runs([runs_experiment, other])) == len(RUNS) + 1


@pytest.mark.parametrize("page_size", [1, 3, 7, 10])
def test_pagination_visits_every_run_exactly_once_in_order(client, page_size):
    experiment_id = client.create_experiment(unique_name("pages"))
    start = int(time.time() * 1000) - 3_600_000
    created = [
        client.create_run(experiment_id, start_time=start + i * 1000).info.run_id for i in range(7)
    ]

    seen, token = [], None
    for _ in range(20):
        page = client.search_runs(
            [experiment_id],
            max_results=page_size,
            page_token=token,
            order_by=["attributes.start_time ASC"],
        )
        assert len(page) <= page_size
        seen += [r.info.run_id for r in page]
        token = page.token
        if not token:
            break
    else:
        pytest.fail("pagination did not end")
    assert seen == created


def test_deleted_runs_are_hidden_unless_asked_for_and_can_be_restored(client, experiment_id):
    kept = client.create_run(experiment_id, run_name="kept").info.run_id
    removed = client.create_run(experiment_id, run_name="removed").info.run_id

    def visible(view_type):
        return set(names(client.search_runs([experiment_id], run_view_type=view_type)))

    client.delete_run(removed)
    assert client.get_run(removed).info.lifecycle_stage == "deleted"
    assert visible(ViewType.ACTIVE_ONLY) == {"kept"}
    assert visible(ViewType.DELETED_ONLY) == {"removed"}
    assert visible(ViewType.ALL) == {"kept", "removed"}
    frame = mlflow.search_runs([experiment_id], run_view_type=ViewType.ALL)
    assert set(frame["run_id"]) == {kept, removed}

    client.restore_run(removed)
    assert client.get_run(removed).info.lifecycle_stage == "active"
    assert visible(ViewType.ACTIVE_ONLY) == {"kept", "removed"}
    assert visible(ViewType.DELETED_ONLY) == set()


def test_deleting_an_experiment_deletes_its_runs_and_restoring_restores_them(client):
    experiment_id = client.create_experiment(unique_name("gone"))
    run_id = client.create_run(experiment_id, run_name="member").info.run_id

    client.delete_experiment(experiment_id)
    run = client.get_run(run_id)
    assert run.info.run_name == "member"
    assert run.info.lifecycle_stage == "deleted"

    client.restore_experiment(experiment_id)
    assert client.get_run(run_id).info.lifecycle_stage == "active"
    assert names(client.search_runs([experiment_id])) == ["member"]
