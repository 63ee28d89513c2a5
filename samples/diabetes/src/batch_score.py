"""Batch scoring script for an Azure ML batch deployment: init() loads the model, run(mini_batch) scores files.

Each file of the mini-batch is a CSV with the diabetes feature columns (a `y` column, if present, is ignored).
run() returns one row per input row: "<file> <row> <prediction>", which append_row writes to the output file.
"""
import csv
import os

import ridge

FEATURES = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]
model = None


def init():
    global model
    model = ridge.load_deployed(os.environ.get("AZUREML_MODEL_DIR", os.path.dirname(__file__)))


def run(mini_batch):
    results = []
    for path in mini_batch:
        with open(path, newline="") as f:
            for i, record in enumerate(csv.DictReader(f)):
                features = [float(record[name]) for name in FEATURES]
                results.append(f"{os.path.basename(path)} {i} {round(ridge.predict(model, features), 3)}")
    return results
