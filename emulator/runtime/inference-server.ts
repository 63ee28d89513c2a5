import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EmulatorState } from '../kit/state';
import { writeCodeFolder } from './code-folders';
import { MLFLOW_PY, type MlflowConfig } from './mlflow-server';
import { inferenceRuntime } from './python-runtime';
import { writeStandIns } from './stand-ins';

/**
 * The stand-in for the Azure ML inference server (azureml-inference-server-http): a Python HTTP server on the
 * emulator's inference runtime that imports the scoring script and calls init() (or loads an MLflow model for a
 * no-code deployment), and serves GET / (liveness) and POST /score. A module the runtime lacks ends the server
 * with a MISSING_MODULE line, so the deployment's state can name it.
 */
const SERVER_PY = `
import http.server, importlib, importlib.util, json, os, sys, traceback
sys.path.append(os.environ["AML_STAND_INS"])
try:
    if os.environ.get("AML_MLFLOW"):
        exec(os.environ["AML_MLFLOW_PY"])
    else:
        root = os.environ["AML_APP_ROOT"]
        sys.path.insert(0, root)
        spec = importlib.util.spec_from_file_location("score", os.path.join(root, os.environ["AZUREML_ENTRY_SCRIPT"]))
        score = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(score)
        score.init()

        def handle(body):
            try:
                if getattr(score.run, "_aml_schema", False):
                    # A run() typed by inference_schema takes the request's fields as arguments.
                    try:
                        fields = json.loads(body)
                    except ValueError as e:
                        return 400, json.dumps({"message": "The request body is not JSON: %s" % e})
                    if not isinstance(fields, dict):
                        return 400, json.dumps({"message": "Expected a JSON object whose fields are run()'s arguments."})
                    result = score.run(**fields)
                else:
                    result = score.run(body)
                return 200, result if isinstance(result, str) else json.dumps(result)
            except Exception:
                traceback.print_exc()
                return 500, json.dumps({"error": traceback.format_exc().splitlines()[-1]})
except ModuleNotFoundError as e:
    traceback.print_exc()
    print("MISSING_MODULE %s" % (e.name or ""), flush=True)
    sys.exit(3)

class Handler(http.server.BaseHTTPRequestHandler):
    def _send(self, status, body):
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self._send(200, '"Healthy"') if self.path.split("?")[0] == "/" else self._send(404, '"Not found"')

    def do_POST(self):
        if self.path.split("?")[0] != "/score":
            return self._send(404, '"Not found"')
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")
        self._send(*handle(body))

    def log_message(self, fmt, *args):
        print("%s - %s" % (self.address_string(), fmt % args), flush=True)

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print("PORT %d" % server.server_address[1], flush=True)
server.serve_forever()
`;

export interface RunningServer {
  port?: number;
  process: ChildProcess;
  /** Everything the container printed (its logs). */
  logs: () => string;
  exited: () => boolean;
  /** The Python module the server could not import, when that is why it ended. */
  missingModule: () => string | undefined;
}

/** Starts the inference server for a scoring script in `codeDir`, with the model at `modelDir`. */
async function startInferenceServer(
  workDir: string,
  codeDir: string,
  scoringScript: string,
  modelDir: string,
  env: Record<string, string>,
): Promise<RunningServer> {
  fs.mkdirSync(workDir, { recursive: true });
  const serverFile = path.join(workDir, 'inference_server.py');
  fs.writeFileSync(serverFile, SERVER_PY);
  const standIns = path.join(workDir, 'stand-ins');
  writeStandIns(standIns);
  let output = '';
  let done = false;
  const child = spawn(inferenceRuntime().python, ['-u', serverFile], {
    cwd: codeDir,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: workDir,
      ...env,
      AML_APP_ROOT: codeDir,
      AML_STAND_INS: standIns,
      AZUREML_ENTRY_SCRIPT: scoringScript,
      AZUREML_MODEL_DIR: modelDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  child.on('exit', () => (done = true));
  const port = await new Promise<number | undefined>((resolve) => {
    const check = setInterval(() => {
      const m = /PORT (\d+)/.exec(output);
      if (m || done) {
        clearInterval(check);
        resolve(m ? Number(m[1]) : undefined);
      }
    }, 20);
  });
  return { port, process: child, logs: () => output, exited: () => done, missingModule: () => /^MISSING_MODULE (\S+)/m.exec(output)?.[1] };
}

/** What a server runs: a scoring script from a code asset, or an MLflow model without one. */
export type ScoringRun = { modelDir?: string; environmentVariables: Record<string, string> } & (
  { codeUri: string; scoringScript: string; mlflow?: undefined } | { mlflow: MlflowConfig; codeUri?: undefined }
);

/**
 * What a deployment or a packaged container runs: the code asset's folder written into a fresh work folder under
 * the emulator's scratch space, and the inference server started on it.
 */
export async function startScoringServer(state: EmulatorState, name: string, run: ScoringRun): Promise<RunningServer> {
  const workDir = path.join(state.jobsRoot, '..', 'servers', `${name}-${Date.now()}`);
  const codeDir = path.join(workDir, 'code');
  if (run.codeUri !== undefined) writeCodeFolder(state, run.codeUri, codeDir);
  else fs.mkdirSync(codeDir, { recursive: true });
  const mlflow: Record<string, string> = run.mlflow ? { AML_MLFLOW: JSON.stringify(run.mlflow), AML_MLFLOW_PY: MLFLOW_PY } : {};
  return startInferenceServer(workDir, codeDir, run.mlflow ? '' : run.scoringScript, run.modelDir ?? workDir, { ...run.environmentVariables, ...mlflow });
}

/** Stops a server's process unless it has ended already. */
export function stopper(server: RunningServer): () => Promise<void> {
  return async () => {
    if (!server.exited()) server.process.kill('SIGKILL');
  };
}

/** The last `tail` lines of a server's output (all of it for 0), as the logs routes return them. */
export function lastLines(text: string, tail: number): string {
  const lines = text.split('\n');
  return (tail > 0 ? lines.slice(-tail - 1) : lines).join('\n');
}
