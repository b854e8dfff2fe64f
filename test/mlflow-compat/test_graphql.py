"""POST /graphql as MLflow's server offers it: its web UI reads runs, experiments and metric
histories through it. Each answer is checked against the REST API's answer for the same object.

The queries are the ones MLflow's UI sends (GetRun, SearchRuns, GetMetricHistoryBulkInterval,
MlflowGetExperimentQuery) and the ones MLflow's own server tests post.
"""

import mlflow
import requests
from mlflow.entities import Dataset, DatasetInput, InputTag

from conftest import unique_name

GET_RUN = """
query GetRun($data: MlflowGetRunInput!) @component(name: "MLflow.ExperimentRunTracking") {
  mlflowGetRun(input: $data) {
    apiError { helpUrl code message }
    run {
      info { runName status runUuid experimentId artifactUri endTime lifecycleStage startTime userId }
      experiment { experimentId name tags { key value } artifactLocation lifecycleStage lastUpdateTime }
      modelVersions { status version name source }
      data {
        metrics { key value step timestamp }
        params { key value }
        tags { key value }
      }
      inputs {
        datasetInputs {
          dataset { digest name profile schema source sourceType }
          tags { key value }
        }
        modelInputs { modelId }
      }
      outputs { modelOutputs { modelId step } }
    }
  }
}
"""

SEARCH_RUNS = """
query SearchRuns($data: MlflowSearchRunsInput!) {
  mlflowSearchRuns(input: $data) {
    apiError { code message }
    runs {
      info { runUuid runName status }
      data { metrics { key value step timestamp } params { key value } }
      experiment { experimentId name }
    }
    nextPageToken
  }
}
"""

BULK_INTERVAL = """
query GetMetricHistoryBulkInterval($data: MlflowGetMetricHistoryBulkIntervalInput!)
@component(name: "MLflow.ExperimentRunTracking") {
  mlflowGetMetricHistoryBulkInterval(input: $data) {
    __typename
    metrics { timestamp step runId key value }
    apiError { code message }
  }
}
"""

GET_EXPERIMENT = """
query MlflowGetExperimentQuery($input: MlflowGetExperimentInput!)
@component(name: "MLflow.ExperimentRunTracking") {
  mlflowGetExperiment(input: $input) {
    apiError { code message }
    experiment {
      artifactLocation creationTime experimentId lastUpdateTime lifecycleStage name
      tags { key value }
    }
  }
}
"""


def graphql(tracking_uri, query, variables=None, operation_name=None, **kwargs):
    response = requests.post(
        f"{tracking_uri}/graphql",
        json={"query": query, "variables": variables, "operationName": operation_name},
        timeout=60,
        **kwargs,
    )
    assert response.status_code == 200, response.text
    return response.json()


def as_long(value):
    """int64 as GraphQL's LongString carries it."""
    return str(value)


def test_the_test_field_echoes_its_input(tracking_uri):
    query = 'query testQuery {test(inputString: "abc") { output }}'
    answer = graphql(tracking_uri, query, operation_name="testQuery")
    assert answer == {"data": {"test": {"output": "abc"}}, "errors": None}


def test_get_run_answers_what_runs_get_answers(client, rest, tracking_uri, experiment_id):
    run_id = client.create_run(experiment_id, tags={"team": "search"}).info.run_id
    client.log_metric(run_id, "loss", 0.25, step=3, timestamp=1000)
    client.log_metric(run_id, "missing", float("nan"), step=1, timestamp=1001)
    client.log_param(run_id, "lr", "0.1")
    dataset = Dataset(name="train", digest="d1", source_type="local", source="train.csv")
    client.log_inputs(
        run_id, [DatasetInput(dataset, tags=[InputTag(key="mlflow.data.context", value="training")])]
    )
    model = unique_name("gqlmodel")
    client.create_registered_model(model)
    client.create_model_version(model, f"runs:/{run_id}/model", run_id)

    answer = graphql(tracking_uri, GET_RUN, {"data": {"runId": run_id}})
    run = rest.get("runs/get", {"run_id": run_id}).json()["run"]
    experiment = rest.get("experiments/get", {"experiment_id": experiment_id}).json()["experiment"]

    assert answer["errors"] is None
    got = answer["data"]["mlflowGetRun"]["run"]
    assert answer["data"]["mlflowGetRun"]["apiError"] is None
    info = run["info"]
    assert got["info"] == {
        "runName": info["run_name"],
        "status": info["status"],
        "runUuid": info["run_uuid"],
        "experimentId": info["experiment_id"],
        "artifactUri": info["artifact_uri"],
        "endTime": as_long(info.get("end_time", 0)),
        "lifecycleStage": info["lifecycle_stage"],
        "startTime": as_long(info["start_time"]),
        "userId": info["user_id"],
    }
    assert got["experiment"]["experimentId"] == experiment["experiment_id"]
    assert got["experiment"]["name"] == experiment["name"]
    assert got["experiment"]["artifactLocation"] == experiment["artifact_location"]
    assert got["experiment"]["lastUpdateTime"] == as_long(experiment["last_update_time"])
    metrics = {m["key"]: m for m in got["data"]["metrics"]}
    for m in run["data"]["metrics"]:
        expected_value = None if m["key"] == "missing" else m["value"]
        assert metrics[m["key"]] == {
            "key": m["key"],
            "value": expected_value,
            "step": as_long(m["step"]),
            "timestamp": as_long(m["timestamp"]),
        }
    assert len(metrics) == len(run["data"]["metrics"]) == 2
    assert {p["key"]: p["value"] for p in got["data"]["params"]} == {
        p["key"]: p["value"] for p in run["data"]["params"]
    }
    assert {t["key"]: t["value"] for t in got["data"]["tags"]} == {
        t["key"]: t["value"] for t in run["data"]["tags"]
    }
    [dataset_input] = got["inputs"]["datasetInputs"]
    [rest_input] = run["inputs"]["dataset_inputs"]
    assert dataset_input["dataset"]["name"] == rest_input["dataset"]["name"] == "train"
    assert dataset_input["dataset"]["digest"] == rest_input["dataset"]["digest"]
    assert dataset_input["dataset"]["sourceType"] == rest_input["dataset"]["source_type"]
    assert dataset_input["tags"] == rest_input["tags"]
    assert got["inputs"]["modelInputs"] == []
    assert got["outputs"] == {"modelOutputs": []}
    [version] = got["modelVersions"]
    assert version["name"] == model
    assert version["version"] == "1"
    assert version["source"] == f"runs:/{run_id}/model"


def test_an_unknown_run_is_an_error_in_the_errors_list(rest, tracking_uri):
    answer = graphql(tracking_uri, GET_RUN, {"data": {"runId": "0" * 32}})
    rest_error = rest.get("runs/get", {"run_id": "0" * 32}).json()

    assert answer["data"] == {"mlflowGetRun": None}
    assert answer["errors"] == [rest_error["message"]]


def test_search_runs_answers_what_runs_search_answers(client, rest, tracking_uri, experiment_id):
    for i in range(3):
        run_id = client.create_run(experiment_id).info.run_id
        client.log_metric(run_id, "acc", 0.5 + i / 10, step=0, timestamp=2000 + i)
        client.log_param(run_id, "i", str(i))
    request = {"filter": "metrics.acc > 0.55", "order_by": ["metrics.acc DESC"], "max_results": 1}

    variables = {
        "experimentIds": [experiment_id],
        "filter": request["filter"],
        "orderBy": request["order_by"],
        "maxResults": 1,
    }

    answer = graphql(tracking_uri, SEARCH_RUNS, {"data": variables})
    page = rest.post("runs/search", {"experiment_ids": [experiment_id], **request}).json()

    assert answer["errors"] is None
    result = answer["data"]["mlflowSearchRuns"]
    [got] = result["runs"]
    [run] = page["runs"]
    assert got["info"]["runUuid"] == run["info"]["run_uuid"]
    assert got["data"]["params"] == [{"key": "i", "value": "2"}]
    assert got["data"]["metrics"][0]["value"] == run["data"]["metrics"][0]["value"]
    assert got["experiment"]["experimentId"] == experiment_id
    assert result["nextPageToken"] == page["next_page_token"]

    # MLflow's UI posts the same search as a mutation, so it is never served from a cache; a
    # deleted run is left out, as in the REST search's default view.
    deleted = client.create_run(experiment_id).info.run_id
    client.delete_run(deleted)
    mutation = f"""
        mutation testMutation {{
            mlflowSearchRuns(input: {{ experimentIds: ["{experiment_id}"] }}) {{
                runs {{ info {{ runId }} }}
            }}
        }}
    """
    answered = graphql(tracking_uri, mutation, operation_name="testMutation")
    everything = rest.post("runs/search", {"experiment_ids": [experiment_id]}).json()
    assert answered["data"]["mlflowSearchRuns"]["runs"] == [
        {"info": {"runId": r["info"]["run_id"]}} for r in everything["runs"]
    ]
    assert len(everything["runs"]) == 3
    assert deleted not in {r["info"]["runId"] for r in answered["data"]["mlflowSearchRuns"]["runs"]}


def test_metric_history_bulk_interval_answers_what_the_rest_route_answers(
    client, rest, tracking_uri, experiment_id
):
    run_ids = [client.create_run(experiment_id).info.run_id for _ in range(2)]
    for n, run_id in enumerate(run_ids):
        for step in range(10):
            client.log_metric(run_id, "loss", step * (n + 1) / 10, step=step, timestamp=3000 + step)

    answer = graphql(
        tracking_uri,
        BULK_INTERVAL,
        {"data": {"runIds": run_ids, "metricKey": "loss"}},
    )
    # MLflow serves this route under its UI's prefix only.
    expected = requests.get(
        f"{tracking_uri}/ajax-api/2.0/mlflow/metrics/get-history-bulk-interval",
        params={"run_ids": run_ids, "metric_key": "loss"},
        timeout=60,
    ).json()["metrics"]

    assert answer["errors"] is None
    result = answer["data"]["mlflowGetMetricHistoryBulkInterval"]
    assert result["__typename"] == "MlflowGetMetricHistoryBulkIntervalResponse"
    assert result["apiError"] is None
    assert result["metrics"] == [
        {
            "timestamp": as_long(m["timestamp"]),
            "step": as_long(m["step"]),
            "runId": m["run_id"],
            "key": m["key"],
            "value": m["value"],
        }
        for m in expected
    ]
    assert len(result["metrics"]) == 20


def test_get_experiment_answers_what_experiments_get_answers(client, rest, tracking_uri):
    experiment_id = client.create_experiment(unique_name("gql"), tags={"owner": "ana"})

    answer = graphql(tracking_uri, GET_EXPERIMENT, {"input": {"experimentId": experiment_id}})
    experiment = rest.get("experiments/get", {"experiment_id": experiment_id}).json()["experiment"]

    assert answer["errors"] is None
    assert answer["data"]["mlflowGetExperiment"] == {
        "apiError": None,
        "experiment": {
            "artifactLocation": experiment["artifact_location"],
            "creationTime": as_long(experiment["creation_time"]),
            "experimentId": experiment["experiment_id"],
            "lastUpdateTime": as_long(experiment["last_update_time"]),
            "lifecycleStage": experiment["lifecycle_stage"],
            "name": experiment["name"],
            "tags": experiment["tags"],
        },
    }


def test_search_model_versions_answers_what_the_rest_route_answers(client, rest, tracking_uri):
    experiment_id = client.create_experiment(unique_name("gql"))
    run_id = client.create_run(experiment_id).info.run_id
    model = unique_name("gqlmodel")
    client.create_registered_model(model)
    for _ in range(2):
        client.create_model_version(model, f"runs:/{run_id}/model", run_id)
    query = """
        query SearchModelVersions($input: MlflowSearchModelVersionsInput) {
          mlflowSearchModelVersions(input: $input) {
            modelVersions { name version runId source status currentStage creationTimestamp }
          }
        }
    """

    answer = graphql(tracking_uri, query, {"input": {"filter": f"name = '{model}'"}})
    versions = rest.get("model-versions/search", {"filter": f"name = '{model}'"}).json()

    assert answer["errors"] is None
    assert answer["data"]["mlflowSearchModelVersions"]["modelVersions"] == [
        {
            "name": v["name"],
            "version": v["version"],
            "runId": v["run_id"],
            "source": v["source"],
            "status": v["status"],
            "currentStage": v["current_stage"],
            "creationTimestamp": as_long(v["creation_timestamp"]),
        }
        for v in versions["model_versions"]
    ]
    assert len(versions["model_versions"]) == 2


def test_list_artifacts_through_fragments_and_aliases(rest, tracking_uri, experiment_id, tmp_path):
    (tmp_path / "test.txt").write_text("hello world")
    with mlflow.start_run() as run:
        mlflow.log_artifact(str(tmp_path / "test.txt"))
        mlflow.log_artifact(str(tmp_path / "test.txt"), "testDir")
    run_id = run.info.run_id
    query = f"""
        fragment FilesFragment on MlflowListArtifactsResponse {{
            files {{ path isDir fileSize }}
        }}
        query testQuery {{
            file: mlflowListArtifacts(input: {{ runId: "{run_id}" }}) {{ rootUri ...FilesFragment }}
            subdir: mlflowListArtifacts(input: {{ runId: "{run_id}", path: "testDir" }}) {{
                ...FilesFragment
            }}
        }}
    """

    answer = graphql(tracking_uri, query, operation_name="testQuery")
    top = rest.get("artifacts/list", {"run_id": run_id}).json()

    assert answer["errors"] is None
    assert answer["data"]["file"]["rootUri"] == top["root_uri"]
    assert answer["data"]["file"]["files"] == [
        {"path": "test.txt", "isDir": False, "fileSize": "11"},
        {"path": "testDir", "isDir": True, "fileSize": "0"},
    ]
    assert answer["data"]["subdir"]["files"] == [
        {"path": "testDir/test.txt", "isDir": False, "fileSize": "11"}
    ]


def test_search_datasets_answers_what_the_rest_route_answers(client, tracking_uri, experiment_id):
    run_id = client.create_run(experiment_id).info.run_id
    client.log_inputs(
        run_id,
        [
            DatasetInput(Dataset(name="a", digest="1", source_type="s", source="x"), tags=[]),
            DatasetInput(
                Dataset(name="b", digest="2", source_type="s", source="x"),
                tags=[InputTag(key="mlflow.data.context", value="training")],
            ),
        ],
    )
    mutation = f"""
        mutation testMutation {{
            mlflowSearchDatasets(input: {{experimentIds: ["{experiment_id}"]}}) {{
                datasetSummaries {{ experimentId name digest context }}
            }}
        }}
    """

    answer = graphql(tracking_uri, mutation, operation_name="testMutation")
    summaries = requests.post(
        f"{tracking_uri}/ajax-api/2.0/mlflow/experiments/search-datasets",
        json={"experiment_ids": [experiment_id]},
        timeout=60,
    ).json()

    assert answer["errors"] is None
    got = answer["data"]["mlflowSearchDatasets"]["datasetSummaries"]
    assert sorted(got, key=lambda s: s["digest"]) == sorted(
        (
            {
                "experimentId": s["experiment_id"],
                "name": s["name"],
                "digest": s["digest"],
                "context": s.get("context", ""),
            }
            for s in summaries["dataset_summaries"]
        ),
        key=lambda s: s["digest"],
    )
    assert {s["context"] for s in got} == {"", "training"}


def test_a_query_past_the_limits_is_refused_before_it_runs(client, tracking_uri):
    def refused(query):
        answer = graphql(tracking_uri, query)
        assert answer["data"] is None
        return answer["errors"][0]

    root_fields = " ".join(f'k{i}: test(inputString: "a") {{ output }}' for i in range(12))
    aliases = " ".join(f"e{i}: experiment {{ name }}" for i in range(12))
    inner = "name"
    for _ in range(12):
        inner = f"name {{ {inner} }}"
    selections = " ".join(f"f{i} {{ name }}" for i in range(1002))
    experiment = 'mlflowGetExperiment(input: {experimentId: "123"})'
    # Aliases spread over sibling fragments count together.
    fragments = " ".join(
        f"fragment F{i} on MlflowGetExperimentResponse {{ a{i}: experiment {{ name }} b{i}: experiment {{ name }} }}"
        for i in range(6)
    )
    spread = " ".join(f"...F{i}" for i in range(6))

    assert "GraphQL queries should have at most 10 root fields" in refused(f"{{ {root_fields} }}")
    assert "GraphQL queries should have at most 10 aliases" in refused(
        f"{{ {experiment} {{ {aliases} }} }}"
    )
    assert "GraphQL queries should have at most 10 aliases" in refused(
        f"query Q {{ {experiment} {{ {spread} }} }} {fragments}"
    )
    assert "Query exceeds maximum depth of 10" in refused(
        f"{{ {experiment} {{ experiment {{ {inner} }} }} }}"
    )
    assert "Query exceeds maximum total selections of 1000" in refused(
        f"{{ {experiment} {{ experiment {{ {selections} }} }} }}"
    )
    # Within the limits the same shape runs.
    name = unique_name("gql")
    experiment_id = client.create_experiment(name)
    ten = " ".join(f"e{i}: experiment {{ name }}" for i in range(10))
    within = graphql(
        tracking_uri, f'{{ mlflowGetExperiment(input: {{experimentId: "{experiment_id}"}}) {{ {ten} }} }}'
    )
    assert within["errors"] is None
    assert within["data"]["mlflowGetExperiment"] == {f"e{i}": {"name": name} for i in range(10)}


def test_a_query_of_an_unknown_field_is_an_error_in_the_errors_list(tracking_uri):
    answer = graphql(tracking_uri, "query { nosuch }")

    assert answer["data"] is None
    [error] = answer["errors"]
    assert "Cannot query field" in error and "nosuch" in error
