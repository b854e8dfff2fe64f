"""What MLflow's server records as given although the files or runs it names live elsewhere: a
model version from another store's URI or another server's run, a nested run whose parent is
elsewhere, a logged model whose source run is elsewhere. mloop registers such a version and says
why it cannot serve it; and it refuses the sources MLflow's server refuses, with its messages."""

import uuid

import mlflow
import pytest
from mlflow.exceptions import MlflowException

from conftest import assert_rest_error, unique_name


def foreign_run_id() -> str:
    return uuid.uuid4().hex


@pytest.fixture
def model_name(client) -> str:
    return client.create_registered_model(unique_name("foreign")).name


def test_a_version_from_another_store_is_registered_as_given(client, model_name):
    run_id = foreign_run_id()
    version = client.create_model_version(model_name, "s3://bucket/path/to/model", run_id)
    assert (version.version, version.source, version.run_id, version.status) == (
        "1",
        "s3://bucket/path/to/model",
        run_id,
        "READY",
    )
    assert "mloop holds no files to serve" in version.status_message
    fetched = client.get_model_version(model_name, "1")
    assert (fetched.source, fetched.run_id) == ("s3://bucket/path/to/model", run_id)
    # The download URI of a version whose files are elsewhere is its source, as MLflow answers.
    assert client.get_model_version_download_uri(model_name, "1") == "s3://bucket/path/to/model"
    assert [v.version for v in client.search_model_versions(f"run_id = '{run_id}'")] == ["1"]


def model_id_of(rest, name: str, version: str):
    """The logged model a version records (the client's ModelVersion leaves model_id out)."""
    response = rest.get("model-versions/get", {"name": name, "version": version})
    return response.json()["model_version"].get("model_id")


def test_a_version_from_another_servers_run_is_registered(client, rest, model_name):
    run_id = foreign_run_id()
    version = client.create_model_version(model_name, f"runs:/{run_id}/model", run_id)
    assert (version.source, version.run_id, version.status) == (f"runs:/{run_id}/model", run_id, "READY")
    logged_model_id = f"m-{uuid.uuid4().hex}"
    by_model = client.create_model_version(
        model_name, f"models:/{logged_model_id}", run_id, model_id=logged_model_id
    )
    assert (by_model.version, by_model.source) == ("2", f"models:/{logged_model_id}")
    assert model_id_of(rest, model_name, "2") == logged_model_id


def test_a_logged_models_artifact_location_registers_its_files(client, rest, experiment_id):
    with mlflow.start_run() as run:
        model = client.create_logged_model(experiment_id, source_run_id=run.info.run_id, name="clf")
        client.log_model_artifacts(model.model_id, _model_dir())
    client.finalize_logged_model(model.model_id, "READY")
    name = client.create_registered_model(unique_name("located")).name
    version = client.create_model_version(
        name, model.artifact_location, run.info.run_id, model_id=model.model_id
    )
    assert version.source == model.artifact_location
    assert model_id_of(rest, name, version.version) == model.model_id
    # mloop holds these files: the version is downloadable from the server.
    assert client.get_model_version_download_uri(name, version.version).startswith("mlflow-artifacts:/")
    assert "mloop holds no files" not in (version.status_message or "")


def _model_dir():
    import tempfile
    from pathlib import Path

    directory = Path(tempfile.mkdtemp())
    (directory / "MLmodel").write_text("flavors:\n  python_function:\n    loader_module: x\n")
    return str(directory)


@pytest.mark.parametrize(
    ("source", "run_id", "message"),
    [
        (
            "path/to/model",
            None,
            "To use a local path as a model version source, the run_id request parameter has to be specified",
        ),
        ("file:///etc/model", None, "To use a local path as a model version source"),
        (
            "s3://bucket/a/../../model",
            None,
            "an absolute path must be provided without relative path references present",
        ),
        ("s3://bucket/a/%2e%2e/model", None, "without relative path references"),
        (
            "runs:/0123456789abcdef0123456789abcdef/model",
            None,
            "The run_id request parameter must identify the resource that contains the source.",
        ),
        ("runs:/0123456789abcdef0123456789abcdef/model", "f" * 32, "The run_id request parameter"),
        ("mlflow-artifacts:/1/somewhere/model", None, "The run_id request parameter"),
        ("models:/m-0123456789abcdef", None, "The model_id request parameter"),
    ],
)
def test_sources_mlflow_refuses_are_refused_with_its_message(rest, model_name, source, run_id, message):
    body = {"name": model_name, "source": source, **({"run_id": run_id} if run_id else {})}
    response = rest.post("model-versions/create", body)
    assert_rest_error(response, "INVALID_PARAMETER_VALUE")
    assert response.json()["message"].startswith("Invalid model version source: ")
    assert message in response.json()["message"]


def test_an_artifact_uri_outside_the_named_run_is_refused(client, rest, model_name, experiment_id):
    with mlflow.start_run() as run:
        pass
    with mlflow.start_run() as other:
        pass
    inside = f"{run.info.artifact_uri}/model"
    assert_rest_error(
        rest.post(
            "model-versions/create",
            {"name": model_name, "source": inside, "run_id": other.info.run_id},
        ),
        "INVALID_PARAMETER_VALUE",
    )
    version = client.create_model_version(model_name, inside, run.info.run_id)
    assert (version.source, version.run_id) == (inside, run.info.run_id)


def test_a_nested_run_may_name_a_parent_on_another_server(client, experiment_id):
    parent = foreign_run_id()
    run = client.create_run(experiment_id, tags={"mlflow.parentRunId": parent})
    assert client.get_run(run.info.run_id).data.tags["mlflow.parentRunId"] == parent
    found = client.search_runs([experiment_id], f"tags.mlflow.parentRunId = '{parent}'")
    assert [r.info.run_id for r in found] == [run.info.run_id]


def test_a_logged_model_may_name_a_source_run_on_another_server(client, experiment_id):
    source_run = foreign_run_id()
    model = client.create_logged_model(experiment_id, source_run_id=source_run)
    assert client.get_logged_model(model.model_id).source_run_id == source_run


def test_a_registered_version_source_must_exist(client, model_name):
    with pytest.raises(MlflowException) as caught:
        client.create_model_version(model_name, f"models:/{unique_name('absent')}/1")
    assert caught.value.error_code == "RESOURCE_DOES_NOT_EXIST"
