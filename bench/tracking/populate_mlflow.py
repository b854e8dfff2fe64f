"""Bulk-loads the benchmark's search runs into an MLflow tracking database.

Reads one run per line on stdin, as JSON: {"name", "start_time", "user_id", "tags": [[k, v]],
"params": [[k, v]], "metrics": [[key, value, timestamp, step]]}, and writes the rows MLflow's own
SqlAlchemyStore.create_run and log_batch would write for it (runs; tags including mlflow.runName;
params; metrics; latest_metrics), through MLflow's own table definitions. Only the batching differs:
thousands of runs per transaction instead of two requests per run, since 100,000 runs through the
REST API (or through the store one run at a time) would take hours on a small machine.

Prints one JSON line: {"runs": N, "seconds": S, "mlflow_version": V}.
"""

import argparse
import json
import sys
import time
import uuid

import mlflow
from mlflow.entities import LifecycleStage, RunStatus, SourceType
from mlflow.store.tracking.dbmodels.models import (
    SqlLatestMetric,
    SqlMetric,
    SqlParam,
    SqlRun,
    SqlTag,
)
from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore
from mlflow.utils.mlflow_tags import MLFLOW_RUN_NAME
from mlflow.utils.uri import append_to_uri_path

RUNS_PER_TRANSACTION = 5000


def run_rows(spec, experiment_id, artifact_location):
    """The rows of one run, keyed by table, as create_run followed by log_batch stores them."""
    run_id = uuid.uuid4().hex
    run = {
        "run_uuid": run_id,
        "name": spec["name"],
        "artifact_uri": append_to_uri_path(
            artifact_location, run_id, SqlAlchemyStore.ARTIFACTS_FOLDER_NAME
        ),
        "experiment_id": experiment_id,
        "source_type": SourceType.to_string(SourceType.UNKNOWN),
        "source_name": "",
        "entry_point_name": "",
        "user_id": spec["user_id"],
        "status": RunStatus.to_string(RunStatus.RUNNING),
        "start_time": spec["start_time"],
        "end_time": None,
        "deleted_time": None,
        "source_version": "",
        "lifecycle_stage": LifecycleStage.ACTIVE,
    }
    tags = [{"run_uuid": run_id, "key": k, "value": v} for k, v in spec["tags"]]
    tags.append({"run_uuid": run_id, "key": MLFLOW_RUN_NAME, "value": spec["name"]})
    params = [{"run_uuid": run_id, "key": k, "value": v} for k, v in spec["params"]]
    metrics = [
        {
            "run_uuid": run_id,
            "key": key,
            "value": value,
            "timestamp": timestamp,
            "step": step,
            "is_nan": False,
        }
        for key, value, timestamp, step in spec["metrics"]
    ]
    # Each key is logged once, so its latest value is that value.
    return {"runs": [run], "tags": tags, "params": params, "metrics": metrics, "latest": metrics}


TABLES = {
    "runs": SqlRun.__table__,
    "tags": SqlTag.__table__,
    "params": SqlParam.__table__,
    "metrics": SqlMetric.__table__,
    "latest": SqlLatestMetric.__table__,
}


def flush(engine, pending):
    # Runs first: the other tables refer to them.
    with engine.begin() as conn:
        for name, table in TABLES.items():
            if pending[name]:
                conn.execute(table.insert(), pending[name])
    for rows in pending.values():
        rows.clear()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db-uri", required=True)
    parser.add_argument("--artifact-root", required=True)
    parser.add_argument("--experiment-id", required=True)
    args = parser.parse_args()

    started = time.monotonic()
    store = SqlAlchemyStore(args.db_uri, args.artifact_root)
    experiment = store.get_experiment(args.experiment_id)
    experiment_id = int(experiment.experiment_id)

    pending = {name: [] for name in TABLES}
    count = 0
    for line in sys.stdin:
        if not line.strip():
            continue
        rows = run_rows(json.loads(line), experiment_id, experiment.artifact_location)
        for name, table_rows in rows.items():
            pending[name].extend(table_rows)
        count += 1
        if count % RUNS_PER_TRANSACTION == 0:
            flush(store.engine, pending)
    flush(store.engine, pending)

    result = {
        "runs": count,
        "seconds": time.monotonic() - started,
        "mlflow_version": mlflow.__version__,
    }
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
