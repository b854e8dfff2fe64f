"""The model registry through the real mlflow client: a scikit-learn model converted to ONNX,
logged and registered with mlflow.onnx, then versions, aliases, search, tags, updates, deletes
and the errors MLflow's registry answers with."""

import json
import os
import subprocess
import sys
from pathlib import Path

import mlflow
import numpy as np
import onnx
import onnxruntime
import pytest
from mlflow.exceptions import MlflowException
from mlflow.models import infer_signature
from skl2onnx import to_onnx
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from conftest import assert_client_error, assert_rest_error, unique_name

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def iris():
    data = load_iris(as_frame=True)
    features = data.data.astype(np.float32)
    features.columns = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    return features, data.target


@pytest.fixture(scope="module")
def classifier(iris):
    """A fitted scikit-learn model, its ONNX conversion and an MLflow signature with column names."""
    features, target = iris
    model = LogisticRegression(max_iter=500).fit(features, target)
    onx = to_onnx(model, features.to_numpy()[:1], options={id(model): {"zipmap": False}})
    return model, onx, infer_signature(features, model.predict(features))


# Pinned requirements spare log_model from inferring them in a subprocess (seconds per model).
REQUIREMENTS = [f"onnx=={onnx.__version__}", f"onnxruntime=={onnxruntime.__version__}"]


def log_version(classifier, name):
    """Logs the ONNX model in a new run and registers it as the next version of `name`."""
    _, onx, signature = classifier
    with mlflow.start_run() as run:
        info = mlflow.onnx.log_model(
            onx,
            name="model",
            registered_model_name=name,
            signature=signature,
            pip_requirements=REQUIREMENTS,
        )
    return run.info.run_id, info


# --- logging and registering -------------------------------------------------------------------


def test_log_model_with_registered_model_name_creates_numbered_versions(
    client, experiment_id, classifier
):
    name = unique_name("reg")
    run_id, info = log_version(classifier, name)
    assert str(info.registered_model_version) == "1"
    _, second = log_version(classifier, name)
    assert str(second.registered_model_version) == "2"

    first = client.get_model_version(name, "1")
    assert first.name == name
    assert first.version == "1"
    assert first.run_id == run_id
    # The client does not read model_id from the wire; the source names the logged model.
    assert first.source == f"models:/{info.model_id}"
    assert first.status == "READY"
    assert first.current_stage == "None"

    registered = client.get_registered_model(name)
    assert [v.version for v in registered.latest_versions] == ["2"]
    logged = client.get_logged_model(info.model_id)
    # Server and client both note the registration (MLflow's own server lists it twice too).
    registrations = json.loads(logged.tags["mlflow.modelVersions"])
    assert {(r["name"], r["version"]) for r in registrations} == {(name, "1")}


def test_an_alias_names_a_version_and_the_model_loads_through_it(
    client, experiment_id, classifier, iris
):
    name = unique_name("alias")
    log_version(classifier, name)
    log_version(classifier, name)
    client.set_registered_model_alias(name, "champion", "1")
    assert client.get_model_version_by_alias(name, "champion").version == "1"
    client.set_registered_model_alias(name, "champion", "2")
    client.set_registered_model_alias(name, "challenger", "1")

    by_alias = client.get_model_version_by_alias(name, "champion")
    assert by_alias.version == "2"
    assert by_alias.aliases == ["champion"]
    assert client.get_registered_model(name).aliases == {"champion": "2", "challenger": "1"}

    # The files download through the registry (get-download-uri, then the artifact proxy).
    features, _ = iris
    model, _, _ = classifier
    onnx_model = mlflow.onnx.load_model(f"models:/{name}@champion")
    session = onnxruntime.InferenceSession(onnx_model.SerializeToString())
    labels = session.run(["label"], {"X": features.to_numpy()[:10]})[0]
    assert list(labels) == list(model.predict(features[:10]))
    local = Path(mlflow.artifacts.download_artifacts(f"models:/{name}/1"))
    assert {"MLmodel", "model.onnx", "requirements.txt"} <= {p.name for p in local.iterdir()}

    client.delete_registered_model_alias(name, "challenger")
    assert client.get_registered_model(name).aliases == {"champion": "2"}
    with pytest.raises(MlflowException) as caught:
        client.get_model_version_by_alias(name, "challenger")
    assert_client_error(caught.value, "RESOURCE_DOES_NOT_EXIST")


def test_register_model_from_a_run_path(client, experiment_id, classifier, tmp_path):
    _, onx, signature = classifier
    name = unique_name("from-run")
    # MLflow 3: the files live with the logged model; the client registers models:/<model_id>.
    with mlflow.start_run() as run:
        info = mlflow.onnx.log_model(
            onx, name="clf", signature=signature, pip_requirements=REQUIREMENTS
        )
    version = mlflow.register_model(f"runs:/{run.info.run_id}/clf", name)
    assert version.version == "1"
    assert client.get_model_version(name, "1").source == f"models:/{info.model_id}"

    # Files logged as plain run artifacts: the client registers their artifact location.
    saved = tmp_path / "onnx-model"
    mlflow.onnx.save_model(onx, str(saved), signature=signature, pip_requirements=REQUIREMENTS)
    with mlflow.start_run() as run:
        mlflow.log_artifacts(str(saved), artifact_path="exported")
    version = mlflow.register_model(f"runs:/{run.info.run_id}/exported", name)
    stored = client.get_model_version(name, version.version)
    assert stored.version == "2"
    assert stored.run_id == run.info.run_id
    assert stored.source.endswith(f"{run.info.run_id}/artifacts/exported")


# --- search ------------------------------------------------------------------------------------


def test_search_registered_models_by_name_and_tag_with_pages(client):
    prefix = unique_name("search")
    for suffix, team in [("a", "fraud"), ("b", "growth"), ("c", "fraud")]:
        client.create_registered_model(f"{prefix}-{suffix}", tags={"team": team})

    found = client.search_registered_models(filter_string=f"name LIKE '{prefix}-%'")
    assert [m.name for m in found] == [f"{prefix}-a", f"{prefix}-b", f"{prefix}-c"]
    fraud = client.search_registered_models(
        filter_string=f"name LIKE '{prefix}-%' AND tags.team = 'fraud'",
        order_by=["name DESC"],
    )
    assert [m.name for m in fraud] == [f"{prefix}-c", f"{prefix}-a"]
    assert client.search_registered_models(filter_string=f"name = '{prefix}-b'")[0].tags == {
        "team": "growth"
    }

    first = client.search_registered_models(filter_string=f"name LIKE '{prefix}-%'", max_results=2)
    assert len(first) == 2 and first.token
    rest = client.search_registered_models(
        filter_string=f"name LIKE '{prefix}-%'", max_results=2, page_token=first.token
    )
    assert [m.name for m in rest] == [f"{prefix}-c"]
    assert not rest.token


def test_search_model_versions_by_name_and_run(client, experiment_id, classifier):
    name = unique_name("versions")
    run_id, _ = log_version(classifier, name)
    log_version(classifier, name)
    versions = client.search_model_versions(f"name = '{name}'")
    assert sorted(v.version for v in versions) == ["1", "2"]
    by_run = client.search_model_versions(f"name = '{name}' and run_id = '{run_id}'")
    assert [v.version for v in by_run] == ["1"]
    newest_first = client.search_model_versions(
        f"name = '{name}'", order_by=["version_number DESC"]
    )
    assert [v.version for v in newest_first] == ["2", "1"]


# --- tags, updates, rename --------------------------------------------------------------------


def test_tags_descriptions_and_rename(client, experiment_id, classifier):
    name = unique_name("meta")
    log_version(classifier, name)
    client.set_registered_model_tag(name, "owner", "ana")
    client.set_registered_model_tag(name, "stage", "dev")
    client.delete_registered_model_tag(name, "stage")
    client.set_model_version_tag(name, "1", "validated", "yes")
    client.set_model_version_tag(name, "1", "drop-me", "x")
    client.delete_model_version_tag(name, "1", "drop-me")
    client.update_registered_model(name, description="iris classifier")
    client.update_model_version(name, "1", description="first ONNX export")

    registered = client.get_registered_model(name)
    assert registered.tags == {"owner": "ana"}
    assert registered.description == "iris classifier"
    version = client.get_model_version(name, "1")
    assert version.tags == {"validated": "yes"}
    assert version.description == "first ONNX export"

    client.set_registered_model_alias(name, "champion", "1")
    client.rename_registered_model(name, f"{name}-v2")
    assert client.get_registered_model(f"{name}-v2").tags == {"owner": "ana"}
    assert client.get_model_version_by_alias(f"{name}-v2", "champion").version == "1"
    with pytest.raises(MlflowException) as caught:
        client.get_registered_model(name)
    assert_client_error(caught.value, "RESOURCE_DOES_NOT_EXIST")


def test_legacy_stage_transitions(client, experiment_id, classifier):
    name = unique_name("stages")
    log_version(classifier, name)
    log_version(classifier, name)
    client.transition_model_version_stage(name, "1", "Production")
    moved = client.transition_model_version_stage(
        name, "2", "production", archive_existing_versions=True
    )
    assert moved.current_stage == "Production"
    assert client.get_model_version(name, "1").current_stage == "Archived"
    latest = client.get_latest_versions(name, stages=["Production"])
    assert [v.version for v in latest] == ["2"]


# --- deletes -----------------------------------------------------------------------------------


def test_deleting_a_version_removes_its_aliases_and_never_reuses_its_number(
    client, experiment_id, classifier
):
    name = unique_name("delete")
    log_version(classifier, name)
    log_version(classifier, name)
    client.set_registered_model_alias(name, "champion", "2")
    client.delete_model_version(name, "2")
    with pytest.raises(MlflowException) as caught:
        client.get_model_version(name, "2")
    assert_client_error(caught.value, "RESOURCE_DOES_NOT_EXIST")
    assert client.get_registered_model(name).aliases == {}
    _, third = log_version(classifier, name)
    assert str(third.registered_model_version) == "3"

    client.delete_registered_model(name)
    with pytest.raises(MlflowException) as caught:
        client.get_registered_model(name)
    assert_client_error(caught.value, "RESOURCE_DOES_NOT_EXIST")
    with pytest.raises(MlflowException) as caught:
        client.get_model_version(name, "1")
    assert_client_error(caught.value, "RESOURCE_DOES_NOT_EXIST")


# --- errors ------------------------------------------------------------------------------------


def test_registry_errors_use_mlflow_codes(client, rest, experiment_id, classifier):
    name = unique_name("errors")
    client.create_registered_model(name)
    with pytest.raises(MlflowException) as caught:
        client.create_registered_model(name)
    assert_client_error(caught.value, "RESOURCE_ALREADY_EXISTS")
    assert_rest_error(rest.post("registered-models/create", {"name": name}), "RESOURCE_ALREADY_EXISTS")

    missing = unique_name("missing")
    with pytest.raises(MlflowException) as caught:
        client.get_registered_model(missing)
    assert_client_error(caught.value, "RESOURCE_DOES_NOT_EXIST")
    assert_rest_error(rest.get("registered-models/get", {"name": missing}), "RESOURCE_DOES_NOT_EXIST")
    with pytest.raises(MlflowException) as caught:
        client.get_model_version(name, "1")
    assert_client_error(caught.value, "RESOURCE_DOES_NOT_EXIST")
    with pytest.raises(MlflowException) as caught:
        client.set_registered_model_alias(name, "champion", "1")
    assert_client_error(caught.value, "RESOURCE_DOES_NOT_EXIST")
    with pytest.raises(MlflowException) as caught:
        client.rename_registered_model(missing, unique_name("other"))
    assert_client_error(caught.value, "RESOURCE_DOES_NOT_EXIST")

    log_version(classifier, name)
    for alias in ["latest", "v1", "has space"]:
        response = rest.post("registered-models/alias", {"name": name, "alias": alias, "version": "1"})
        assert_rest_error(response, "INVALID_PARAMETER_VALUE")
    assert_rest_error(
        rest.post("registered-models/create", {"name": "has/slash"}), "INVALID_PARAMETER_VALUE"
    )
    assert_rest_error(
        rest.post("model-versions/create", {"name": name, "source": "s3://bucket/../model"}),
        "INVALID_PARAMETER_VALUE",
    )
    other = unique_name("taken")
    client.create_registered_model(other)
    with pytest.raises(MlflowException) as caught:
        client.rename_registered_model(name, other)
    assert_client_error(caught.value, "RESOURCE_ALREADY_EXISTS")


# --- the example ------------------------------------------------------------------------------


def test_the_sklearn_to_onnx_example_registers_a_champion(client, tracking_uri):
    name = unique_name("example")
    result = subprocess.run(
        [sys.executable, str(REPO / "examples" / "sklearn_to_onnx.py"), "--model-name", name],
        capture_output=True,
        text=True,
        env={**os.environ, "MLFLOW_TRACKING_URI": tracking_uri},
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    printed = json.loads(result.stdout.strip().splitlines()[-1])
    assert printed["version"] == "1"
    champion = client.get_model_version_by_alias(name, "champion")
    assert champion.version == "1"
    assert champion.run_id == printed["run_id"]
    assert printed["test_accuracy"] > 0.8
    run = client.get_run(printed["run_id"])
    assert [d.dataset.name for d in run.inputs.dataset_inputs] == ["iris-train"]
    assert run.data.params["model"] == "logistic_regression"
