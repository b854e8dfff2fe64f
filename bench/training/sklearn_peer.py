"""scikit-learn's side of the training benchmark.

  sklearn_peer.py export DIR            writes breast_cancer and wine in the bench's dense format
  sklearn_peer.py fit DIR NAME SETTINGS  fits HistGradientBoostingClassifier on NAME's training
                                         rows, writes holdout probabilities to DIR/NAME.sklearn.f64
                                         and prints {"fitSeconds", "iterations", "threads"}

The dense format (see fraud-data.ts): DIR/NAME.json names the columns; DIR/NAME.f64 holds the
features then the target, column after column, as float64. DIR/NAME.holdout.u8 marks holdout rows.
"""
import json
import os
import sys
import time

import numpy as np


def export(directory):
    from sklearn.datasets import load_breast_cancer, load_wine

    for name, loader in (("breast_cancer", load_breast_cancer), ("wine", load_wine)):
        data = loader()
        X = np.asarray(data.data, dtype=np.float64)
        y = np.asarray(data.target, dtype=np.float64)
        header = {
            "rows": int(X.shape[0]),
            "featureNames": [str(n) for n in data.feature_names],
            "categorical": [],
            "classes": int(len(np.unique(y))),
        }
        np.concatenate([X.T.ravel(), y]).astype("<f8").tofile(os.path.join(directory, f"{name}.f64"))
        with open(os.path.join(directory, f"{name}.json"), "w") as f:
            json.dump(header, f)


def fit(directory, name, settings):
    from threadpoolctl import threadpool_info
    from sklearn.ensemble import HistGradientBoostingClassifier

    with open(os.path.join(directory, f"{name}.json")) as f:
        header = json.load(f)
    rows, features = header["rows"], len(header["featureNames"])
    values = np.fromfile(os.path.join(directory, f"{name}.f64"), dtype="<f8")
    X = values[: rows * features].reshape(features, rows).T
    y = values[rows * features :].astype(np.int64)
    holdout = np.fromfile(os.path.join(directory, f"{name}.holdout.u8"), dtype=np.uint8).astype(bool)
    X_train, y_train = np.ascontiguousarray(X[~holdout]), y[~holdout]
    model = HistGradientBoostingClassifier(
        learning_rate=settings["learning_rate"],
        max_iter=settings["max_iter"],
        max_leaf_nodes=settings["max_leaf_nodes"],
        min_samples_leaf=settings["min_samples_leaf"],
        l2_regularization=settings["l2_regularization"],
        max_bins=settings["max_bins"],
        early_stopping=False,
        random_state=settings["seed"],
    )
    started = time.perf_counter()
    model.fit(X_train, y_train)
    seconds = time.perf_counter() - started
    model.predict_proba(np.ascontiguousarray(X[holdout])).astype("<f8").ravel().tofile(
        os.path.join(directory, f"{name}.sklearn.f64")
    )
    threads = max((p.get("num_threads", 1) for p in threadpool_info() if p.get("user_api") == "openmp"), default=1)
    print(json.dumps({"fitSeconds": seconds, "iterations": int(model.n_iter_), "threads": threads}))


if __name__ == "__main__":
    if sys.argv[1] == "export":
        export(sys.argv[2])
    else:
        fit(sys.argv[2], sys.argv[3], json.loads(sys.argv[4]))
