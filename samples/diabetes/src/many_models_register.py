"""Registers every model the train step wrote, through Azure ML's MLflow model registry.

Each model is registered from the pipeline's output (azureml://jobs/<pipeline job>/outputs/<output>/paths/<name>)
with the tags GroupManyModels groups by (Store, Brand), the ModelType it filters on, and its training metrics.
"""
import argparse
import json
import os
import urllib.error

import mlflow_rest

parser = argparse.ArgumentParser()
parser.add_argument("--models", required=True)
parser.add_argument("--output_name", default="models")
parser.add_argument("--model_type", default="many-models-diabetes")
args = parser.parse_args()

# The parallel training step's append_row output: one JSON line per model, in the order mini-batches finished.
with open(os.path.join(args.models, "parallel_run_step.txt")) as handle:
    index = sorted((json.loads(line) for line in handle if line.strip()), key=lambda e: e["name"])
job = os.environ["AZUREML_ROOT_RUN_ID"]
for entry in index:
    try:
        mlflow_rest.post("registered-models/create", {"name": entry["name"]})
    except urllib.error.HTTPError as err:
        if b"RESOURCE_ALREADY_EXISTS" not in err.read():
            raise
    tags = {**entry["tags"], "ModelType": args.model_type, **{k: f"{v:.4f}" for k, v in entry["metrics"].items()}}
    created = mlflow_rest.post("model-versions/create", {
        "name": entry["name"],
        "source": f"azureml://jobs/{job}/outputs/{args.output_name}/paths/{entry['name']}",
        "run_id": os.environ.get("MLFLOW_RUN_ID", ""),
        "tags": [{"key": k, "value": v} for k, v in tags.items()],
    })
    print(f"registered {entry['name']} version {created['model_version']['version']}")
