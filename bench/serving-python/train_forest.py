"""Trains the Python-serving benchmark's random forest and logs it three ways.

A 10-feature, 3-class synthetic tabular set (fixed seed) and a scikit-learn RandomForest:
  1. `mlflow.sklearn.log_model` to a throwaway local MLflow store (`--mlflow-store`), which
     `mlflow models serve --env-manager local` serves;
  2. to mloop through the same MLflow client (`--mloop-url`) as a `python_function` model whose
     `predict` calls the forest's (registered `forest-python`): mloop's Python runtime serves it,
     as it would the sklearn flavor, but it is never converted to ONNX, so the runtime is certain;
  3. converted with skl2onnx and logged with `mlflow.onnx.log_model` (registered `forest-onnx`):
     mloop's onnxruntime serves it.
Writes a JSON description (`--out`) with the records the load generator sends and the class each
must get: records the forest is sure of (probability >= 0.9), so float32 rounding in the ONNX
graph cannot flip them; the graph is checked to agree with scikit-learn on each.
"""

import argparse
import json
import os

import mlflow
import numpy as np
import onnxruntime
import pandas as pd
import skl2onnx
import sklearn
from mlflow import MlflowClient
from mlflow.models import infer_signature
from skl2onnx import to_onnx
from skl2onnx.helpers.onnx_helper import select_model_inputs_outputs
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split

FEATURES = 10
SEED = 42


class Forest(mlflow.pyfunc.PythonModel):
    """The forest behind a plain pyfunc: predict is the forest's predict, nothing more."""

    def __init__(self, forest):
        self.forest = forest

    def predict(self, context, model_input, params=None):
        return self.forest.predict(model_input)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mlflow-store", required=True)
    parser.add_argument("--mloop-url", required=True)
    parser.add_argument("--trees", type=int, default=100)
    parser.add_argument("--records", type=int, default=64)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    x, y = make_classification(
        n_samples=6000, n_features=FEATURES, n_informative=6, n_redundant=2, n_classes=3,
        class_sep=1.5, random_state=SEED,
    )
    columns = [f"f{i}" for i in range(FEATURES)]
    frame = pd.DataFrame(x.astype(np.float32), columns=columns)
    x_train, x_test, y_train, y_test = train_test_split(frame, y, test_size=0.2, random_state=SEED, stratify=y)
    forest = RandomForestClassifier(n_estimators=args.trees, max_depth=10, random_state=SEED).fit(x_train, y_train)
    accuracy = float((forest.predict(x_test) == y_test).mean())

    confident = np.flatnonzero(forest.predict_proba(x_test).max(axis=1) >= 0.9)[: args.records]
    chosen = x_test.iloc[confident]
    expected = forest.predict(chosen)
    full = to_onnx(forest, x_train.to_numpy()[:1], options={id(forest): {"zipmap": False}})
    onx = select_model_inputs_outputs(full, outputs=[full.graph.output[0].name])
    session = onnxruntime.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])
    if not np.array_equal(session.run(None, {session.get_inputs()[0].name: chosen.to_numpy()})[0], expected):
        raise SystemExit("the ONNX graph disagrees with scikit-learn on the known records")
    signature = infer_signature(x_train, forest.predict(x_train))

    store = os.path.abspath(args.mlflow_store)
    mlflow_uri = f"sqlite:///{os.path.join(store, 'mlflow.db')}"
    mlflow.set_tracking_uri(mlflow_uri)
    experiment = MlflowClient().create_experiment(
        "bench-serving-python", artifact_location="file://" + os.path.join(store, "artifacts")
    )
    mlflow.set_experiment(experiment_id=experiment)
    with mlflow.start_run():
        mlflow_info = mlflow.sklearn.log_model(
            forest, name="model", signature=signature, skops_trusted_types=["sklearn.tree._tree.Tree"]
        )

    mlflow.set_tracking_uri(args.mloop_url)
    mlflow.set_experiment("bench-serving-python")
    with mlflow.start_run():
        mlflow.pyfunc.log_model(
            name="model", python_model=Forest(forest), signature=signature, registered_model_name="forest-python"
        )
        mlflow.onnx.log_model(onx, name="onnx", signature=signature, registered_model_name="forest-onnx")

    with open(args.out, "w") as f:
        json.dump(
            {
                "columns": columns,
                "records": [
                    {"values": [float(v) for v in row], "label": int(label)} for row, label in zip(chosen.to_numpy(), expected)
                ],
                "testAccuracy": accuracy,
                "trees": args.trees,
                "mlflow": {"trackingUri": mlflow_uri, "modelUri": mlflow_info.model_uri},
                "versions": {
                    "mlflow": mlflow.__version__,
                    "scikit-learn": sklearn.__version__,
                    "skl2onnx": skl2onnx.__version__,
                    "onnxruntime": onnxruntime.__version__,
                },
            },
            f,
            indent=2,
        )


if __name__ == "__main__":
    main()
