import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Azure ML's no-code MLflow scoring, as the inference server does it for an MLflow model deployed without a
 * scoring script: the model loaded from its MLmodel flavours (sklearn by pickle; any other python_function
 * loader module by its `_load_pyfunc`, so `mlflow.*` loaders need mlflow and fail naming it), requests in Azure
 * ML's `input_data` shape (split orient, a list of rows, or records) answered with a JSON list, and MLflow's own
 * `dataframe_split` / `dataframe_records` / `inputs` / `instances` answered with `{"predictions": [...]}`.
 */
export const MLFLOW_PY = `
import pickle
import pandas as pd

_conf = json.loads(os.environ["AML_MLFLOW"])
_dir = os.path.join(os.environ["AZUREML_MODEL_DIR"], _conf["dir"])
if _conf["loader"] == "sklearn":
    with open(os.path.join(_dir, _conf["file"]), "rb") as f:
        _predict = pickle.load(f).predict
else:
    if _conf.get("code"):
        sys.path.insert(0, os.path.join(_dir, _conf["code"]))
    _impl = importlib.import_module(_conf["loader"])._load_pyfunc(os.path.join(_dir, _conf.get("data") or ""))
    _predict = _impl.predict
_columns = _conf.get("columns") or []

def _frame(data):
    if isinstance(data, dict) and "data" in data:
        return pd.DataFrame(data["data"], columns=data.get("columns"), index=data.get("index"))
    if isinstance(data, list) and data and isinstance(data[0], dict):
        return pd.DataFrame(data)
    if isinstance(data, list):
        width = len(data[0]) if data and isinstance(data[0], list) else 0
        return pd.DataFrame(data, columns=_columns if _columns and width == len(_columns) else None)
    if isinstance(data, dict):
        return pd.DataFrame(data)
    raise ValueError("input_data must be a split-orient mapping (columns, index, data), a list of rows, or a list of records")

def handle(text):
    try:
        payload = json.loads(text)
    except ValueError as e:
        return 400, json.dumps({"message": "The request body is not JSON: %s" % e})
    native = None
    for key in ("input_data", "dataframe_split", "dataframe_records", "inputs", "instances"):
        if isinstance(payload, dict) and key in payload:
            native = key
            break
    if native is None:
        return 400, json.dumps({"message": "Expected a JSON object with input_data (or MLflow's dataframe_split, dataframe_records, inputs, instances)."})
    try:
        df = _frame(payload[native])
    except ValueError as e:
        return 400, json.dumps({"message": str(e)})
    if _columns and all(isinstance(c, str) for c in df.columns):
        lacking = [c for c in _columns if c not in df.columns]
        if lacking:
            return 400, json.dumps({"message": "Model is missing inputs %s. Note that there were extra inputs: %s" % (lacking, [c for c in df.columns if c not in _columns])})
        df = df[_columns]
    result = _predict(df)
    out = result.to_dict(orient="records") if hasattr(result, "to_dict") else (result.tolist() if hasattr(result, "tolist") else result)
    return 200, json.dumps(out if native == "input_data" else {"predictions": out})
`;

export interface MlflowConfig {
  /** The folder holding MLmodel, relative to the model folder. */
  dir: string;
  loader: string;
  file?: string;
  code?: string;
  data?: string;
  columns: string[];
}

/** What the MLmodel file under `modelDir` (or one folder down) says, or why it cannot be served. */
export function readMlflowModel(modelDir: string, parse: (text: string) => unknown): MlflowConfig | string {
  const candidates = ['', ...fs.readdirSync(modelDir).filter((d) => fs.statSync(path.join(modelDir, d)).isDirectory())];
  const dir = candidates.find((d) => fs.existsSync(path.join(modelDir, d, 'MLmodel')));
  if (dir === undefined) return 'the MLflow model has no MLmodel file';
  type Flavors = { sklearn?: { pickled_model?: string }; python_function?: { loader_module?: string; code?: string; data?: string; model_path?: string } };
  const doc = (parse(fs.readFileSync(path.join(modelDir, dir, 'MLmodel'), 'utf8')) ?? {}) as { flavors?: Flavors; signature?: { inputs?: string } };
  const flavors = doc.flavors ?? {};
  const pyfunc = flavors.python_function;
  let columns: string[];
  try {
    columns = (JSON.parse(doc.signature?.inputs ?? '[]') as { name?: string }[]).map((c) => c.name ?? '').filter(Boolean);
  } catch {
    return 'the MLmodel signature inputs are not valid JSON';
  }
  if (flavors.sklearn && (!pyfunc || pyfunc.loader_module === 'mlflow.sklearn'))
    return { dir, loader: 'sklearn', file: flavors.sklearn.pickled_model ?? pyfunc?.model_path ?? 'model.pkl', columns };
  if (!pyfunc?.loader_module) return 'the MLmodel file has neither an sklearn nor a python_function flavour with a loader_module';
  return { dir, loader: pyfunc.loader_module, code: pyfunc.code, data: pyfunc.data ?? pyfunc.model_path, columns };
}
