import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../../scripts/lib/run-bundle';
import { inferenceRuntime } from '../../emulator/runtime/python-runtime';

export const ONLINE_EXAMPLES = path.join(REPO_ROOT, 'test', 'fixtures', 'azureml-examples', 'online');
const DATA = path.join(REPO_ROOT, 'samples', 'diabetes', 'src', 'data', 'diabetes.csv');

/**
 * Trains what Microsoft's examples ship as binaries (not stored here): model-1's scikit-learn ridge regression
 * (joblib), the MLflow sklearn-diabetes model (pickle) and the inference-schema example's iris classifier (joblib), on the sample data with the emulator's inference
 * runtime; prints each model's predictions for `requests` so the tests compare the served answers with them.
 */
const TRAIN_PY = `
import csv, json, pickle, sys
import joblib, pandas as pd
from sklearn.linear_model import LinearRegression, Ridge
rows = list(csv.DictReader(open(sys.argv[1])))
cols = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]
X = [[float(r[c]) for c in cols] for r in rows]
y = [float(r["y"]) for r in rows]
ridge = Ridge(alpha=1.0).fit(X, y)
joblib.dump(ridge, sys.argv[2])
lr = LinearRegression().fit(pd.DataFrame(X, columns=cols), y)
with open(sys.argv[3], "wb") as f:
    pickle.dump(lr, f)
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
iris = load_iris()
joblib.dump(LogisticRegression(max_iter=500).fit(iris.data, iris.target), sys.argv[6])
req1 = json.load(open(sys.argv[4]))["data"]
req2 = json.load(open(sys.argv[5]))["input_data"]
print(json.dumps({"ridge": ridge.predict(req1).tolist(), "mlflow": lr.predict(pd.DataFrame(req2["data"], columns=req2["columns"])).tolist()}))
`;

export interface OnlineExamples {
  dir: string;
  /** What the trained models answer to model-2/sample-request.json and mlflow/sample-request-sklearn.json. */
  expected: { ridge: number[]; mlflow: number[] };
  remove: () => void;
}

/** A copy of the examples with their model files trained, and `{{MODEL_VERSION}}` set as Microsoft's scripts set it. */
export function prepareOnlineExamples(): OnlineExamples {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'online-examples-'));
  fs.cpSync(ONLINE_EXAMPLES, dir, { recursive: true });
  const at = (rel: string) => path.join(dir, rel);
  fs.mkdirSync(at('model-1/model'), { recursive: true });
  fs.mkdirSync(at('managed/inference-schema/models'), { recursive: true });
  const out = execFileSync(
    inferenceRuntime().python,
    [
      '-c',
      TRAIN_PY,
      DATA,
      at('model-1/model/sklearn_regression_model.pkl'),
      at('mlflow/sklearn-diabetes/model/model.pkl'),
      at('model-2/sample-request.json'),
      at('mlflow/sample-request-sklearn.json'),
      at('managed/inference-schema/models/iris.pkl'),
    ],
    { encoding: 'utf8' },
  );
  // TF Serving's SavedModel and LightGBM's model.lgb are binary; the emulator runs neither server, so stand-ins do.
  fs.mkdirSync(at('custom-container/tfserving/half-plus-two/half_plus_two/1'), { recursive: true });
  fs.writeFileSync(at('custom-container/tfserving/half-plus-two/half_plus_two/1/saved_model.pb'), 'stand-in');
  fs.writeFileSync(at('mlflow/lightgbm-iris/model/model.lgb'), 'stand-in');
  const tf = at('custom-container/tfserving/half-plus-two/tfserving-deployment.yml');
  fs.writeFileSync(tf, fs.readFileSync(tf, 'utf8').replace(/\{\{MODEL_VERSION\}\}/g, '1'));
  return { dir, expected: JSON.parse(out) as OnlineExamples['expected'], remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
