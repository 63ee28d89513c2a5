import * as fs from 'node:fs';
import * as path from 'node:path';
import { MLFLOW_PY, readMlflowModel } from './mlflow-server';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const parseYaml = (text: string): unknown => (require('yaml') as typeof import('yaml')).parse(text);

/**
 * Azure ML's scoring for an MLflow model in a batch deployment without a scoring script: each file of a mini-batch
 * read as a table (CSV or Parquet), the signature's columns picked, the model's predictions returned as
 * `row,prediction,file` lines, which append_row writes to the output file (Microsoft's MLflow batch docs read it
 * back as `names=["row", "prediction", "file"]`). The model loads as the no-code online server loads it.
 */
const DRIVER = `import importlib, json, os, sys
${MLFLOW_PY}

def init():
    pass

def run(mini_batch):
    rows = []
    for file in mini_batch:
        df = pd.read_parquet(file) if file.endswith(".parquet") else pd.read_csv(file)
        if _columns:
            lacking = [c for c in _columns if c not in df.columns]
            if lacking:
                raise ValueError("%s lacks the model's input columns %s" % (os.path.basename(file), lacking))
            df = df[_columns]
        result = _predict(df)
        values = result.tolist() if hasattr(result, "tolist") else list(result)
        rows.extend("%d,%s,%s" % (i, v, os.path.basename(file)) for i, v in enumerate(values))
    return rows
`;

/** The driver written into `dir` with what the workers need to load the model, or why it cannot run here. */
export function mlflowBatchDriver(modelDir: string, dir: string): { script: string; environmentVariables: Record<string, string> } | string {
  const mlflow = readMlflowModel(modelDir, parseYaml);
  if (typeof mlflow === 'string') return `cannot run locally: ${mlflow}`;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'mlflow_batch_driver.py'), DRIVER);
  return { script: 'mlflow_batch_driver.py', environmentVariables: { AML_MLFLOW: JSON.stringify(mlflow) } };
}
