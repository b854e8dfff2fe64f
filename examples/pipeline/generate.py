"""Writes a CSV of one feature and a label that is 1 above an unknown threshold, with noise."""
import argparse
import random

parser = argparse.ArgumentParser()
parser.add_argument("--rows", type=int, required=True)
parser.add_argument("--seed", type=int, required=True)
parser.add_argument("--out", required=True)
args = parser.parse_args()

rng = random.Random(args.seed)
with open(args.out, "w") as f:
    f.write("x,label\n")
    for _ in range(args.rows):
        x = rng.uniform(0, 10)
        label = int(x > 6.3) if rng.random() > 0.05 else int(x <= 6.3)
        f.write(f"{x:.4f},{label}\n")
print(f"wrote {args.rows} rows")
