"""The parallel training step's entry script: init() once per worker process, run(mini_batch) per mini-batch.

A mini-batch is a list of job files from the partition step. Each model is trained on its store's rows with its
brand's scaling, saved to <models>/<name>/model.json, and returned
as one JSON line that append_row collects into parallel_run_step.txt for the register step.
"""
import argparse
import json
import os

import ridge

args = None
rows = None


def init():
    global args, rows
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "data", "diabetes.csv"))
    parser.add_argument("--alpha", type=float, default=1.0)
    parser.add_argument("--models", required=True)
    args, _ = parser.parse_known_args()
    rows = ridge.read_rows(args.data)


def run(mini_batch):
    results = []
    for job_file in mini_batch:
        with open(job_file) as handle:
            job = json.load(handle)
        # A store keeps four rows in five, a different fifth left out per store: overlapping but distinct data.
        store_rows = [r for i, r in enumerate(rows) if (i + job["store"]) % 5 != 0]
        factor = 0.8 + 0.05 * job["brand"]
        scaled = [{**r, ridge.TARGET: r[ridge.TARGET] * factor} for r in store_rows]
        model = ridge.fit(scaled, args.alpha)
        os.makedirs(os.path.join(args.models, job["name"]), exist_ok=True)
        ridge.save(model, os.path.join(args.models, job["name"], "model.json"))
        tags = {"Store": str(job["store"]), "Brand": f"b{job['brand']}"}
        results.append(json.dumps({"name": job["name"], "tags": tags, "metrics": ridge.scores(model, scaled)}))
    print(f"trained {len(results)} model(s) in process {os.getpid()}")
    return results
