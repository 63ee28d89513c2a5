import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { DefaultAzureCredential } from '@azure/identity';
import { parse } from 'yaml';
import { startTrustedEmulator } from '../emulator/seed';
import type { EmulatorInfo } from '../emulator/server';
import type { TestConnection } from './lib/emulator-connection';
import { loadTaskJson } from './lib/pipeline-runner';
import { REPO_ROOT, runBundle, unescape } from './lib/run-bundle';

/**
 * `npx aml-tasks run <TaskName> --inputs inputs.yml [--connection emulator|environment] [--emulator info.json]`:
 * runs an agent task's bundle exactly as the agent does (inputs and the service connection in the environment,
 * from an empty working folder) and shows the ##vso commands it emits in readable form, secrets masked.
 *
 * - `--connection emulator` (default): an embedded emulator for this run, or the running one whose JSON line
 *   (`npm run -s emulator -- --json > emulator.json`) `--emulator` names. Empty resourceGroupName/workspaceName
 *   inputs default to the emulator's.
 * - `--connection environment`: real Azure. A token source from the environment (AZURE_CLIENT_ID/AZURE_TENANT_ID
 *   with AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH, a managed identity, or an Azure CLI login) is
 *   handed to the task as a managed-identity connection through a local token endpoint, so the task runs its
 *   own unchanged code path. AZURE_SUBSCRIPTION_ID names the subscription; AZURE_RESOURCE_MANAGER_URL and
 *   AZURE_AUTHORITY_HOST select another cloud.
 */
const USAGE = 'usage: aml-tasks run <TaskName> --inputs <inputs.yml> [--connection emulator|environment] [--emulator <emulator.json>]';

class UsageError extends Error {}

interface Args {
  task: string;
  inputsFile: string;
  connection: 'emulator' | 'environment';
  emulatorFile?: string;
}

function parseArgs(argv: string[]): Args {
  const [command, task, ...rest] = argv;
  if (command !== 'run' || !task) throw new UsageError(USAGE);
  const flags: Record<string, string> = {};
  for (let i = 0; i < rest.length; i += 2) {
    if (!rest[i].startsWith('--') || rest[i + 1] === undefined) throw new UsageError(`'${rest[i]}' needs a value. ${USAGE}`);
    flags[rest[i].slice(2)] = rest[i + 1];
  }
  for (const name of Object.keys(flags)) if (!['inputs', 'connection', 'emulator'].includes(name)) throw new UsageError(`unknown option --${name}. ${USAGE}`);
  if (!flags.inputs) throw new UsageError(`--inputs is required. ${USAGE}`);
  const connection = flags.connection ?? 'emulator';
  if (connection !== 'emulator' && connection !== 'environment')
    throw new UsageError(`--connection '${connection}' is not allowed; allowed values: emulator, environment.`);
  return { task, inputsFile: flags.inputs, connection, emulatorFile: flags.emulator };
}

/** The inputs file: a map of input names to values, or `{inputs: {...}}` as in a YAML step. */
function readInputs(file: string, task: string, cwd: string): Record<string, string> {
  if (!fs.existsSync(file)) throw new UsageError(`inputs file '${file}' does not exist`);
  const doc = parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown> | null;
  const raw = (doc && typeof doc.inputs === 'object' ? doc.inputs : doc) as Record<string, unknown> | null;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new UsageError(`'${file}' must be a YAML map of input names to values`);
  const specs = new Map(loadTaskJson(task).inputs.map((i) => [i.name, i]));
  const unknown = Object.keys(raw).filter((k) => !specs.has(k));
  if (unknown.length) throw new UsageError(`${task} has no input ${unknown.map((u) => `'${u}'`).join(', ')}; its inputs: ${[...specs.keys()].join(', ')}`);
  // The agent resolves file paths against the sources folder; here, against the folder the runner started from.
  const value = (k: string, v: unknown) => (typeof v !== 'string' ? JSON.stringify(v) : specs.get(k)?.type === 'filePath' && v ? path.resolve(cwd, v) : v);
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, value(k, v)]));
}

function emulatorConnection(info: EmulatorInfo): TestConnection {
  return {
    id: 'emulator',
    endpoint: {
      url: info.armUrl,
      scheme: 'ServicePrincipal',
      auth: { tenantid: info.tenantId, serviceprincipalid: info.clientId, authenticationType: 'spnKey', serviceprincipalkey: info.clientSecret },
      data: { subscriptionId: info.subscriptionId, environmentAuthorityUrl: info.authorityHost },
    },
    env: info.timeScale ? { AML_TASKS_SIMULATED_TIME_SCALE: String(info.timeScale) } : {},
    secrets: [info.clientSecret],
  };
}

/** A local managed-identity endpoint (App Service protocol) that serves tokens of `credential`. */
async function tokenBridge(credential: DefaultAzureCredential): Promise<{ env: Record<string, string>; secret: string; close: () => void }> {
  const secret = randomBytes(24).toString('hex');
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers['x-identity-header'] !== secret)
      return reply(401, { error: 'invalid_request', error_description: 'X-IDENTITY-HEADER is missing or wrong.' });
    const resource = url.searchParams.get('resource') ?? '';
    credential.getToken(`${resource.replace(/\/$/, '')}/.default`).then(
      (token) => reply(200, { access_token: token.token, expires_on: String(Math.floor(token.expiresOnTimestamp / 1000)), resource, token_type: 'Bearer' }),
      (err: Error) =>
        reply(400, { error: 'invalid_request', error_description: `No token from the environment: ${err.message.replace(/\s+/g, ' ').slice(0, 400)}` }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { env: { IDENTITY_ENDPOINT: `http://127.0.0.1:${port}/msi/token`, IDENTITY_HEADER: secret }, secret, close: () => server.close() };
}

/** The run's output as a person reads it: log lines, then each ##vso command spelled out; secrets masked. */
/**
 * Turns the lines a task prints into what a person reads: `##vso` commands as `[output] name = value`, `[error] ...`,
 * `[result] ...`, groups indented, debug lines only with System.Debug, and every secret masked (those the task
 * registers with setsecret from that line on, and `known` ones from the start).
 */
export class ReadableLines {
  private readonly secrets: string[];
  private depth = 0;

  constructor(known: string[]) {
    this.secrets = known.filter((s) => s.length > 3);
  }

  private mask(text: string): string {
    return [...this.secrets].sort((a, b) => b.length - a.length).reduce((t, s) => t.split(s).join('***'), text);
  }

  /** The readable form of one line, or nothing for a line a person does not need. */
  line(line: string): string | undefined {
    const pad = '  '.repeat(this.depth);
    const cmd = /##vso\[([\w.]+)([^\]]*)\](.*)$/.exec(line);
    if (line.startsWith('##[group]')) {
      this.depth++;
      return `${pad}> ${line.slice(9)}`;
    }
    if (line.startsWith('##[endgroup]')) {
      this.depth = Math.max(0, this.depth - 1);
      return undefined;
    }
    if (line.startsWith('##[debug]')) return undefined;
    if (!cmd) return line.trim() ? pad + this.mask(line) : undefined;
    const props = Object.fromEntries(
      cmd[2]
        .trim()
        .split(';')
        .filter(Boolean)
        .map((p) => [p.slice(0, p.indexOf('=')), unescape(p.slice(p.indexOf('=') + 1))]),
    );
    const raw = unescape(cmd[3]);
    if (cmd[1] === 'task.setsecret' && raw.length > 3) this.secrets.push(raw);
    const message = this.mask(raw);
    switch (cmd[1]) {
      case 'task.debug':
        // As on the agent: debug lines only when System.Debug is true.
        return process.env.SYSTEM_DEBUG === 'true' ? `${pad}[debug] ${message}` : undefined;
      case 'task.setsecret':
        return `${pad}[secret] a value is masked from here on`;
      case 'task.setvariable':
        return `${pad}[${props.isOutput === 'true' ? 'output' : 'variable'}] ${props.variable} = ${props.issecret === 'true' ? '***' : message}`;
      case 'task.issue':
        return `${pad}[${props.type}] ${message}`;
      case 'task.complete':
        return `${pad}[result] ${props.result}: ${message}`;
      case 'task.uploadsummary':
      case 'task.addattachment':
        return `${pad}[summary] ${props.name ?? ''} ${message}`.trimEnd();
      default:
        return `${pad}[${cmd[1]}] ${message}`;
    }
  }
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  const cwd = process.env.AML_TASKS_CWD ?? process.cwd();
  if (!fs.existsSync(path.join(REPO_ROOT, 'tasks', args.task, 'task.json')))
    throw new UsageError(`no task '${args.task}'; tasks: ${fs.readdirSync(path.join(REPO_ROOT, 'tasks')).join(', ')}`);
  const spec = loadTaskJson(args.task);
  if ('HttpRequest' in spec.execution)
    throw new UsageError(
      `${args.task} is a server task: Azure Pipelines runs it without an agent, so there is no bundle to run (its tests run it through scripts/lib/server-task-simulator.ts)`,
    );
  const inputs = readInputs(path.resolve(cwd, args.inputsFile), args.task, cwd);
  const cleanup: (() => Promise<void> | void)[] = [];
  try {
    let connection: TestConnection;
    let caCertFile: string | undefined;
    const secrets: string[] = [];
    if (args.connection === 'emulator') {
      let info: EmulatorInfo;
      if (args.emulatorFile) {
        info = JSON.parse(fs.readFileSync(path.resolve(cwd, args.emulatorFile), 'utf8')) as EmulatorInfo;
      } else {
        const emulator = await startTrustedEmulator();
        cleanup.push(() => emulator.stop());
        info = emulator.info;
        console.log(`Embedded emulator on ${info.armUrl} (it stops with this run).`);
      }
      connection = emulatorConnection(info);
      caCertFile = info.caCertFile;
      inputs.resourceGroupName ??= info.resourceGroup;
      inputs.workspaceName ??= info.workspace;
    } else {
      const subscriptionId = process.env.AZURE_SUBSCRIPTION_ID;
      if (!subscriptionId)
        throw new UsageError('--connection environment needs AZURE_SUBSCRIPTION_ID (e.g. export AZURE_SUBSCRIPTION_ID=$(az account show --query id -o tsv))');
      const authorityHost = process.env.AZURE_AUTHORITY_HOST;
      const credential = new DefaultAzureCredential(
        authorityHost ? { authorityHost, disableInstanceDiscovery: !/login\.microsoftonline\.com/.test(authorityHost) } : {},
      );
      const bridge = await tokenBridge(credential);
      cleanup.push(bridge.close);
      secrets.push(bridge.secret);
      connection = {
        id: 'environment',
        endpoint: {
          url: process.env.AZURE_RESOURCE_MANAGER_URL ?? 'https://management.azure.com/',
          scheme: 'ManagedServiceIdentity',
          auth: {},
          data: { subscriptionId, ...(authorityHost ? { environmentAuthorityUrl: authorityHost } : {}) },
        },
        env: bridge.env,
        secrets: [bridge.secret],
      };
      caCertFile = process.env.NODE_EXTRA_CA_CERTS;
      console.log(`Azure subscription ${subscriptionId}, tokens from the environment (DefaultAzureCredential).`);
    }
    if (spec.inputs.some((i) => i.type.startsWith('connectedService:AzureRM'))) inputs.azureSubscription ??= connection.id;
    console.log(`Running ${args.task} as the agent does ...\n`);
    // Printed as the task prints it, so a slow or stuck call shows where it is.
    const reader = new ReadableLines([...secrets, ...connection.secrets]);
    const onLine = (line: string) => {
      const text = reader.line(line);
      if (text !== undefined) console.log(text);
    };
    const run = await runBundle(args.task, { inputs, connection, caCertFile, env: { BUILD_BUILDID: process.env.BUILD_BUILDID ?? 'local' }, onLine });
    console.log(`\n(${run.durationMs} ms; working folder ${run.workDir})`);
    return run.result === 'Failed' || !run.result ? 1 : 0;
  } finally {
    for (const step of cleanup.reverse()) await step();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: Error) => {
      console.error(err instanceof UsageError ? `aml-tasks: ${err.message}` : `aml-tasks failed: ${err.stack}`);
      process.exitCode = 2;
    },
  );
}
