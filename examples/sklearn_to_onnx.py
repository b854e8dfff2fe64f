"""Train a scikit-learn classifier, convert it to ONNX, and register it in mloop's model registry.

Only the standard `mlflow` client talks to mloop here: the run, its params and metrics, the
dataset it read, the model (logged with the ONNX flavor, so mloop can serve it), its registration
as a new version, and the `champion` alias pointing at that version.

    mloop server &
    export MLFLOW_TRACKING_URI=http://127.0.0.1:5050
    python examples/sklearn_to_onnx.py --model-name iris-classifier
    mloop models show iris-classifier@champion --url http://127.0.0.1:5050

Needs: mlflow, scikit-learn, skl2onnx, onnxruntime (all in scripts/requirements-test.txt).
"""

import argparse
import json
import os
import subprocess

import mlflow
import numpy as np
import pandas as pd
from mlflow import MlflowClient
from mlflow.models import infer_signature
from skl2onnx import to_onnx
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split


def git_tags() -> dict:
    """The commit and dirty flag of the checkout holding this script (where mlflow also looks)."""
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, check=True
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain"], cwd=here, capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return {}
    return {"mlflow.source.git.commit": commit, "mloop.source.git.dirty": str(bool(status)).lower()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experiment", default="sklearn-to-onnx")
    parser.add_argument("--model-name", default="iris-classifier")
    parser.add_argument("--alias", default="champion")
    parser.add_argument("--c", type=float, default=1.0, help="inverse regularization strength")
    args = parser.parse_args()

    iris = load_iris(as_frame=True)
    features: pd.DataFrame = iris.data.astype(np.float32)
    features.columns = [c.replace(" (cm)", "").replace(" ", "_") for c in features.columns]
    x_train, x_test, y_train, y_test = train_test_split(
        features, iris.target, test_size=0.25, random_state=7, stratify=iris.target
    )

    mlflow.set_experiment(args.experiment)
    with mlflow.start_run(tags=git_tags()) as run:
        training = mlflow.data.from_pandas(x_train.assign(species=y_train), name="iris-train")
        mlflow.log_input(training, context="training")
        mlflow.log_params({"model": "logistic_regression", "C": args.c})

        model = LogisticRegression(C=args.c, max_iter=500).fit(x_train, y_train)
        accuracy = accuracy_score(y_test, model.predict(x_test))
        mlflow.log_metric("test_accuracy", accuracy)

        # One float tensor input [batch, 4]; probabilities as a plain tensor (no ZipMap).
        onx = to_onnx(model, x_train.to_numpy()[:1], options={id(model): {"zipmap": False}})
        # The signature names the columns, so mloop knows the feature names and their order.
        signature = infer_signature(x_train, model.predict(x_train))
        info = mlflow.onnx.log_model(
            onx,
            name="model",
            registered_model_name=args.model_name,
            signature=signature,
        )

    client = MlflowClient()
    version = info.registered_model_version
    client.set_registered_model_alias(args.model_name, args.alias, version)
    print(
        json.dumps(
            {
                "run_id": run.info.run_id,
                "model_id": info.model_id,
                "model_name": args.model_name,
                "version": str(version),
                "alias": args.alias,
                "test_accuracy": accuracy,
            }
        )
    )


if __name__ == "__main__":
    main()
