"""Scoring script of a many-models container: init() loads every member, run() answers per model.

GroupManyModels mounts each container's many-models-manifest.json (its members and their folders) in
AZUREML_MODEL_DIR beside the models, and sets MANY_MODELS_CONTAINER and MANY_MODELS_MANIFEST. Request: {"model": "<name>", "data": [[...10 features], ...]}
or a list of such objects; answer: {"model", "version", "container", "predictions"} per request.
"""
import json
import os

import ridge

models = {}
container = None


def init():
    global container
    container = os.environ.get("MANY_MODELS_CONTAINER", "")
    root = os.environ["AZUREML_MODEL_DIR"]
    with open(os.path.join(root, os.environ.get("MANY_MODELS_MANIFEST", "many-models-manifest.json"))) as handle:
        manifest = json.load(handle)
    for member in manifest["models"]:
        models[member["name"]] = (member["version"], ridge.load(os.path.join(root, member["path"], "model.json")))
    print(f"container {container}: loaded {len(models)} model(s)", flush=True)


def _answer(request):
    name = request.get("model")
    if name not in models:
        return {"model": name, "container": container, "error": f"model '{name}' is not served by container '{container}'"}
    version, model = models[name]
    return {"model": name, "version": version, "container": container, "predictions": [round(ridge.predict(model, row), 3) for row in request["data"]]}


def run(raw_data):
    body = json.loads(raw_data)
    return [_answer(r) for r in body] if isinstance(body, list) else _answer(body)
