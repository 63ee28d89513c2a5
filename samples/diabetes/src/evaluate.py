"""Scores the model on the held-out set; logs mse and r2 to this step's run and to the pipeline's run."""
import argparse
import json
import os

import mlflow_rest
import ridge

parser = argparse.ArgumentParser()
parser.add_argument("--model", required=True)
parser.add_argument("--test_data", required=True)
parser.add_argument("--evaluation", required=True)
args = parser.parse_args()

model = ridge.load(os.path.join(args.model, "model.json"))
result = ridge.scores(model, ridge.read_rows(os.path.join(args.test_data, "test.csv")))
os.makedirs(args.evaluation, exist_ok=True)
with open(os.path.join(args.evaluation, "metrics.json"), "w") as handle:
    json.dump(result, handle)
mlflow_rest.log_metrics(result, run_ids=[os.environ.get("AZUREML_ROOT_RUN_ID")])
print(f"evaluate: mse={result['mse']:.2f} r2={result['r2']:.4f}")
