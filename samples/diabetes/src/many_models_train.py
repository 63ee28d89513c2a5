"""Trains one ridge model per (store, brand) on a synthetic split of the diabetes data.

Each row belongs to a store by its position; a store's model sees that store's rows, and a brand scales the
target (brand b sells (0.8 + 0.05 b) times the baseline). Writes <models>/<name>/model.json and an index.json
with each model's tags and metrics, for the register step.
"""
import argparse
import json
import os

import mlflow_rest
import ridge

parser = argparse.ArgumentParser()
parser.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "data", "diabetes.csv"))
parser.add_argument("--stores", type=int, default=25)
parser.add_argument("--brands", type=int, default=8)
parser.add_argument("--only", default="all", help="comma-separated model names to retrain, or 'all'")
parser.add_argument("--alpha", type=float, default=1.0)
parser.add_argument("--models", required=True)
args = parser.parse_args()

rows = ridge.read_rows(args.data)
only = None if args.only == "all" else set(args.only.split(","))
index = []
for store in range(1, args.stores + 1):
    # A store keeps four rows in five, a different fifth left out per store: overlapping but distinct data.
    store_rows = [r for i, r in enumerate(rows) if (i + store) % 5 != 0]
    for brand in range(1, args.brands + 1):
        name = f"diabetes-s{store:02d}-b{brand}"
        if only is not None and name not in only:
            continue
        factor = 0.8 + 0.05 * brand
        scaled = [{**r, ridge.TARGET: r[ridge.TARGET] * factor} for r in store_rows]
        model = ridge.fit(scaled, args.alpha)
        metrics = ridge.scores(model, scaled)
        os.makedirs(os.path.join(args.models, name), exist_ok=True)
        ridge.save(model, os.path.join(args.models, name, "model.json"))
        index.append({"name": name, "tags": {"Store": str(store), "Brand": f"b{brand}"}, "metrics": metrics})
with open(os.path.join(args.models, "index.json"), "w") as handle:
    json.dump(index, handle, indent=2)
mlflow_rest.log_metrics({"models_trained": len(index)})
print(f"trained {len(index)} model(s) for {args.stores} store(s) x {args.brands} brand(s)")
