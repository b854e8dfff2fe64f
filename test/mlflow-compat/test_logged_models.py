"""MLflow 3's logged models through the real mlflow client: create, finalize, tags, params,
search, outputs of runs, delete."""

import mlflow
import pytest
from mlflow.entities import LoggedModelStatus
from mlflow.exceptions import MlflowException

from conftest import assert_client_error, assert_rest_error, unique_name


def test_a_logged_model_is_created_pending_and_finalized_ready(client, experiment_id):
    with mlflow.start_run() as run:
        model = client.create_logged_model(
            experiment_id,
            name="clf",
            source_run_id=run.info.run_id,
            tags={"team": "fraud"},
            params={"C": "1.0"},
            model_type="classifier",
        )
    assert model.model_id.startswith("m-")
    assert model.status == LoggedModelStatus.PENDING
    assert model.artifact_location.endswith(f"/models/{model.model_id}/artifacts")

    ready = client.finalize_logged_model(model.model_id, LoggedModelStatus.READY)
    assert ready.status == LoggedModelStatus.READY
    fetched = client.get_logged_model(model.model_id)
    assert fetched.name == "clf"
    assert fetched.experiment_id == experiment_id
    assert fetched.source_run_id == run.info.run_id
    assert fetched.model_type == "classifier"
    assert fetched.tags == {"team": "fraud"}
    assert fetched.params == {"C": "1.0"}


def test_tags_and_params_of_a_logged_model(client, experiment_id):
    model = client.create_logged_model(experiment_id, name="tagged")
    client.set_logged_model_tags(model.model_id, {"a": "1", "b": "2"})
    client.delete_logged_model_tag(model.model_id, "a")
    client.log_model_params(model.model_id, {"lr": "0.1"})
    fetched = client.get_logged_model(model.model_id)
    assert fetched.tags == {"b": "2"}
    assert fetched.params == {"lr": "0.1"}


def test_search_logged_models_by_name_and_run_newest_first_with_pages(client, experiment_id):
    with mlflow.start_run() as run:
        ids = [
            client.create_logged_model(experiment_id, name=name, source_run_id=run.info.run_id).model_id
            for name in ["first", "second", "first"]
        ]
    firsts = client.search_logged_models(experiment_ids=[experiment_id], filter_string="name = 'first'")
    assert {m.model_id for m in firsts} == {ids[0], ids[2]}
    by_run = client.search_logged_models(
        experiment_ids=[experiment_id],
        filter_string=f"source_run_id = '{run.info.run_id}'",
        order_by=[{"field_name": "name", "ascending": False}],
    )
    assert [m.name for m in by_run][0] == "second"
    page = client.search_logged_models(experiment_ids=[experiment_id], max_results=2)
    assert len(page) == 2 and page.token
    rest = client.search_logged_models(
        experiment_ids=[experiment_id], max_results=2, page_token=page.token
    )
    assert len(rest) == 1


def test_log_model_links_the_model_to_its_run_as_an_output(client, experiment_id, tmp_path):
    class Constant(mlflow.pyfunc.PythonModel):
        def predict(self, context, model_input):
            return [1] * len(model_input)

    with mlflow.start_run() as run:
        info = mlflow.pyfunc.log_model(name="const", python_model=Constant(), pip_requirements=[])
    outputs = client.get_run(run.info.run_id).outputs.model_outputs
    assert [o.model_id for o in outputs] == [info.model_id]
    model = client.get_logged_model(info.model_id)
    assert model.status == LoggedModelStatus.READY
    files = {a.path for a in client.list_artifacts(run.info.run_id, "const")}
    assert "const/MLmodel" in files


def test_a_deleted_logged_model_is_gone(client, rest, experiment_id):
    model = client.create_logged_model(experiment_id, name="doomed")
    client.delete_logged_model(model.model_id)
    with pytest.raises(MlflowException) as caught:
        client.get_logged_model(model.model_id)
    assert_client_error(caught.value, "RESOURCE_DOES_NOT_EXIST")
    assert client.search_logged_models(experiment_ids=[experiment_id]) == []
    assert_rest_error(
        rest.post("logged-models", {"experiment_id": unique_name("no-such-experiment")}),
        "RESOURCE_DOES_NOT_EXIST",
    )
