import * as fs from 'node:fs';
import * as path from 'node:path';
import { getBatchEndpoint, getJob, invokeBatchEndpoint, type BatchInput, type BatchJob } from '../../../shared/aml/batch-endpoints';
import { DatastoreBlobs, parseDatastoreUri } from '../../../shared/aml/datastore-blobs';
import { uploadLocal } from '../../../shared/aml/local-upload';
import { MlflowClient } from '../../../shared/aml/mlflow';
import { studioJobUrl } from '../../../shared/aml/studio';
import { checkWorkspace, type WorkspaceRef } from '../../../shared/aml/workspace';
import { DataPlaneClient } from '../../../shared/azure/data-plane';
import { CheckFailedError, InputError, TimeoutError } from '../../../shared/errors';
import type { RunResult } from '../../../shared/run-task';
import { evaluateAssertion, type Assertion } from '../../../shared/scoring/assertions';
import type { TaskDeps } from '../../../shared/task-deps';
import type { OutputName } from '../contract.generated';
import type { BatchSmoke, SmokeTestParams } from './inputs';
import { junitXml } from './report';

const TERMINAL = ['Completed', 'Failed', 'Canceled', 'NotResponding', 'Paused'];

/** Polls the job until it ends or the deadline passes, with a progress line whenever its status changes. */
async function waitForJob(
  deps: TaskDeps<OutputName>,
  clients: ReturnType<TaskDeps<OutputName>['arm']>,
  ws: WorkspaceRef,
  job: BatchJob,
  deadlineMs: number,
): Promise<BatchJob> {
  const { clock, platform } = deps;
  const started = clock.now();
  let last = '';
  for (let delay = 2_000; ; delay = Math.min(30_000, delay * 2)) {
    const current = (await getJob(clients, ws, job.name)) ?? job;
    const status = current.properties.status ?? 'unknown';
    const elapsed = Math.round((clock.now() - started) / 1000);
    if (status !== last) platform.info(`Batch job ${job.name}: ${status} (${elapsed} s).`);
    last = status;
    if (TERMINAL.includes(status)) return current;
    if (clock.now() - started > deadlineMs)
      throw new TimeoutError(
        `Batch job ${job.name} did not finish within ${deadlineMs / 60_000} min (last status ${status}); it is still running: ${studioJobUrl(ws, job.name)}`,
      );
    await clock.sleep(delay);
  }
}

/**
 * The output file's rows: a JSON document (an array is its rows, anything else one row); else JSON lines parsed,
 * CSV (comma) and append_row (space) lines split into fields, numbers as numbers.
 */
export function outputRows(text: string): unknown[] {
  try {
    const whole = JSON.parse(text) as unknown;
    return Array.isArray(whole) ? whole : [whole];
  } catch {
    // not one JSON document: read it line by line
  }
  const field = (v: string) => (v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v);
  return text
    .split(/\r?\n/)
    .filter((l) => l.trim())
    .map((line) => {
      if (/^\s*[[{]/.test(line)) {
        try {
          return JSON.parse(line) as unknown;
        } catch {
          // not JSON after all: split it as text below
        }
      }
      return (line.includes(',') ? line.split(',') : line.trim().split(/\s+/)).map(field);
    });
}

function check(name: string, why: string | undefined) {
  return { name, passed: why === undefined, detail: why ?? 'holds' };
}

export async function runBatch(params: SmokeTestParams, batch: BatchSmoke, deps: TaskDeps<OutputName>): Promise<RunResult> {
  const { platform, clock } = deps;
  const clients = deps.arm(params.connection as NonNullable<SmokeTestParams['connection']>);
  const started = clock.now();
  const ws = params.workspace as WorkspaceRef;
  await checkWorkspace(clients, ws);
  const endpoint = await getBatchEndpoint(clients, ws, params.endpointName as string);
  if (!endpoint) throw new InputError('endpointName', `batch endpoint '${params.endpointName}' does not exist in workspace '${ws.workspace}'.`);
  const storage = new DataPlaneClient(clock, (m) => platform.info(m));
  const blobs = DatastoreBlobs.lazy(clients, ws, storage, (s) => platform.setSecret(s));
  const inputs: Record<string, BatchInput> = Object.fromEntries(Object.entries(batch.literals).map(([k, value]) => [k, { kind: 'literal', value }]));
  if (batch.input?.kind === 'local') {
    const up = await uploadLocal(await blobs(), batch.input.path, false);
    platform.info(`Input ${batch.input.path}: ${up.outcome} (${up.files} file(s)) as ${up.uri}.`);
    inputs[batch.inputName] = { kind: 'uri', type: fs.statSync(batch.input.path).isDirectory() ? 'UriFolder' : 'UriFile', uri: up.uri };
  } else if (batch.input) inputs[batch.inputName] = { kind: 'uri', type: batch.input.uri.endsWith('/') ? 'UriFolder' : 'UriFile', uri: batch.input.uri };
  const job = await invokeBatchEndpoint(clients, storage, endpoint, params.deploymentName, inputs);
  platform.setOutput('jobName', job.name);
  platform.info(
    `Invoked ${endpoint.name}${params.deploymentName ? ` (deployment ${params.deploymentName})` : ''}: job ${job.name}, ${studioJobUrl(ws, job.name)}`,
  );
  const done = await waitForJob(deps, clients, ws, job, batch.deadlineMs);
  const status = done.properties.status;
  if (status !== 'Completed') {
    const reason = await (await MlflowClient.forWorkspace(clients, ws)).failureReason(job.name).catch(() => undefined);
    throw new CheckFailedError(`Batch job ${job.name} ended ${status}${reason ? `: ${reason}` : ''}. Logs: ${studioJobUrl(ws, job.name)}`);
  }
  const folder = done.properties.outputs?.[batch.outputName]?.uri;
  if (!folder)
    throw new CheckFailedError(
      `Batch job ${job.name} has no output '${batch.outputName}' (it has: ${Object.keys(done.properties.outputs ?? {}).join(', ') || 'none'}).`,
    );
  const outputUri = `${folder.replace(/\/?$/, '/')}${batch.outputFile}`;
  platform.setOutput('outputUri', outputUri);
  const where = parseDatastoreUri(outputUri);
  const store = await blobs();
  if (!where || where.datastore !== store.datastore)
    throw new CheckFailedError(`Output ${outputUri} is not on the workspace's default datastore; this task reads outputs there.`);
  const text = (await store.exists(where.path)) ? (await store.get(where.path)).toString('utf8') : undefined;
  const rows = text === undefined ? [] : outputRows(text);
  const body = { rowCount: rows.length, rows };
  const checks = [
    check(`output ${batch.outputFile} exists`, text === undefined ? `${outputUri} was not written` : undefined),
    ...(batch.expectedRowCount !== undefined
      ? [check(`${batch.expectedRowCount} rows`, rows.length === batch.expectedRowCount ? undefined : `got ${rows.length}`)]
      : []),
    ...params.assertions.map((a: Assertion) => check(a.text, text === undefined ? 'no output to check' : evaluateAssertion(a, body))),
  ];
  for (const c of checks) platform.info(`${c.passed ? 'PASS' : 'FAIL'} ${c.name}: ${c.detail}`);
  platform.uploadSummary(
    'Smoke test',
    [
      `### Batch endpoint ${endpoint.name}: job ${job.name} ${status}`,
      '',
      `Output: ${outputUri} (${rows.length} rows)`,
      '',
      '| Check | Result |',
      '|---|---|',
      ...checks.map((c) => `| ${c.name} | ${c.passed ? 'pass' : `FAIL: ${c.detail}`} |`),
      '',
    ].join('\n'),
  );
  if (params.junitFile) {
    const target = {
      scoringUri: endpoint.properties.scoringUri ?? '',
      description: `batch endpoint '${endpoint.name}'`,
      authMode: 'aadToken' as const,
      headers: {},
    };
    fs.mkdirSync(path.dirname(path.resolve(params.junitFile)), { recursive: true });
    fs.writeFileSync(params.junitFile, junitXml({ target, attempts: [], checks, p50: 0, p95: 0, durationMs: clock.now() - started }), 'utf8');
    platform.info(`JUnit results written to ${params.junitFile}.`);
  }
  const failed = checks.filter((c) => !c.passed);
  if (failed.length) throw new CheckFailedError(`Batch smoke test of ${endpoint.name} failed: ${failed.map((c) => `${c.name} (${c.detail})`).join('; ')}`);
  return { outcome: 'Succeeded', message: `Batch job ${job.name} completed; ${rows.length} output rows passed ${checks.length} check(s).` };
}
