"""Error semantics: the codes and HTTP statuses MLflow's REST API returns, and that a rejected
request changes nothing.

Each case is checked through the client (the exception a user catches) and, where the client
would validate or reshape the request itself, with raw HTTP to the documented endpoint.
"""

import time
import uuid

import mlflow
import pytest
from mlflow.exceptions import MlflowException

from conftest import assert_client_error, assert_rest_error, unique_name

NOW = int(time.time() * 1000)


def metric(key, value=1.0, step=0):
    return {"key": key, "value": value, "timestamp": NOW, "step": step}


@pytest.fixture
def run_id(client, experiment_id) -> str:
    return client.create_run(experiment_id).info.run_id


def assert_run_data_empty(client, run_id):
    data = client.get_run(run_id).data
    assert data.metrics == {}
    assert data.params == {}
    assert {k: v for k, v in data.tags.items() if not k.startswith("mlflow.")} == {}


# --- experiments -----------------------------------------------------------------------------


def test_creating_an_experiment_with_an_existing_name_is_rejected(client, rest):
    name = unique_name("dup")
    client.create_experiment(name)
    with pytest.raises(MlflowException) as caught:
        client.create_experiment(name)
    assert_client_error(caught.value, "RESOURCE_ALREADY_EXISTS")
    assert_rest_error(rest.post("experiments/create", {"name": name}), "RESOURCE_ALREADY_EXISTS")


def test_the_name_of_a_deleted_experiment_is_still_taken(client):
    name = unique_name("deleted-dup")
    client.delete_experiment(client.create_experiment(name))
    with pytest.raises(MlflowException) as caught:
        client.create_experiment(name)
    assert_client_error(caught.value, "RESOURCE_ALREADY_EXISTS")


def test_renaming_onto_an_existing_name_fails_and_keeps_the_old_name(client):
    # MLflow's error code here depends on its database (BAD_REQUEST from SQLite's unique index),
    # so only the failure itself is the contract.
    taken = unique_name("taken")
    client.create_experiment(taken)
    mover = unique_name("mover")
    experiment_id = client.create_experiment(mover)
    with pytest.raises(MlflowException):
        client.rename_experiment(experiment_id, taken)
    assert client.get_experiment(experiment_id).name == mover
    assert [e.name for e in client.search_experiments(filter_string=f"name = '{taken}'")] == [taken]


def test_creating_an_experiment_without_a_name_is_rejected(rest):
    assert_rest_error(rest.post("experiments/create", {"name": ""}), "INVALID_PARAMETER_VALUE")


def test_get_experiment_of_an_unknown_id_is_not_found(client, rest):
    unknown = "987654321"
    with pytest.raises(MlflowException) as caught:
        client.get_experiment(unknown)
    assert_client_error(caught.value, "RESOURCE_DOES_NOT_EXIST")
    response = rest.get("experiments/get", {"experiment_id": unknown})
    assert_rest_error(response, "RESOURCE_DOES_NOT_EXIST")


def test_get_experiment_by_name_of_an_unknown_name_is_not_found(rest):
    response = rest.get("experiments/get-by-name", {"experiment_name": unique_name("nobody")})
    assert_rest_error(response, "RESOURCE_DOES_NOT_EXIST")


# --- runs ------------------------------------------------------------------------------------


def test_get_run_of_an_unknown_id_is_not_found(client, rest):
    unknown = uuid.uuid4().hex
    with pytest.raises(MlflowException) as caught:
        client.get_run(unknown)
    assert_client_error(caught.value, "RESOURCE_DOES_NOT_EXIST")
    assert_rest_error(rest.get("runs/get", {"run_id": unknown}), "RESOURCE_DOES_NOT_EXIST")


def test_creating_a_run_in_an_unknown_experiment_is_not_found(rest):
    response = rest.post("runs/create", {"experiment_id": "987654321", "start_time": NOW})
    assert_rest_error(response, "RESOURCE_DOES_NOT_EXIST")


def test_changing_a_logged_param_value_is_rejected(client, rest, experiment_id):
    with mlflow.start_run() as run:
        mlflow.log_param("model", "rf")
        with pytest.raises(MlflowException) as caught:
            mlflow.log_param("model", "svm")
    assert_client_error(caught.value, "INVALID_PARAMETER_VALUE")
    response = rest.post(
        "runs/log-parameter", {"run_id": run.info.run_id, "key": "model", "value": "lr"}
    )
    assert_rest_error(response, "INVALID_PARAMETER_VALUE")
    assert client.get_run(run.info.run_id).data.params == {"model": "rf"}


def test_logging_to_a_deleted_run_is_rejected(client, rest, run_id):
    client.delete_run(run_id)
    with pytest.raises(MlflowException) as caught:
        client.log_metric(run_id, "loss", 0.5)
    assert_client_error(caught.value, "INVALID_PARAMETER_VALUE")
    response = rest.post("runs/log-metric", {"run_id": run_id, **metric("loss", 0.5)})
    assert_rest_error(response, "INVALID_PARAMETER_VALUE")
    client.restore_run(run_id)
    assert client.get_run(run_id).data.metrics == {}


def test_creating_a_run_in_a_deleted_experiment_is_rejected(client, rest):
    experiment_id = client.create_experiment(unique_name("deleted"))
    client.delete_experiment(experiment_id)
    with pytest.raises(MlflowException) as caught:
        client.create_run(experiment_id)
    assert_client_error(caught.value, "INVALID_PARAMETER_VALUE")
    response = rest.post("runs/create", {"experiment_id": experiment_id, "start_time": NOW})
    assert_rest_error(response, "INVALID_PARAMETER_VALUE")


def test_deleting_a_tag_that_does_not_exist_is_not_found(client, run_id):
    with pytest.raises(MlflowException) as caught:
        client.delete_tag(run_id, "never-set")
    assert_client_error(caught.value, "RESOURCE_DOES_NOT_EXIST")


# --- search ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad_filter",
    [
        "metrics.acc >>> 0.5",
        "params.model = rf",  # string values must be quoted
        "metrics.acc > 'high'",  # metrics compare with numbers
        "attributes.no_such_attribute = 'x'",
    ],
)
def test_a_malformed_search_filter_is_rejected(client, rest, experiment_id, bad_filter):
    response = rest.post("runs/search", {"experiment_ids": [experiment_id], "filter": bad_filter})
    assert_rest_error(response, "INVALID_PARAMETER_VALUE")
    with pytest.raises(MlflowException) as caught:
        client.search_runs([experiment_id], filter_string=bad_filter)
    assert_client_error(caught.value, "INVALID_PARAMETER_VALUE")


def test_a_malformed_order_by_is_rejected(rest, experiment_id):
    body = {"experiment_ids": [experiment_id], "order_by": ["metrics.acc SIDEWAYS"]}
    assert_rest_error(rest.post("runs/search", body), "INVALID_PARAMETER_VALUE")


def test_a_malformed_experiment_filter_is_rejected(rest):
    body = {"filter": "name LIKE", "max_results": 10}
    assert_rest_error(rest.post("experiments/search", body), "INVALID_PARAMETER_VALUE")


# --- log-batch limits and atomicity (raw HTTP: the client would split or check these) --------


@pytest.mark.parametrize(
    "batch",
    [
        {"metrics": [metric(f"m{i}") for i in range(1001)]},
        {"params": [{"key": f"p{i}", "value": "v"} for i in range(101)]},
        {"tags": [{"key": f"t{i}", "value": "v"} for i in range(101)]},
    ],
    ids=["1001-metrics", "101-params", "101-tags"],
)
def test_a_log_batch_over_the_limits_is_rejected_and_writes_nothing(client, rest, run_id, batch):
    response = rest.post("runs/log-batch", {"run_id": run_id, **batch})
    assert_rest_error(response, "INVALID_PARAMETER_VALUE")
    assert_run_data_empty(client, run_id)


def test_a_log_batch_with_one_invalid_key_writes_none_of_the_batch(client, rest, run_id):
    body = {
        "run_id": run_id,
        "metrics": [metric("loss", 0.5), metric("../x", 1.0), metric("acc", 0.9)],
        "params": [{"key": "model", "value": "rf"}],
        "tags": [{"key": "stage", "value": "dev"}],
    }
    assert_rest_error(rest.post("runs/log-batch", body), "INVALID_PARAMETER_VALUE")
    assert_run_data_empty(client, run_id)
    assert client.get_metric_history(run_id, "loss") == []


def test_a_param_value_over_the_length_limit_is_rejected_naming_the_field(client, rest, run_id):
    # Deliberate difference from MLflow's server, which silently truncates over-long values:
    # mloop rejects them so a stored param is always exactly what the client sent.
    value = "x" * 6001
    response = rest.post("runs/log-parameter", {"run_id": run_id, "key": "long", "value": value})
    assert response.status_code == 400, response.text
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert "value" in response.json()["message"]
    assert client.get_run(run_id).data.params == {}


def assert_bad_request(response, message):
    assert response.status_code == 400, response.text
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE", response.text
    assert message in response.json()["message"], response.text


@pytest.mark.parametrize(
    ("endpoint", "body", "message"),
    [
        ("runs/log-metric", {"run_id": 31, "key": "m", "value": 1, "timestamp": 1},
         "Invalid value 31 for parameter 'run_id' supplied"),
        ("runs/log-metric", {"run_id": "RUN", "key": "m", "value": 1, "timestamp": 1, "step": "foo"},
         "Invalid value \"foo\" for parameter 'step' supplied"),
        ("runs/log-metric", {"run_id": "RUN", "key": None, "value": 1, "timestamp": 1},
         "Missing value for required parameter 'key'"),
        ("runs/set-tag", {"run_id": "RUN", "key": "k", "value": 41},
         "Invalid value 41 for parameter 'value' supplied"),
        ("experiments/create", {"name": 123}, "Invalid value 123 for parameter 'name'"),
        ("experiments/create", {"name": unique_name(), "tags": "5"},
         "Invalid value \"5\" for parameter 'tags'"),
        ("runs/log-batch", {"run_id": "RUN", "params": "foo"},
         "Invalid value \"foo\" for parameter 'params' supplied"),
        ("runs/log-batch", {"run_id": "RUN", "metrics": [{"key": "mae", "value": 2.5}]},
         "Invalid value [{\"key\":\"mae\",\"value\":2.5}] for parameter 'metrics' supplied"),
    ],
)  # fmt: skip
def test_a_wrongly_typed_field_is_rejected_naming_it_as_mlflow_does(
    client, rest, run_id, endpoint, body, message
):
    # A number is no run id: the server must not look up the run "31" and answer 404.
    sent = {k: run_id if v == "RUN" else v for k, v in body.items()}

    assert_bad_request(rest.post(endpoint, sent), message)
    assert_run_data_empty(client, run_id)


def test_an_artifact_path_leaving_the_run_is_an_invalid_path(rest, run_id):
    response = rest.get("artifacts/list", {"run_id": run_id, "path": "../path"})

    assert response.status_code == 400
    assert response.json() == {"error_code": "INVALID_PARAMETER_VALUE", "message": "Invalid path"}
