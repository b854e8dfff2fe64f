"""Reference values for mloop's performance metrics, computed with scikit-learn.

Reads a JSON file of cases, writes a JSON file of results. Classification cases get accuracy,
macro F1, per-class precision/recall/F1 (precision_recall_fscore_support over the classes seen),
ROC AUC (binary: the second class's probability; multiclass: one-vs-rest macro) and log loss;
regression cases get RMSE, MAE and R².
Usage: python performance_reference.py CASES_JSON OUT_JSON
"""

import json
import math
import sys

import numpy as np
from sklearn import metrics


def classification(case):
    actual, predicted = case["actual"], case["predicted"]
    classes = case["classes"]
    proba = np.array(case["probabilities"], dtype=np.float64)
    seen = sorted(set(actual) | set(predicted))
    precision, recall, f1, support = metrics.precision_recall_fscore_support(
        actual, predicted, labels=seen, zero_division=0
    )
    if len(classes) == 2:
        auc = metrics.roc_auc_score([a == classes[1] for a in actual], proba[:, 1])
    else:
        auc = metrics.roc_auc_score(actual, proba, multi_class="ovr", average="macro", labels=classes)
    return {
        "accuracy": metrics.accuracy_score(actual, predicted),
        "macroF1": metrics.f1_score(actual, predicted, average="macro", zero_division=0),
        "perClass": {
            c: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
            for c, p, r, f, s in zip(seen, precision, recall, f1, support)
        },
        "rocAuc": float(auc),
        "logLoss": metrics.log_loss(actual, proba, labels=classes),
    }


def regression(case):
    actual, predicted = case["actual"], case["predicted"]
    return {
        "rmse": math.sqrt(metrics.mean_squared_error(actual, predicted)),
        "mae": metrics.mean_absolute_error(actual, predicted),
        "r2": metrics.r2_score(actual, predicted),
    }


def main():
    with open(sys.argv[1]) as f:
        cases = json.load(f)
    out = {
        "classification": [classification(c) for c in cases["classification"]],
        "regression": [regression(c) for c in cases["regression"]],
    }
    with open(sys.argv[2], "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
