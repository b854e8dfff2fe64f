"""scikit-learn's HistGradientBoostingClassifier on breast-cancer and wine, for the GBDT tests.

Reads {"max_iter": ..., "seed": ...} on stdin; prints, per dataset, the rows, a seeded 70/30
split and sklearn's holdout probabilities with matched settings (early stopping off).
"""
import json
import sys

import numpy as np
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.ensemble import HistGradientBoostingClassifier

settings = json.load(sys.stdin)
out = {}
for name, loader in (("breast_cancer", load_breast_cancer), ("wine", load_wine)):
    X, y = loader(return_X_y=True)
    order = np.random.RandomState(settings["seed"]).permutation(len(y))
    cut = int(len(y) * 0.7)
    train, holdout = order[:cut], order[cut:]
    model = HistGradientBoostingClassifier(
        learning_rate=0.1,
        max_iter=settings["max_iter"],
        max_leaf_nodes=31,
        min_samples_leaf=20,
        l2_regularization=0.0,
        max_bins=255,
        early_stopping=False,
        random_state=0,
    ).fit(X[train], y[train])
    out[name] = {
        "x": X.tolist(),
        "y": y.tolist(),
        "train": train.tolist(),
        "holdout": holdout.tolist(),
        "probabilities": model.predict_proba(X[holdout]).ravel().tolist(),
    }
print(json.dumps(out))
