"""Ridge regression by the normal equations, standard library only."""
import csv
import json
import os

FEATURES = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]
TARGET = "y"


def read_rows(path):
    with open(path, newline="") as handle:
        return [{k: float(v) for k, v in row.items()} for row in csv.DictReader(handle)]


def write_rows(path, rows):
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FEATURES + [TARGET])
        writer.writeheader()
        writer.writerows(rows)


def _solve(a, b):
    """Gaussian elimination with partial pivoting: solves a x = b."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(col + 1, n):
            f = m[r][col] / m[col][col]
            for c in range(col, n + 1):
                m[r][c] -= f * m[col][c]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (m[r][n] - sum(m[r][c] * x[c] for c in range(r + 1, n))) / m[r][r]
    return x


def fit(rows, alpha):
    """Standardises the features, then solves (X'X + alpha I) w = X'y on the centred target."""
    n = len(rows)
    means = {f: sum(r[f] for r in rows) / n for f in FEATURES}
    stds = {f: (sum((r[f] - means[f]) ** 2 for r in rows) / n) ** 0.5 or 1.0 for f in FEATURES}
    x = [[(r[f] - means[f]) / stds[f] for f in FEATURES] for r in rows]
    y_mean = sum(r[TARGET] for r in rows) / n
    y = [r[TARGET] - y_mean for r in rows]
    k = len(FEATURES)
    xtx = [[sum(x[i][a] * x[i][b] for i in range(n)) + (alpha if a == b else 0.0) for b in range(k)] for a in range(k)]
    xty = [sum(x[i][a] * y[i] for i in range(n)) for a in range(k)]
    weights = _solve(xtx, xty)
    return {"features": FEATURES, "means": means, "stds": stds, "weights": dict(zip(FEATURES, weights)), "intercept": y_mean, "alpha": alpha}


def predict(model, features):
    """features: a list of values in FEATURES order."""
    return model["intercept"] + sum(
        model["weights"][f] * (v - model["means"][f]) / model["stds"][f] for f, v in zip(model["features"], features)
    )


def scores(model, rows):
    predictions = [predict(model, [r[f] for f in FEATURES]) for r in rows]
    actual = [r[TARGET] for r in rows]
    mean = sum(actual) / len(actual)
    sse = sum((p - a) ** 2 for p, a in zip(predictions, actual))
    sst = sum((a - mean) ** 2 for a in actual)
    return {"mse": sse / len(actual), "r2": 1.0 - sse / sst}


def save(model, path):
    with open(path, "w") as handle:
        json.dump(model, handle, indent=2)


def load(path):
    with open(path) as handle:
        return json.load(handle)


def load_deployed(root):
    """The model.json under root (AZUREML_MODEL_DIR: the model's files as the deployment mounts them)."""
    for folder, _, files in os.walk(root):
        if "model.json" in files:
            return load(os.path.join(folder, "model.json"))
    raise FileNotFoundError(f"model.json not found under {root}")
