"""Trains the serving benchmark's model and logs the same ONNX bytes to MLflow and to mloop.

A 10-feature, 3-class synthetic tabular set (fixed seed), a scikit-learn logistic regression,
converted with skl2onnx. The ONNX graph is logged with `mlflow.onnx.log_model`:
  1. to a throwaway local MLflow store (`--mlflow-store`: a SQLite database and an artifact
     directory; MLflow 3 refuses its old file store), which `mlflow models serve` serves;
  2. to mloop through the same MLflow client (`--mloop-url`), registered as `--model-name` with
     the alias `champion`.
Both copies are downloaded back and hashed, so the benchmark can check that both servers serve
the same bytes. Writes a JSON description (`--out`) with the records the load generator sends
and the class each must get.

The graph outputs the class label only: MLflow's ONNX pyfunc returns a DataFrame with one column
per graph output, flattening each, so a [n, classes] probability output beside an [n] label makes
its /invocations answer 500 for dataframe inputs. One output keeps both servers on the same work.
"""

import argparse
import hashlib
import json
import os
import tempfile

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
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

FEATURES = 10
CLASSES = 3
SEED = 42


def sha256_of(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def downloaded_onnx_sha256(model_uri: str) -> str:
    with tempfile.TemporaryDirectory() as dst:
        local = mlflow.artifacts.download_artifacts(artifact_uri=model_uri, dst_path=dst)
        return sha256_of(os.path.join(local, "model.onnx"))


def log_onnx(onx, signature, **kwargs):
    return mlflow.onnx.log_model(onx, name="model", signature=signature, **kwargs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mlflow-store", required=True, help="an empty directory for MLflow's store")
    parser.add_argument("--mloop-url", required=True)
    parser.add_argument("--model-name", default="bench-classifier")
    parser.add_argument("--records", type=int, default=64, help="known records to send")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    x, y = make_classification(
        n_samples=6000,
        n_features=FEATURES,
        n_informative=6,
        n_redundant=2,
        n_classes=CLASSES,
        class_sep=1.5,
        random_state=SEED,
    )
    columns = [f"f{i}" for i in range(FEATURES)]
    frame = pd.DataFrame(x.astype(np.float32), columns=columns)
    x_train, x_test, y_train, y_test = train_test_split(
        frame, y, test_size=0.2, random_state=SEED, stratify=y
    )
    model = LogisticRegression(max_iter=1000).fit(x_train, y_train)
    accuracy = float((model.predict(x_test) == y_test).mean())

    full = to_onnx(model, x_train.to_numpy()[:1], options={id(model): {"zipmap": False}})
    onx = select_model_inputs_outputs(full, outputs=[full.graph.output[0].name])
    onnx_bytes = onx.SerializeToString()
    signature = infer_signature(x_train, model.predict(x_train))

    # Records the class of which is clear (probability >= 0.9), so float32 rounding in either
    # server cannot flip it; the ONNX graph must agree with scikit-learn on each.
    probabilities = model.predict_proba(x_test)
    confident = np.flatnonzero(probabilities.max(axis=1) >= 0.9)[: args.records]
    chosen = x_test.iloc[confident]
    expected = model.predict(chosen)
    session = onnxruntime.InferenceSession(onnx_bytes, providers=["CPUExecutionProvider"])
    onnx_labels = session.run(None, {session.get_inputs()[0].name: chosen.to_numpy()})[0]
    if not np.array_equal(onnx_labels, expected):
        raise SystemExit("the ONNX graph disagrees with scikit-learn on the known records")

    # 1. The throwaway MLflow store that `mlflow models serve` reads.
    store = os.path.abspath(args.mlflow_store)
    mlflow_uri = f"sqlite:///{os.path.join(store, 'mlflow.db')}"
    mlflow.set_tracking_uri(mlflow_uri)
    experiment = MlflowClient().create_experiment(
        "bench-serving", artifact_location="file://" + os.path.join(store, "artifacts")
    )
    mlflow.set_experiment(experiment_id=experiment)
    with mlflow.start_run():
        mlflow_info = log_onnx(onx, signature)
    mlflow_sha = downloaded_onnx_sha256(mlflow_info.model_uri)

    # 2. mloop, through the same client, registered with the alias the benchmark scores.
    mlflow.set_tracking_uri(args.mloop_url)
    mlflow.set_experiment("bench-serving")
    with mlflow.start_run():
        mloop_info = log_onnx(onx, signature, registered_model_name=args.model_name)
    version = mloop_info.registered_model_version
    MlflowClient().set_registered_model_alias(args.model_name, "champion", version)
    mloop_sha = downloaded_onnx_sha256(f"models:/{args.model_name}@champion")

    description = {
        "columns": columns,
        "records": [
            {"values": [float(v) for v in row], "label": int(label)}
            for row, label in zip(chosen.to_numpy(), expected)
        ],
        "testAccuracy": accuracy,
        "onnxSha256": hashlib.sha256(onnx_bytes).hexdigest(),
        "mlflow": {"trackingUri": mlflow_uri, "modelUri": mlflow_info.model_uri, "onnxSha256": mlflow_sha},
        "mloop": {
            "modelName": args.model_name,
            "version": int(version),
            "onnxSha256": mloop_sha,
        },
        "versions": {
            "mlflow": mlflow.__version__,
            "scikit-learn": sklearn.__version__,
            "skl2onnx": skl2onnx.__version__,
            "onnxruntime": onnxruntime.__version__,
        },
    }
    with open(args.out, "w") as f:
        json.dump(description, f, indent=2)


if __name__ == "__main__":
    main()
