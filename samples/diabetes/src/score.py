"""Scoring script for the Azure ML inference server: init() loads the model, run() predicts.

Request: {"data": [[age, sex, bmi, bp, s1, s2, s3, s4, s5, s6], ...]}; answer: {"predictions": [...]}.
"""
import json
import os

import ridge

model = None


def init():
    global model
    model = ridge.load_deployed(os.environ.get("AZUREML_MODEL_DIR", os.path.dirname(__file__)))


def run(raw_data):
    rows = json.loads(raw_data)["data"]
    return {"predictions": [round(ridge.predict(model, row), 3) for row in rows]}
