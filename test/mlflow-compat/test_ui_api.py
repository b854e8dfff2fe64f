"""The calls MLflow's web UI makes: its /ajax-api/ prefix and the routes that exist only there.

Tools written against the UI's calls (and MLflow's own server tests) use these with plain HTTP.
"""

import mlflow
import requests
from mlflow.entities import Dataset, DatasetInput, InputTag

from conftest import unique_name


def test_every_rest_route_answers_under_the_ui_prefix_too(client, tracking_uri, experiment_id):
    run_id = client.create_run(experiment_id).info.run_id
    client.log_metric(run_id, "loss", 0.5, step=1)

    got = requests.get(
        f"{tracking_uri}/ajax-api/2.0/mlflow/runs/get", params={"run_id": run_id}, timeout=60
    )
    created = requests.post(
        f"{tracking_uri}/ajax-api/2.0/mlflow/experiments/create",
        json={"name": unique_name("ajax")},
        timeout=60,
    )

    assert got.status_code == 200, got.text
    assert got.json()["run"]["data"]["metrics"][0]["key"] == "loss"
    assert created.status_code == 200, created.text
    assert client.get_experiment(created.json()["experiment_id"]) is not None


def test_run_and_model_files_download_at_the_ui_routes(client, tracking_uri, experiment_id, tmp_path):
    (tmp_path / "notes.txt").write_text("abcdefg")
    with mlflow.start_run() as run:
        mlflow.log_artifact(str(tmp_path / "notes.txt"))
    run_id = run.info.run_id

    response = requests.get(
        f"{tracking_uri}/get-artifact", params={"run_id": run_id, "path": "notes.txt"}, timeout=60
    )
    escape = requests.get(
        f"{tracking_uri}/get-artifact", params={"run_id": run_id, "path": "../x"}, timeout=60
    )

    assert response.status_code == 200, response.text
    assert response.text == "abcdefg"
    assert response.headers["Content-Type"] == "text/plain"
    assert response.headers["Content-Disposition"] == "attachment; filename=notes.txt"
    assert escape.status_code == 400
    assert escape.json() == {"error_code": "INVALID_PARAMETER_VALUE", "message": "Invalid path"}


def test_the_browser_uploads_a_file_to_a_run(client, tracking_uri, experiment_id):
    run_id = client.create_run(experiment_id).info.run_id
    url = f"{tracking_uri}/ajax-api/2.0/mlflow/upload-artifact"

    uploaded = requests.post(
        url, params={"run_uuid": run_id, "path": "dir/test.txt"}, data="hello world", timeout=60
    )
    empty = requests.post(url, params={"run_uuid": run_id, "path": "test.txt"}, timeout=60)

    assert uploaded.status_code == 200, uploaded.text
    downloaded = requests.get(
        f"{tracking_uri}/get-artifact",
        params={"run_uuid": run_id, "path": "dir/test.txt"},
        timeout=60,
    )
    assert downloaded.text == "hello world"
    assert empty.status_code == 400
    assert "Request must specify data." in empty.json()["message"]


def test_metric_histories_of_several_runs_come_in_one_call(client, tracking_uri, experiment_id):
    run_ids = sorted(client.create_run(experiment_id).info.run_id for _ in range(2))
    points = [(1, 2, 10.0), (1, 3, 11.0), (2, 3, 12.0)]
    for offset, run_id in enumerate(run_ids):
        for timestamp, step, value in points:
            client.log_metric(run_id, "acc", value + offset, timestamp=timestamp, step=step)
    url = f"{tracking_uri}/ajax-api/2.0/mlflow/metrics/get-history-bulk"

    response = requests.get(url, params={"run_id": run_ids, "metric_key": "acc"}, timeout=60)
    none = requests.get(url, params={"metric_key": "acc"}, timeout=60)

    assert response.status_code == 200, response.text
    assert response.json()["metrics"] == [
        {"key": "acc", "value": value + offset, "timestamp": timestamp, "step": step, "run_id": run_id}
        for offset, run_id in enumerate(run_ids)
        for timestamp, step, value in points
    ]
    assert none.status_code == 400
    assert "must specify at least one run_id" in none.json()["message"]


def test_the_datasets_of_an_experiment_are_summarised(client, tracking_uri, experiment_id):
    run_id = client.create_run(experiment_id).info.run_id
    dataset = Dataset(name="train", digest="d1", source_type="local", source="s")
    client.log_inputs(
        run_id, [DatasetInput(dataset, [InputTag("mlflow.data.context", "training")])]
    )

    response = requests.post(
        f"{tracking_uri}/ajax-api/2.0/mlflow/experiments/search-datasets",
        json={"experiment_ids": [experiment_id]},
        timeout=60,
    )

    assert response.status_code == 200, response.text
    assert response.json()["dataset_summaries"] == [
        {"experiment_id": experiment_id, "name": "train", "digest": "d1", "context": "training"}
    ]


def test_a_logged_models_files_download_at_the_ui_route(client, tracking_uri, experiment_id, tmp_path):
    model = client.create_logged_model(experiment_id, name="m")
    (tmp_path / "MLmodel").write_text("flavors: {}\n")
    client.log_model_artifact(model.model_id, str(tmp_path / "MLmodel"))

    response = requests.get(
        f"{tracking_uri}/ajax-api/2.0/mlflow/logged-models/{model.model_id}/artifacts/files",
        params={"artifact_file_path": "MLmodel"},
        timeout=60,
    )

    assert response.status_code == 200, response.text
    assert response.text == "flavors: {}\n"
    assert response.headers["Content-Type"] == "text/plain"


def test_charts_get_an_even_sample_of_long_metric_histories(client, tracking_uri, experiment_id):
    short, long = (client.create_run(experiment_id).info.run_id for _ in range(2))
    for run_id, steps in ((short, 10), (long, 20)):
        for step in range(steps):
            client.log_metric(run_id, "loss", 10.0, timestamp=1, step=step)
    url = f"{tracking_uri}/ajax-api/2.0/mlflow/metrics/get-history-bulk-interval"

    response = requests.get(
        url, params={"run_ids": [short, long], "metric_key": "loss", "max_results": 5}, timeout=60
    )
    reversed_range = requests.get(
        url,
        params={"run_ids": [short], "metric_key": "loss", "start_step": 1, "end_step": 0},
        timeout=60,
    )

    assert response.status_code == 200, response.text
    assert [(m["run_id"], m["step"]) for m in response.json()["metrics"]] == [
        (run_id, step)
        for run_id, steps in ((short, [0, 4, 8, 9]), (long, [0, 4, 8, 9, 12, 16, 19]))
        for step in steps
    ]
    assert reversed_range.status_code == 400
    assert "end_step must be greater than start_step" in reversed_range.json()["message"]
