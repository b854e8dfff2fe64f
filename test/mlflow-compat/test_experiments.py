"""Experiments through the real mlflow client: create, find, search, rename, tag, delete."""

import mlflow
import pytest
from mlflow.entities import ViewType
from mlflow.exceptions import MlflowException

from conftest import unique_name


def test_set_experiment_creates_it_once_and_then_reuses_it(client):
    name = unique_name("set")
    assert mlflow.get_experiment_by_name(name) is None

    created = mlflow.set_experiment(name)
    assert created.name == name
    assert created.lifecycle_stage == "active"
    assert created.artifact_location
    assert created.creation_time > 0

    reused = mlflow.set_experiment(name)
    assert reused.experiment_id == created.experiment_id

    found = mlflow.get_experiment_by_name(name)
    assert found.experiment_id == created.experiment_id
    assert client.get_experiment(created.experiment_id).name == name


def test_set_experiment_by_id_makes_it_the_target_of_new_runs():
    experiment_id = mlflow.create_experiment(unique_name("by-id"))
    mlflow.set_experiment(experiment_id=experiment_id)
    with mlflow.start_run() as run:
        assert run.info.experiment_id == experiment_id


def test_search_experiments_filters_by_name_and_orders(client):
    prefix = unique_name("search")
    ids = {suffix: client.create_experiment(f"{prefix}-{suffix}") for suffix in ("b", "a", "c")}
    client.create_experiment(unique_name("elsewhere"))

    ascending = mlflow.search_experiments(
        filter_string=f"name LIKE '{prefix}-%'", order_by=["name ASC"]
    )
    assert [e.name for e in ascending] == [f"{prefix}-a", f"{prefix}-b", f"{prefix}-c"]
    assert [e.experiment_id for e in ascending] == [ids["a"], ids["b"], ids["c"]]

    descending = client.search_experiments(
        filter_string=f"name LIKE '{prefix}-%'", order_by=["name DESC"]
    )
    assert [e.name for e in descending] == [f"{prefix}-c", f"{prefix}-b", f"{prefix}-a"]

    exact = mlflow.search_experiments(filter_string=f"name = '{prefix}-b'")
    assert [e.experiment_id for e in exact] == [ids["b"]]


def test_search_experiments_pages_with_max_results(client):
    prefix = unique_name("pages")
    created = {client.create_experiment(f"{prefix}-{i}") for i in range(5)}

    seen, token, pages = [], None, 0
    while True:
        page = client.search_experiments(
            filter_string=f"name LIKE '{prefix}-%'", max_results=2, page_token=token
        )
        assert len(page) <= 2
        seen += [e.experiment_id for e in page]
        token, pages = page.token, pages + 1
        if not token:
            break
        assert pages < 10, "pagination did not terminate"
    assert sorted(seen) == sorted(created)
    assert len(seen) == len(set(seen))


def test_rename_experiment_changes_the_name_it_is_found_by(client):
    old, new = unique_name("old"), unique_name("new")
    experiment_id = client.create_experiment(old)

    client.rename_experiment(experiment_id, new)

    assert client.get_experiment(experiment_id).name == new
    assert mlflow.get_experiment_by_name(new).experiment_id == experiment_id
    assert mlflow.get_experiment_by_name(old) is None


def test_experiment_tags_are_set_overwritten_searched_and_deleted(client):
    experiment_id = client.create_experiment(unique_name("tags"), tags={"owner": "ana"})
    assert client.get_experiment(experiment_id).tags["owner"] == "ana"

    client.set_experiment_tag(experiment_id, "team", "vision")
    client.set_experiment_tag(experiment_id, "owner", "bo")
    tags = client.get_experiment(experiment_id).tags
    assert tags["team"] == "vision"
    assert tags["owner"] == "bo"

    tagged = client.search_experiments(filter_string="tags.team = 'vision'")
    assert experiment_id in [e.experiment_id for e in tagged]

    client.delete_experiment_tag(experiment_id, "team")
    tags = client.get_experiment(experiment_id).tags
    assert "team" not in tags
    assert tags["owner"] == "bo"


def test_delete_and_restore_experiment_changes_lifecycle_stage_and_visibility(client):
    name = unique_name("lifecycle")
    experiment_id = client.create_experiment(name)
    in_search = lambda view: experiment_id in [  # noqa: E731
        e.experiment_id
        for e in client.search_experiments(view_type=view, filter_string=f"name = '{name}'")
    ]

    client.delete_experiment(experiment_id)
    assert client.get_experiment(experiment_id).lifecycle_stage == "deleted"
    assert mlflow.get_experiment_by_name(name).lifecycle_stage == "deleted"
    assert not in_search(ViewType.ACTIVE_ONLY)
    assert in_search(ViewType.DELETED_ONLY)
    assert in_search(ViewType.ALL)
    with pytest.raises(MlflowException, match="deleted"):
        mlflow.set_experiment(name)

    client.restore_experiment(experiment_id)
    assert client.get_experiment(experiment_id).lifecycle_stage == "active"
    assert in_search(ViewType.ACTIVE_ONLY)
    assert not in_search(ViewType.DELETED_ONLY)
    assert mlflow.set_experiment(name).experiment_id == experiment_id


def test_search_experiments_compares_names_and_tags_as_mlflow_does(client):
    prefix = unique_name("cmp")
    for name, tags in [("a", {"key": "value"}), ("ab", {"key": "vaLue"}), ("Abc", None)]:
        client.create_experiment(f"{prefix}-{name}", tags=tags)

    def names(filter_string):
        found = client.search_experiments(filter_string=f"name LIKE '{prefix}-%' and {filter_string}")
        return sorted(e.name.removeprefix(f"{prefix}-") for e in found)

    assert names(f"attribute.name != '{prefix}-a'") == ["Abc", "ab"]
    # LIKE is case-sensitive, ILIKE is not, on every database
    assert names(f"name LIKE '{prefix}-a%'") == ["a", "ab"]
    assert names("tags.key ILIKE '%alu%'") == ["a", "ab"]
    # a tag comparison needs the tag: the untagged experiment is no match for !=
    assert names("tags.key != 'value'") == ["ab"]
    assert names("creation_time > 0 and tags.key = 'value'") == ["a"]


def test_a_relative_artifact_location_is_made_absolute_by_the_server(client, rest):
    experiment_id = client.create_experiment(unique_name("loc"), artifact_location="my_location")
    uri = client.create_experiment(unique_name("loc"), artifact_location="s3://bucket/path")

    location = client.get_experiment(experiment_id).artifact_location

    assert location.startswith("/") and location.endswith("/my_location"), location
    assert client.get_experiment(uri).artifact_location == "s3://bucket/path"
