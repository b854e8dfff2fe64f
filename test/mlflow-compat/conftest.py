"""Shared fixtures for the MLflow compatibility suite.

The suite drives the real `mlflow` client against whatever server MLFLOW_TRACKING_URI names, so
the same tests run against MLflow's own tracking server (the reference semantics) and against
`mloop server`. Every test works in experiments with fresh uuid names, so tests are independent of
each other and of whatever else the server holds.

Where a test checks the SERVER's validation it sends raw HTTP to the documented REST endpoints:
the mlflow client validates some input itself (and splits large batches), which would otherwise
hide what the server does.
"""

import os
import uuid

import mlflow
import pytest
import requests
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

# HTTP status that MLflow's REST API uses for each error code this suite checks.
HTTP_STATUS_OF = {
    "INVALID_PARAMETER_VALUE": 400,
    "RESOURCE_ALREADY_EXISTS": 400,
    "RESOURCE_DOES_NOT_EXIST": 404,
}


def unique_name(prefix: str = "compat") -> str:
    """A name no other test (or earlier run of the suite) uses."""
    return f"{prefix}-{uuid.uuid4().hex}"


@pytest.fixture(scope="session")
def tracking_uri() -> str:
    uri = os.environ.get("MLFLOW_TRACKING_URI", "")
    if not uri.startswith("http"):
        pytest.fail("set MLFLOW_TRACKING_URI to the http(s) URL of the tracking server under test")
    return uri.rstrip("/")


@pytest.fixture(autouse=True)
def _no_run_leaks_between_tests(tracking_uri):
    """Each test starts with the server's URI set and ends with no active fluent run."""
    mlflow.set_tracking_uri(tracking_uri)
    yield
    while mlflow.active_run() is not None:
        mlflow.end_run()


@pytest.fixture
def client(tracking_uri) -> MlflowClient:
    return MlflowClient(tracking_uri=tracking_uri)


@pytest.fixture
def experiment_id() -> str:
    """A fresh experiment, made the active one for fluent calls such as mlflow.start_run()."""
    return mlflow.set_experiment(unique_name("exp")).experiment_id


class RestApi:
    """Raw HTTP access to the MLflow REST API 2.0, bypassing the client's own checks."""

    def __init__(self, base_url: str):
        self.base_url = base_url

    def post(self, endpoint: str, body: dict) -> requests.Response:
        return requests.post(f"{self.base_url}/api/2.0/mlflow/{endpoint}", json=body, timeout=60)

    def get(self, endpoint: str, params: dict) -> requests.Response:
        return requests.get(f"{self.base_url}/api/2.0/mlflow/{endpoint}", params=params, timeout=60)


@pytest.fixture
def rest(tracking_uri) -> RestApi:
    return RestApi(tracking_uri)


def assert_rest_error(response: requests.Response, error_code: str) -> None:
    """The response is MLflow's JSON error body with this code and the code's HTTP status."""
    assert response.status_code == HTTP_STATUS_OF[error_code], response.text
    assert response.json()["error_code"] == error_code, response.text


def assert_client_error(error: MlflowException, error_code: str) -> None:
    """The client raised the server's error code (the client derives the HTTP status from it)."""
    assert error.error_code == error_code, str(error)
    assert error.get_http_status_code() == HTTP_STATUS_OF[error_code], str(error)
