"""Fits the threshold that best separates the labels; writes it as the model and its accuracy."""
import argparse
import csv
import json

parser = argparse.ArgumentParser()
parser.add_argument("--data", required=True)
parser.add_argument("--model", required=True)
parser.add_argument("--accuracy", required=True)
args = parser.parse_args()

with open(args.data) as f:
    rows = [(float(r["x"]), int(r["label"])) for r in csv.DictReader(f)]
best = max(
    ((sum((x > t) == bool(y) for x, y in rows) / len(rows), t) for t in sorted(x for x, _ in rows)),
)
with open(args.model, "w") as f:
    json.dump({"threshold": best[1]}, f)
with open(args.accuracy, "w") as f:
    f.write(str(round(best[0], 4)))
print(f"threshold {best[1]:.3f}, accuracy {best[0]:.3f}")
