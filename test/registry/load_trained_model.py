"""Loads a model mloop trained through the real mlflow client and scores records with it.

Usage: python load_trained_model.py MODEL_URI RECORDS_JSON (MLFLOW_TRACKING_URI names the server).
Prints one JSON line: the predictions of mlflow.pyfunc.load_model and of mlflow.onnx.load_model
(run in onnxruntime), each as {output name: list}, plus the saved input example's columns.
"""

import json
import sys

import mlflow
import numpy as np
import onnxruntime
import pandas as pd


def plain(value):
    """numpy arrays as JSON lists (NaN as null)."""
    array = np.asarray(value)
    if array.dtype.kind == "f":
        return [None if np.isnan(x) else float(x) for x in array.reshape(-1)]
    return [x.item() if hasattr(x, "item") else x for x in array.reshape(-1)]


def main() -> None:
    uri, records_path = sys.argv[1], sys.argv[2]
    with open(records_path) as f:
        records = json.load(f)
    # What a user has: a DataFrame as pandas reads it (int64 and float64 columns, pandas strings,
    # NaN for an unknown number).
    frame = pd.DataFrame.from_records(records)

    model = mlflow.pyfunc.load_model(uri)
    by_pyfunc = model.predict(frame)

    onnx_model = mlflow.onnx.load_model(uri)
    session = onnxruntime.InferenceSession(onnx_model.SerializeToString())
    feeds = {}
    for graph_input in session.get_inputs():
        column = frame[graph_input.name]
        dtype = np.float32 if graph_input.type == "tensor(float)" else object
        feeds[graph_input.name] = np.asarray(column, dtype=dtype).reshape(-1, 1)
    names = [o.name for o in session.get_outputs()]
    by_onnx = dict(zip(names, session.run(names, feeds)))

    print(
        json.dumps(
            {
                "pyfunc": {name: plain(value) for name, value in by_pyfunc.items()},
                "onnx": {name: plain(value) for name, value in by_onnx.items()},
                "example_columns": list(model.input_example.columns),
                "flavors": sorted(model.metadata.flavors),
            }
        )
    )


if __name__ == "__main__":
    main()
