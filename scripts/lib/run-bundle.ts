import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestConnection } from './emulator-connection';

export interface BundleRun {
  result?: string;
  message?: string;
  outputs: Record<string, string>;
  secrets: string[];
  attachments: { type: string; name: string; file: string; content: string }[];
  stdout: string;
  stderr: string;
  workDir: string;
  durationMs: number;
}

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/** Decodes the property and message escaping of ##vso commands. */
export function unescape(value: string): string {
  return value
    .replace(/%3B/g, ';')
    .replace(/%0D/g, '\r')
    .replace(/%0A/g, '\n')
    .replace(/%5D/g, ']')
    .replace(/%AZP25/g, '%');
}

function parseCommand(line: string): { name: string; props: Record<string, string>; message: string } | undefined {
  const m = /##vso\[([\w.]+)([^\]]*)\](.*)$/.exec(line);
  if (!m) return undefined;
  const props: Record<string, string> = {};
  for (const part of m[2].trim().split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) props[part.slice(0, eq)] = unescape(part.slice(eq + 1));
  }
  return { name: m[1], props, message: unescape(m[3]) };
}

export interface RunOptions {
  inputs: Record<string, string>;
  connection?: TestConnection;
  env?: Record<string, string>;
  /** CA file to trust; the test run's emulator certificate by default. */
  caCertFile?: string;
  /** Called with each line the task prints (stdout and stderr), as it prints it. */
  onLine?: (line: string) => void;
}

/**
 * Runs a task bundle as the agent does: `node tasks/<T>/dist/index.js` from an empty folder (no node_modules),
 * inputs and the service connection in the environment, ##vso commands read back from stdout.
 */
export async function runBundle(task: string, options: RunOptions): Promise<BundleRun> {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), `run-${task}-`));
  const tempDir = path.join(workDir, '_temp');
  fs.mkdirSync(tempDir);
  const bundle = path.join(REPO_ROOT, 'tasks', task, 'dist', 'index.js');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? workDir,
    NODE_EXTRA_CA_CERTS: options.caCertFile ?? (process.env.EMULATOR_TLS_CERT as string),
    AGENT_TEMPDIRECTORY: tempDir,
    AGENT_VERSION: '4.260.0',
    SYSTEM_TEAMFOUNDATIONCOLLECTIONURI: 'https://dev.azure.com/contoso/',
    SYSTEM_TEAMPROJECTID: 'project-1',
    SYSTEM_HOSTTYPE: 'build',
    SYSTEM_PLANID: 'plan-1',
    SYSTEM_JOBID: 'job-1',
    BUILD_BUILDID: '42',
  };
  for (const [k, v] of Object.entries(options.inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
  const conn = options.connection;
  if (conn) {
    const id = conn.id;
    env.INPUT_AZURESUBSCRIPTION ??= id;
    env[`ENDPOINT_URL_${id}`] = conn.endpoint.url ?? '';
    env[`ENDPOINT_AUTH_${id}`] = JSON.stringify({ scheme: conn.endpoint.scheme, parameters: conn.endpoint.auth ?? {} });
    for (const [k, v] of Object.entries(conn.endpoint.data ?? {})) env[`ENDPOINT_DATA_${id}_${k.toUpperCase()}`] = v;
    Object.assign(env, conn.env);
    if (conn.endpoint.scheme === 'WorkloadIdentityFederation') {
      env.ENDPOINT_AUTH_SYSTEMVSSCONNECTION = JSON.stringify({ scheme: 'OAuth', parameters: { AccessToken: conn.secrets[0] } });
    }
  }
  Object.assign(env, options.env ?? {});
  const started = Date.now();
  const child = spawn(process.execPath, [bundle], { cwd: workDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const partial = { out: '', err: '' };
  const feed = (key: 'out' | 'err', text: string) => {
    if (!options.onLine) return;
    const lines = (partial[key] + text).split(/\r?\n/);
    partial[key] = lines.pop() ?? '';
    for (const line of lines) options.onLine(line);
  };
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    feed('out', d.toString());
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    feed('err', d.toString());
  });
  await new Promise<void>((resolve) => child.on('close', () => resolve()));
  for (const rest of [partial.out, partial.err]) if (rest) options.onLine?.(rest);
  const run: BundleRun = { outputs: {}, secrets: [], attachments: [], stdout, stderr, workDir, durationMs: Date.now() - started };
  for (const line of stdout.split(/\r?\n/)) {
    const cmd = parseCommand(line);
    if (!cmd) continue;
    if (cmd.name === 'task.complete') {
      run.result = cmd.props.result;
      run.message = cmd.message;
    } else if (cmd.name === 'task.setvariable' && cmd.props.isOutput === 'true') {
      run.outputs[cmd.props.variable] = cmd.message;
    } else if (cmd.name === 'task.setsecret') {
      run.secrets.push(cmd.message);
    } else if (cmd.name === 'task.addattachment') {
      run.attachments.push({
        type: cmd.props.type,
        name: cmd.props.name,
        file: cmd.message,
        content: fs.existsSync(cmd.message) ? fs.readFileSync(cmd.message, 'utf8') : '',
      });
    }
  }
  return run;
}

/** Everything a user could read from a run: stdout, stderr and the attached summaries (secret-leak checks). */
export function visibleText(run: BundleRun): string {
  // The agent consumes ##vso[task.setsecret] lines to mask the value; they are never shown to the user.
  const shown = run.stdout.split(/\r?\n/).filter((l) => !l.includes('##vso[task.setsecret]'));
  return [...shown, run.stderr, ...run.attachments.map((a) => a.content)].join('\n');
}
