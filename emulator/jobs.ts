import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as http from 'node:http';
import * as path from 'node:path';
import { apiVersionOf, baseUrl, locationHeaders, page, systemData, workspaceId, workspaceOf, WS } from './arm';
import { assetById, writeCodeFolder } from './assets';
import { fail, json, route, type EmulatorRequest, type Route } from './http';
import { createRun } from './mlflow';
import { secretValue, type EmulatorState, type Workspace } from './state';

export type JobStatus = 'NotStarted' | 'Starting' | 'Running' | 'CancelRequested' | 'Completed' | 'Failed' | 'Canceled';
const TERMINAL: JobStatus[] = ['Completed', 'Failed', 'Canceled'];

export interface JobRecord {
  workspace: Workspace;
  name: string;
  resource: Record<string, any>;
  /** The emulator's own base URL, for the MLflow tracking URI given to steps. */
  baseUrl: string;
  process?: ChildProcess;
  cancelRequested: boolean;
  /** Pipeline output name -> local folder. */
  outputs: Record<string, string>;
  /** Step name -> status, in execution order. */
  steps: Record<string, JobStatus>;
}

type Value = { kind: 'literal'; value: string } | { kind: 'path'; path: string };

interface GraphContext {
  job: JobRecord;
  state: EmulatorState;
  certFile: string;
  dir: string;
  prefix: string;
  continueOnStepFailure: boolean;
}

function prop(obj: Record<string, any> | undefined, name: string): any {
  if (!obj) return undefined;
  const key = Object.keys(obj).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : obj[key];
}

/** Substitutes `${{parent.inputs.x}}` and `${{parent.jobs.a.outputs.b}}` in a node's input value. */
function bindValue(raw: unknown, parentInputs: Record<string, Value>, nodeOutputs: Record<string, Record<string, string>>): Value | undefined {
  const text = String(raw ?? '');
  const whole = /^\$\{\{\s*parent\.(inputs\.(\w+)|jobs\.(\w+)\.outputs\.(\w+))\s*\}\}$/.exec(text.trim());
  if (whole) {
    if (whole[2] !== undefined) return parentInputs[whole[2]];
    const out = nodeOutputs[whole[3]]?.[whole[4]];
    return out === undefined ? undefined : { kind: 'path', path: out };
  }
  return { kind: 'literal', value: text.replace(/\$\{\{\s*parent\.inputs\.(\w+)\s*\}\}/g, (_, n: string) => { const v = parentInputs[n]; return v ? (v.kind === 'path' ? v.path : v.value) : ''; }) };
}

function dependencies(node: Record<string, any>): string[] {
  return [...JSON.stringify(node.inputs ?? {}).matchAll(/parent\.jobs\.(\w+)\.outputs/g)].map((m) => m[1]);
}

function order(jobs: Record<string, any>): string[] {
  const done: string[] = [];
  const visit = (name: string, trail: string[]) => {
    if (done.includes(name)) return;
    if (trail.includes(name)) throw new Error(`cycle between steps: ${[...trail, name].join(' -> ')}`);
    for (const dep of dependencies(jobs[name] ?? {})) if (jobs[dep]) visit(dep, [...trail, name]);
    done.push(name);
  };
  Object.keys(jobs).forEach((n) => visit(n, []));
  return done;
}

/** Fills `${{inputs.x}}`/`${{outputs.y}}`; drops `$[[...]]` optional blocks whose inputs were not given. */
function renderCommand(command: string, inputs: Record<string, Value>, outputs: Record<string, string>): string {
  const fill = (text: string) =>
    text
      .replace(/\$\{\{\s*inputs\.(\w+)\s*\}\}/g, (_, n: string) => { const v = inputs[n]; return v ? (v.kind === 'path' ? v.path : v.value) : ''; })
      .replace(/\$\{\{\s*outputs\.(\w+)\s*\}\}/g, (_, n: string) => outputs[n] ?? '');
  return fill(command.replace(/\$\[\[(.*?)\]\]/gs, (_block: string, inner: string) => ([...inner.matchAll(/inputs\.(\w+)/g)].every((m) => inputs[m[1]]) ? inner : '')));
}

async function runCommandStep(ctx: GraphContext, stepName: string, spec: Record<string, any>, inputs: Record<string, Value>, outputs: Record<string, string>): Promise<JobStatus> {
  const { job, state } = ctx;
  const stepDir = path.join(ctx.dir, stepName.replace(/[^\w.-]/g, '_'));
  const codeDir = path.join(stepDir, 'code');
  fs.mkdirSync(path.join(stepDir, 'user_logs'), { recursive: true });
  fs.mkdirSync(codeDir, { recursive: true });
  if (spec.code) {
    const code = assetById(state, String(spec.code));
    if (!code) throw new Error(`code asset '${spec.code}' was not found`);
    writeCodeFolder(state, code.resource.properties.codeUri, codeDir);
  }
  for (const folder of Object.values(outputs)) fs.mkdirSync(folder, { recursive: true });
  const runId = `${job.name}_${stepName.replace(/\//g, '_')}`;
  createRun(state, runId, String(job.resource.properties.experimentName), stepName, {
    'mlflow.parentRunId': job.name,
    'mlflow.rootRunId': job.name,
    'azureml.nodeid': stepName,
  });
  const token = secretValue('run-');
  state.runTokens.add(token);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: stepDir,
    PYTHONUNBUFFERED: '1',
    SSL_CERT_FILE: ctx.certFile,
    AZUREML_RUN_ID: runId,
    AZUREML_ROOT_RUN_ID: job.name,
    AZUREML_RUN_TOKEN: token,
    AZUREML_ARM_SUBSCRIPTION: job.workspace.subscriptionId,
    AZUREML_ARM_RESOURCEGROUP: job.workspace.resourceGroup,
    AZUREML_ARM_WORKSPACE_NAME: job.workspace.name,
    MLFLOW_TRACKING_URI: `${job.baseUrl}/mlflow/v2.0${workspaceId(job.workspace)}`,
    MLFLOW_RUN_ID: runId,
    MLFLOW_TRACKING_TOKEN: token,
    ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`AZURE_ML_INPUT_${k}`, v.kind === 'path' ? v.path : v.value])),
    ...Object.fromEntries(Object.entries(outputs).map(([k, v]) => [`AZURE_ML_OUTPUT_${k}`, v])),
    ...Object.fromEntries(Object.entries((spec.environment_variables ?? {}) as Record<string, string>).map(([k, v]) => [k, String(v)])),
  };
  const command = renderCommand(String(spec.command ?? ''), inputs, outputs);
  const log = fs.openSync(path.join(stepDir, 'user_logs', 'std_log.txt'), 'w');
  const child = spawn('sh', ['-c', command], { cwd: codeDir, env, stdio: ['ignore', log, log] });
  job.process = child;
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  fs.closeSync(log);
  job.process = undefined;
  const status: JobStatus = job.cancelRequested ? 'Canceled' : code === 0 ? 'Completed' : 'Failed';
  const run = state.mlflowRuns.get(runId);
  if (run) Object.assign(run.info, { status: status === 'Completed' ? 'FINISHED' : status === 'Failed' ? 'FAILED' : 'KILLED', end_time: Date.now() });
  return status;
}

/** Runs a pipeline graph node by node (in dependency order); returns the rolled-up status. */
async function runGraph(ctx: GraphContext, jobs: Record<string, any>, parentInputs: Record<string, Value>, parentOutputs: Record<string, string>): Promise<JobStatus> {
  const nodeOutputs: Record<string, Record<string, string>> = {};
  let failed = false;
  for (const nodeName of order(jobs)) {
    const stepName = `${ctx.prefix}${nodeName}`;
    if (ctx.job.cancelRequested) {
      ctx.job.steps[stepName] = 'Canceled';
      continue;
    }
    if (failed && !ctx.continueOnStepFailure) {
      ctx.job.steps[stepName] = 'Canceled';
      continue;
    }
    const node = jobs[nodeName] as Record<string, any>;
    const componentId = String(prop(node, 'componentId') ?? prop(node, 'component') ?? '');
    const component = assetById(ctx.state, componentId);
    if (!component) throw new Error(`step '${stepName}': component '${componentId}' was not found`);
    const spec = component.resource.properties.componentSpec as Record<string, any>;
    const inputs: Record<string, Value> = {};
    for (const [name, def] of Object.entries((spec.inputs ?? {}) as Record<string, any>)) {
      if (def?.default !== undefined) inputs[name] = { kind: 'literal', value: String(def.default) };
    }
    for (const [name, binding] of Object.entries((node.inputs ?? {}) as Record<string, any>)) {
      const raw = binding && typeof binding === 'object' ? binding.value ?? binding.uri ?? binding.path : binding;
      const bound = bindValue(raw, parentInputs, nodeOutputs);
      if (bound) inputs[name] = bound;
    }
    const outputs: Record<string, string> = {};
    for (const name of Object.keys((spec.outputs ?? {}) as Record<string, unknown>)) {
      outputs[name] = path.join(ctx.dir, 'outputs', stepName.replace(/[^\w.-]/g, '_'), name);
    }
    ctx.job.steps[stepName] = 'Running';
    const status =
      spec.type === 'pipeline'
        ? await runGraph({ ...ctx, prefix: `${stepName}/` }, spec.jobs ?? {}, inputs, outputs)
        : await runCommandStep(ctx, stepName, spec, inputs, outputs);
    ctx.job.steps[stepName] = status;
    nodeOutputs[nodeName] = outputs;
    for (const [name, binding] of Object.entries((node.outputs ?? {}) as Record<string, any>)) {
      const target = /\$\{\{\s*parent\.outputs\.(\w+)\s*\}\}/.exec(String(binding && typeof binding === 'object' ? binding.value : binding))?.[1];
      if (target && outputs[name]) parentOutputs[target] = outputs[name];
    }
    if (status === 'Failed') failed = true;
  }
  if (ctx.job.cancelRequested) return 'Canceled';
  return failed ? 'Failed' : 'Completed';
}

function postPlanEvent(url: string, authToken: string, body: unknown, certFile: string): Promise<void> {
  const target = new URL(url);
  const transport = target.protocol === 'https:' ? https : http;
  const data = JSON.stringify(body);
  return new Promise((resolve) => {
    const req = transport.request(
      target,
      {
        method: 'POST',
        ca: target.protocol === 'https:' ? [fs.readFileSync(certFile)] : undefined,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data), authorization: `Basic ${Buffer.from(`:${authToken}`).toString('base64')}` },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve());
      },
    );
    req.on('error', () => resolve());
    req.end(data);
  });
}

const ADO_RESULT: Record<string, string> = { Completed: 'succeeded', Failed: 'failed', Canceled: 'canceled' };

/** As Azure ML does on RunTerminated: raise TaskCompleted on every Azure DevOps plan that subscribed. */
async function callWebhooks(job: JobRecord, certFile: string): Promise<void> {
  const webhooks = (prop(prop(job.resource.properties, 'notificationSetting'), 'webhooks') ?? {}) as Record<string, Record<string, any>>;
  for (const hook of Object.values(webhooks)) {
    if (String(prop(hook, 'webhookType')) !== 'AzureDevOps' || String(prop(hook, 'eventType') ?? 'RunTerminated') !== 'RunTerminated') continue;
    const planUri = String(prop(hook, 'PlanUri') ?? '').replace(/\/?$/, '/');
    const url = `${planUri}${prop(hook, 'ProjectId')}/_apis/distributedtask/hubs/${prop(hook, 'HubName')}/plans/${prop(hook, 'PlanId')}/events?api-version=2.0-preview.1`;
    const event = { name: 'TaskCompleted', taskId: prop(hook, 'TaskInstanceId'), jobId: prop(hook, 'JobId'), result: ADO_RESULT[job.resource.properties.status] ?? 'failed' };
    await postPlanEvent(url, String(prop(hook, 'AuthToken') ?? ''), event, certFile);
  }
}

function setStatus(state: EmulatorState, job: JobRecord, status: JobStatus): void {
  job.resource.properties.status = status;
  const run = state.mlflowRuns.get(job.name);
  if (run && TERMINAL.includes(status)) Object.assign(run.info, { status: status === 'Completed' ? 'FINISHED' : status === 'Failed' ? 'FAILED' : 'KILLED', end_time: Date.now() });
}

async function execute(state: EmulatorState, job: JobRecord, certFile: string): Promise<void> {
  const props = job.resource.properties;
  const dir = path.join(state.jobsRoot, job.name);
  fs.mkdirSync(dir, { recursive: true });
  createRun(state, job.name, String(props.experimentName), String(props.displayName ?? job.name), { 'azureml.pipeline': 'true' });
  setStatus(state, job, 'Running');
  let status: JobStatus;
  try {
    const component = props.componentId ? assetById(state, String(props.componentId)) : undefined;
    const spec = (component?.resource.properties.componentSpec ?? { jobs: props.jobs, inputs: {} }) as Record<string, any>;
    const inputs: Record<string, Value> = {};
    for (const [name, def] of Object.entries((spec.inputs ?? {}) as Record<string, any>)) {
      if (def?.default !== undefined) inputs[name] = { kind: 'literal', value: String(def.default) };
    }
    for (const [name, input] of Object.entries((props.inputs ?? {}) as Record<string, any>)) {
      const type = String(input?.jobInputType ?? 'literal').toLowerCase();
      inputs[name] = type === 'literal' ? { kind: 'literal', value: String(input.value) } : { kind: 'path', path: String(input.uri) };
    }
    const settings = (props.settings ?? {}) as Record<string, unknown>;
    const continueOnStepFailure = Boolean(prop(settings, 'continue_on_step_failure') ?? prop(settings, 'ContinueRunOnStepFailure'));
    status = await runGraph({ job, state, certFile, dir, prefix: '', continueOnStepFailure }, spec.jobs ?? {}, inputs, job.outputs);
  } catch (err) {
    props.error = { code: 'UserError', message: (err as Error).message };
    status = 'Failed';
  }
  setStatus(state, job, status);
  await callWebhooks(job, certFile);
}

function jobKey(ws: Workspace, name: string): string {
  return `${workspaceId(ws)}/jobs/${name}`.toLowerCase();
}

function getJob(state: EmulatorState, req: EmulatorRequest): JobRecord {
  const ws = workspaceOf(state, req);
  const job = state.jobs.get(jobKey(ws, req.params.name));
  if (!job) fail(404, 'UserError', `Job '${req.params.name}' was not found in workspace '${ws.name}'.`);
  return job;
}

/** Whether an api-version's JobBase has `notificationSetting` (stable 2024-10-01 and later). */
function hasNotificationSetting(apiVersion: string): boolean {
  return apiVersion.slice(0, 10) >= '2024-10-01';
}

/** The job PATCH the Azure ML docs publish (2023-04-01-preview, PascalCase) and later api-versions. */
function patchAccepted(apiVersion: string): boolean {
  return apiVersion === '2023-04-01-preview' || hasNotificationSetting(apiVersion);
}

/** Jobs: PUT (pipeline jobs that really run), GET, list, cancel and the webhook PATCH. */
export function jobRoutes(state: EmulatorState, certFile: string): Route[] {
  return [
    route('PUT', `${WS}/jobs/{name}`, (req) => {
      const ws = workspaceOf(state, req);
      const name = req.params.name;
      const props = ((req.body ?? {}) as { properties?: Record<string, any> }).properties ?? {};
      const apiVersion = apiVersionOf(req);
      if (props.notificationSetting !== undefined && !hasNotificationSetting(apiVersion)) {
        fail(400, 'UserError', `Could not find member 'notificationSetting' on object of type 'PipelineJob': api-version ${apiVersion} does not define it (2024-10-01 and later do).`, 'properties.notificationSetting');
      }
      if (String(props.jobType) !== 'Pipeline') fail(400, 'UserError', `jobType '${props.jobType}' is not supported by the emulator; use 'Pipeline'.`, 'properties.jobType');
      if (state.jobs.has(jobKey(ws, name))) fail(409, 'UserError', `A job named '${name}' already exists in workspace '${ws.name}'. Job names are unique.`, 'name');
      const component = props.componentId ? assetById(state, String(props.componentId)) : undefined;
      if (props.componentId) {
        if (!component) fail(404, 'UserError', `Component '${props.componentId}' was not found.`, 'properties.componentId');
        if (component.resource.properties.componentSpec?.type !== 'pipeline') fail(400, 'UserError', `Component '${props.componentId}' is not a pipeline component.`, 'properties.componentId');
      } else if (!props.jobs || typeof props.jobs !== 'object') {
        fail(400, 'UserError', 'A pipeline job needs properties.componentId or properties.jobs.', 'properties.jobs');
      }
      const id = `${workspaceId(ws)}/jobs/${name}`;
      // As the service does, the job lists the pipeline's outputs (the component's, unless the request binds them).
      const specOutputs = (component?.resource.properties.componentSpec?.outputs ?? props.outputs ?? {}) as Record<string, { type?: string }>;
      const outputs = Object.fromEntries(Object.entries(specOutputs).map(([k, o]) => [k, { jobOutputType: o.type ?? 'uri_folder', mode: 'ReadWriteMount', uri: `azureml://datastores/workspaceblobstore/paths/azureml/${name}/${k}/`, ...(props.outputs?.[k] ?? {}) }]));
      const resource = {
        id,
        name,
        type: 'Microsoft.MachineLearningServices/workspaces/jobs',
        systemData: systemData(),
        properties: {
          ...props,
          outputs,
          experimentName: props.experimentName ?? 'Default',
          displayName: props.displayName ?? name,
          tags: props.tags ?? {},
          status: 'NotStarted',
          services: {
            Tracking: { jobServiceType: 'Tracking', endpoint: `azureml://${req.headers.host}/mlflow/v1.0${workspaceId(ws)}?` },
            Studio: { jobServiceType: 'Studio', endpoint: `https://ml.azure.com/runs/${name}?wsid=${workspaceId(ws)}` },
          },
        },
      };
      const job: JobRecord = { workspace: ws, name, resource, baseUrl: baseUrl(req), cancelRequested: false, outputs: {}, steps: {} };
      state.jobs.set(jobKey(ws, name), job);
      setImmediate(() => void execute(state, job, certFile));
      return json(201, resource);
    }),
    route('GET', `${WS}/jobs/{name}`, (req) => json(200, getJob(state, req).resource)),
    route('GET', `${WS}/jobs`, (req) => {
      const ws = workspaceOf(state, req);
      const tag = req.url.searchParams.get('tag');
      const [tagKey, tagValue] = tag ? [tag.split('=')[0], tag.includes('=') ? tag.slice(tag.indexOf('=') + 1) : undefined] : [];
      const items = [...state.jobs.values()]
        .filter((j) => j.workspace === ws)
        .filter((j) => !tagKey || (tagKey in (j.resource.properties.tags ?? {}) && (tagValue === undefined || j.resource.properties.tags[tagKey] === tagValue)))
        .sort((a, b) => String(b.resource.systemData.createdAt).localeCompare(String(a.resource.systemData.createdAt)))
        .map((j) => j.resource);
      return page(req, items, state.pageSize);
    }),
    route('POST', `${WS}/jobs/{name}/cancel`, (req) => {
      const job = getJob(state, req);
      if (!TERMINAL.includes(job.resource.properties.status)) {
        job.cancelRequested = true;
        job.resource.properties.status = 'CancelRequested';
        job.process?.kill('SIGTERM');
      }
      const opId = state.startOperation({ outcome: 'Succeeded', complete: () => undefined });
      const headers = locationHeaders(state, req, 'Microsoft.MachineLearningServices', job.workspace.location, opId);
      return { status: 202, headers: { location: headers.Location, 'Retry-After': headers['Retry-After'] } };
    }),
    route('PATCH', `${WS}/jobs/{name}`, (req) => {
      const job = getJob(state, req);
      const apiVersion = apiVersionOf(req);
      if (!patchAccepted(apiVersion)) fail(400, 'UserError', `PATCH of a job is not supported at api-version ${apiVersion}; use 2023-04-01-preview as documented, or 2024-10-01 or later.`);
      const body = (req.body ?? {}) as Record<string, any>;
      const props = prop(body, 'properties') ?? {};
      const webhooks = prop(prop(props, 'notificationSetting'), 'webhooks');
      if (webhooks && typeof webhooks === 'object') {
        const setting = (job.resource.properties.notificationSetting ??= { webhooks: {} });
        setting.webhooks = { ...(setting.webhooks ?? {}), ...webhooks };
      }
      const tags = prop(props, 'tags');
      if (tags && typeof tags === 'object') job.resource.properties.tags = { ...job.resource.properties.tags, ...tags };
      return json(200, job.resource);
    }),
  ];
}
