"""Artifacts through the real mlflow client and the mlflow-artifacts proxy: upload, list, fetch."""

import os
from pathlib import Path

import mlflow
import pytest
import requests
import yaml
from mlflow.artifacts import download_artifacts

from conftest import unique_name


def listing(client, run_id, path=None):
    """{path: (is_dir, file_size)} of one level of a run's artifacts."""
    return {f.path: (f.is_dir, f.file_size) for f in client.list_artifacts(run_id, path)}


def tree(root: Path):
    """{relative path: bytes} of every file under root."""
    files = sorted(p for p in root.rglob("*") if p.is_file())
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in files}


@pytest.fixture
def binary_content() -> bytes:
    # Every byte value, including NUL and bytes that are not valid UTF-8.
    return bytes(range(256)) * 40 + os.urandom(3000)


def test_log_artifact_uploads_a_file_that_downloads_byte_identical(
    client, experiment_id, tmp_path, binary_content
):
    source = tmp_path / "weights.bin"
    source.write_bytes(binary_content)
    with mlflow.start_run() as run:
        mlflow.log_artifact(str(source))
        mlflow.log_artifact(str(source), artifact_path="checkpoints")
    run_id = run.info.run_id

    assert listing(client, run_id) == {
        "checkpoints": (True, None),
        "weights.bin": (False, len(binary_content)),
    }
    assert listing(client, run_id, "checkpoints") == {
        "checkpoints/weights.bin": (False, len(binary_content))
    }

    for artifact_path in ("weights.bin", "checkpoints/weights.bin"):
        target = tmp_path / "download" / artifact_path.replace("/", "-")
        local = download_artifacts(run_id=run_id, artifact_path=artifact_path, dst_path=str(target))
        assert Path(local).read_bytes() == binary_content


def test_log_artifacts_uploads_a_directory_with_nested_subdirectories(
    client, experiment_id, tmp_path, binary_content
):
    source = tmp_path / "report"
    (source / "plots" / "raw").mkdir(parents=True)
    (source / "summary.md").write_text("# Results\naccuracy: 0.93\n")
    (source / "plots" / "roc.png").write_bytes(binary_content)
    (source / "plots" / "raw" / "points.csv").write_text("x,y\n0,0\n1,1\n")
    with mlflow.start_run() as run:
        mlflow.log_artifacts(str(source), artifact_path="report")
    run_id = run.info.run_id

    assert listing(client, run_id) == {"report": (True, None)}
    assert listing(client, run_id, "report") == {
        "report/plots": (True, None),
        "report/summary.md": (False, len("# Results\naccuracy: 0.93\n")),
    }
    assert listing(client, run_id, "report/plots") == {
        "report/plots/raw": (True, None),
        "report/plots/roc.png": (False, len(binary_content)),
    }
    assert listing(client, run_id, "report/plots/raw") == {
        "report/plots/raw/points.csv": (False, len("x,y\n0,0\n1,1\n")),
    }

    whole = download_artifacts(run_id=run_id, artifact_path="report", dst_path=str(tmp_path / "a"))
    assert tree(Path(whole)) == tree(source)
    subdir = download_artifacts(
        run_id=run_id, artifact_path="report/plots", dst_path=str(tmp_path / "b")
    )
    assert tree(Path(subdir)) == tree(source / "plots")
    everything = download_artifacts(run_id=run_id, dst_path=str(tmp_path / "c"))
    assert tree(Path(everything) / "report") == tree(source)


def test_log_text_and_log_dict_are_read_back_as_written(client, experiment_id, tmp_path):
    text = "line one\nzwei: ünïcödé ✓\n"
    config = {"model": "rf", "depth": 7, "features": ["a", "b"], "nested": {"lr": 0.1}}
    with mlflow.start_run() as run:
        mlflow.log_text(text, "notes/readme.txt")
        mlflow.log_dict(config, "config.json")
        mlflow.log_dict(config, "config.yaml")
    run_id = run.info.run_id
    artifact_uri = run.info.artifact_uri

    assert mlflow.artifacts.load_text(f"{artifact_uri}/notes/readme.txt") == text
    assert mlflow.artifacts.load_dict(f"{artifact_uri}/config.json") == config
    yaml_file = download_artifacts(
        run_id=run_id, artifact_path="config.yaml", dst_path=str(tmp_path / "yaml")
    )
    assert yaml.safe_load(Path(yaml_file).read_text()) == config
    assert listing(client, run_id, "notes") == {
        "notes/readme.txt": (False, len(text.encode("utf-8")))
    }
    local = download_artifacts(
        run_id=run_id, artifact_path="notes/readme.txt", dst_path=str(tmp_path / "text")
    )
    assert Path(local).read_bytes() == text.encode("utf-8")


def test_list_artifacts_of_a_run_without_artifacts_is_empty(client, experiment_id):
    with mlflow.start_run() as run:
        pass
    assert client.list_artifacts(run.info.run_id) == []
    assert client.list_artifacts(run.info.run_id, "missing/dir") == []


def test_runs_do_not_see_each_others_artifacts(client, experiment_id):
    with mlflow.start_run() as first:
        mlflow.log_text("first", "shared-name.txt")
    with mlflow.start_run() as second:
        mlflow.log_text("second", "shared-name.txt")
    assert first.info.artifact_uri != second.info.artifact_uri
    assert mlflow.artifacts.load_text(f"{first.info.artifact_uri}/shared-name.txt") == "first"
    assert mlflow.artifacts.load_text(f"{second.info.artifact_uri}/shared-name.txt") == "second"


@pytest.mark.parametrize(
    ("filename", "content_type"),
    [
        ("notes.txt", "text/plain"),
        ("MLmodel", "text/plain"),
        ("model.pkl", "application/octet-stream"),
        ("plot.png", "image/png"),
        ("report.pdf", "application/pdf"),
    ],
)
def test_artifact_downloads_are_typed_by_file_name_as_attachments(
    tracking_uri, filename, content_type
):
    # A browser must neither render an uploaded file on the server's origin nor be talked into
    # another type: the type comes from the name, whatever the client asks for in Accept.
    url = f"{tracking_uri}/api/2.0/mlflow-artifacts/artifacts/{unique_name('dl')}/dir/{filename}"
    requests.put(url, data=b"\x89PNG", timeout=60).raise_for_status()

    response = requests.get(url, headers={"Accept": "text/html"}, timeout=60)

    assert response.status_code == 200, response.text
    assert response.content == b"\x89PNG"
    assert response.headers["Content-Type"] == content_type
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"] == f"attachment; filename={filename}"
