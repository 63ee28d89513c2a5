"""Trains the ridge model and writes model.json to the model output."""
import argparse
import os

import mlflow_rest
import ridge

parser = argparse.ArgumentParser()
parser.add_argument("--train_data", required=True)
parser.add_argument("--alpha", type=float, default=1.0)
parser.add_argument("--model", required=True)
args = parser.parse_args()

rows = ridge.read_rows(os.path.join(args.train_data, "train.csv"))
model = ridge.fit(rows, args.alpha)
os.makedirs(args.model, exist_ok=True)
ridge.save(model, os.path.join(args.model, "model.json"))
train_scores = ridge.scores(model, rows)
mlflow_rest.log_metrics({"train_mse": train_scores["mse"], "train_r2": train_scores["r2"]})
print(f"train: alpha={args.alpha} train_mse={train_scores['mse']:.2f} train_r2={train_scores['r2']:.4f}")
