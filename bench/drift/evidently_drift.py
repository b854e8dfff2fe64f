"""Evidently's DataDriftPreset on the benchmark's Parquet files, timed, for `npm run bench -- drift`.

Usage: python evidently_drift.py REFERENCE CURRENT NUMERIC_COLUMNS CATEGORICAL_COLUMNS OUT_JSON
(column lists comma-separated). Writes load and report seconds (wall and CPU), the peak RSS of
this process, and per column the method, score, threshold and verdict.
"""

import json
import os
import resource
import sys
import time

os.environ.setdefault("DO_NOT_TRACK", "1")  # no usage telemetry from a benchmark run

import pandas as pd  # noqa: E402
from evidently import DataDefinition, Dataset, Report  # noqa: E402
from evidently.presets import DataDriftPreset  # noqa: E402

# Evidently's stattests: p-value tests drift when the p-value is below the threshold (K-S at or
# below it), distances when the value reaches it.
P_VALUE_METHODS = {"K-S p_value": "le", "chi-square p_value": "lt", "Z-test p_value": "lt"}


def drifted(method, value, threshold):
    kind = P_VALUE_METHODS.get(method)
    if kind == "le":
        return value <= threshold
    if kind == "lt":
        return value < threshold
    return value >= threshold


def main():
    reference_path, current_path, numeric, categorical, out_path = sys.argv[1:6]
    numeric = [c for c in numeric.split(",") if c]
    categorical = [c for c in categorical.split(",") if c]

    wall, cpu = time.perf_counter(), time.process_time()
    reference = pd.read_parquet(reference_path)
    current = pd.read_parquet(current_path)
    load_wall, load_cpu = time.perf_counter() - wall, time.process_time() - cpu

    wall, cpu = time.perf_counter(), time.process_time()
    definition = DataDefinition(numerical_columns=numeric, categorical_columns=categorical)
    snapshot = Report([DataDriftPreset()]).run(
        Dataset.from_pandas(current, data_definition=definition),
        Dataset.from_pandas(reference, data_definition=definition),
    )
    result = snapshot.dict()
    report_wall, report_cpu = time.perf_counter() - wall, time.process_time() - cpu

    columns = []
    drifted_count = None
    for metric in result["metrics"]:
        config = metric["config"]
        if config["type"].endswith("ValueDrift"):
            value = float(metric["value"])
            columns.append(
                {
                    "name": config["column"],
                    "method": config["method"],
                    "statistic": value,
                    "threshold": config["threshold"],
                    "drifted": bool(drifted(config["method"], value, config["threshold"])),
                }
            )
        elif config["type"].endswith("DriftedColumnsCount"):
            drifted_count = metric["value"]["count"]

    out = {
        "loadSeconds": load_wall,
        "loadCpuSeconds": load_cpu,
        "reportSeconds": report_wall,
        "reportCpuSeconds": report_cpu,
        # Linux reports ru_maxrss in KiB.
        "maxRssMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "driftedCount": drifted_count,
        "columns": columns,
    }
    with open(out_path, "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
