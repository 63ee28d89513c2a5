"""Writes one small job file per (store, brand) model to train: the input the parallel training step splits.

Each file is <jobs>/<name>.json with the model's name, store and brand; --only keeps the named models.
"""
import argparse
import json
import os

parser = argparse.ArgumentParser()
parser.add_argument("--stores", type=int, default=25)
parser.add_argument("--brands", type=int, default=8)
parser.add_argument("--only", default="all", help="comma-separated model names to retrain, or 'all'")
parser.add_argument("--jobs", required=True)
args = parser.parse_args()

only = None if args.only == "all" else set(args.only.split(","))
os.makedirs(args.jobs, exist_ok=True)
count = 0
for store in range(1, args.stores + 1):
    for brand in range(1, args.brands + 1):
        name = f"diabetes-s{store:02d}-b{brand}"
        if only is not None and name not in only:
            continue
        with open(os.path.join(args.jobs, f"{name}.json"), "w") as handle:
            json.dump({"name": name, "store": store, "brand": brand}, handle)
        count += 1
print(f"{count} model(s) to train for {args.stores} store(s) x {args.brands} brand(s)")
