"""Minimal MLflow REST client (standard library only) for logging metrics from an Azure ML step.

Azure ML gives a step MLFLOW_TRACKING_URI (an azureml:// URI on the service, https:// on the emulator),
MLFLOW_RUN_ID and a token; the metrics go to <tracking uri>/api/2.0/mlflow/runs/log-batch.
"""
import json
import os
import time
import urllib.request


def _base_uri():
    uri = os.environ.get("MLFLOW_TRACKING_URI", "")
    if uri.startswith("azureml://"):
        uri = "https://" + uri[len("azureml://"):].replace("/mlflow/v1.0/", "/mlflow/v2.0/")
    return uri.rstrip("?").rstrip("/")


def _token():
    return os.environ.get("MLFLOW_TRACKING_TOKEN") or os.environ.get("AZUREML_RUN_TOKEN", "")


def enabled():
    return bool(_base_uri() and os.environ.get("MLFLOW_RUN_ID"))


def post(path, body):
    request = urllib.request.Request(
        _base_uri() + "/api/2.0/mlflow/" + path,
        data=json.dumps(body).encode("utf-8"),
        headers={"Content-Type": "application/json", "Authorization": "Bearer " + _token()},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"{}")


def log_metrics(metrics, run_ids=None):
    """Logs {name: value} to this step's run and to any extra run ids (e.g. the pipeline's root run)."""
    if not enabled():
        print("MLflow tracking is not configured; metrics:", metrics)
        return
    now = int(time.time() * 1000)
    batch = [{"key": k, "value": float(v), "timestamp": now, "step": 0} for k, v in metrics.items()]
    for run_id in [os.environ["MLFLOW_RUN_ID"]] + [r for r in (run_ids or []) if r]:
        post("runs/log-batch", {"run_id": run_id, "metrics": batch})
