import { studioEndpointUrl } from '../../../shared/aml/studio';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { getEndpointKey, getEndpointResource, getEndpointToken, type EndpointAuthMode } from '../../../shared/aml/online-endpoints';
import { checkWorkspace } from '../../../shared/aml/workspace';
import { isNotFound, toAzureError } from '../../../shared/azure/arm-error';
import { retryAfterMs } from '../../../shared/azure/retry-policy';
import { getContainerGroup } from '../../../shared/deploy/container-groups';
import { AzureError, CheckFailedError, InputError, TimeoutError } from '../../../shared/errors';
import type { RunResult } from '../../../shared/run-task';
import { evaluateAssertion } from '../../../shared/scoring/assertions';
import { ScoringNetworkError, sendScoringRequest, type ScoringResponse } from '../../../shared/scoring/http';
import { percentile, round1 } from '../../../shared/scoring/latency';
import { traceparentFor } from './traceparent';
import type { OutputName } from '../contract.generated';
import type { TaskDeps } from '../../../shared/task-deps';
import type { AuthMode, SmokeTestParams } from './inputs';
import { runBatch } from './batch-smoke';
import { junitXml, summaryMarkdown, type Attempt, type Check, type ResolvedTarget } from './report';

const AUTH_BY_ENDPOINT_MODE: Record<EndpointAuthMode, Exclude<AuthMode, 'auto'>> = { Key: 'key', AMLToken: 'amlToken', AADToken: 'aadToken' };
const NOT_READY = new Set([404, 429, 502, 503]);
const ML_SCOPE = 'https://ml.azure.com/.default';

async function resolveTarget(params: SmokeTestParams, deps: TaskDeps<OutputName>): Promise<ResolvedTarget> {
  const { platform } = deps;
  const clients = params.connection ? deps.arm(params.connection) : undefined;
  let scoringUri: string;
  let description: string;
  let authMode = params.authMode;
  let studioUrl: string | undefined;
  const headers: Record<string, string> = {};
  if (params.target === 'onlineEndpoint' && clients && params.workspace && params.endpointName) {
    await checkWorkspace(clients, params.workspace);
    const endpoint = await getEndpointResource(clients, params.workspace, params.endpointName);
    if (!endpoint)
      throw new InputError('endpointName', `online endpoint '${params.endpointName}' does not exist in workspace '${params.workspace.workspace}'.`);
    if (!endpoint.properties.scoringUri)
      throw new AzureError(`Online endpoint '${endpoint.name}' has no scoring URI yet (state: ${endpoint.properties.provisioningState ?? 'unknown'}).`);
    scoringUri = endpoint.properties.scoringUri;
    description = `online endpoint '${endpoint.name}'${params.deploymentName ? `, deployment '${params.deploymentName}'` : ''}`;
    if (authMode === 'auto') authMode = AUTH_BY_ENDPOINT_MODE[endpoint.properties.authMode] ?? 'key';
    if (params.deploymentName) headers['azureml-model-deployment'] = params.deploymentName;
    studioUrl = studioEndpointUrl(params.workspace, endpoint.name);
  } else if (params.target === 'containerGroup' && clients && params.containerGroup) {
    const ref = params.containerGroup;
    const group = await getContainerGroup(clients, ref).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
      if ((err as { details?: { code?: string } }).details?.code === 'ResourceGroupNotFound')
        throw new InputError('resourceGroupName', `resource group '${ref.resourceGroup}' does not exist, or the service connection cannot see it.`);
      throw new InputError('containerGroupName', `container group '${ref.name}' does not exist in resource group '${ref.resourceGroup}'.`);
    });
    scoringUri = `http://${group.host}:${group.port}/score`;
    description = `container group '${params.containerGroup.name}' (${group.state ?? group.provisioningState ?? 'state unknown'})`;
  } else {
    scoringUri = params.scoringUri as string;
    description = 'scoring URI';
  }
  if (authMode === 'auto') authMode = params.apiKey ? 'key' : 'none';

  let credential: string | undefined;
  if (authMode === 'key') {
    credential =
      params.apiKey ?? (clients && params.workspace && params.endpointName ? await getEndpointKey(clients, params.workspace, params.endpointName) : undefined);
  } else if (authMode === 'amlToken' && clients && params.workspace && params.endpointName) {
    credential = await getEndpointToken(clients, params.workspace, params.endpointName);
  } else if (authMode === 'aadToken' && clients) {
    try {
      credential = (await clients.credential.getToken(ML_SCOPE))?.token;
    } catch (err) {
      throw toAzureError(`Get an Entra token for ${ML_SCOPE}`, err);
    }
  }
  if (credential) {
    platform.setSecret(credential);
    headers.authorization = `Bearer ${credential}`;
  }
  return { scoringUri, description, authMode, headers, studioUrl };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 297)}...` : flat;
}

async function send(params: SmokeTestParams, target: ResolvedTarget, index: number): Promise<Attempt> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', ...params.headers, ...target.headers };
  if (params.trace) headers.traceparent = traceparentFor(params.trace);
  try {
    const res: ScoringResponse = await sendScoringRequest({
      url: target.scoringUri,
      method: 'POST',
      headers,
      body: params.payload,
      timeoutMs: params.timeoutMs,
    });
    const retryAfter = retryAfterMs({ get: (name) => res.headers[name] as string | undefined }, Date.now());
    return { index, status: res.status, latencyMs: res.latencyMs, bodyText: res.bodyText, body: parseJson(res.bodyText), retryAfterMs: retryAfter };
  } catch (err) {
    const e = err as ScoringNetworkError;
    return { index, status: 0, latencyMs: e.latencyMs ?? 0, bodyText: '', error: `${e.code ?? 'ERROR'}: ${e.message}` };
  }
}

function describeAttempt(a: Attempt): string {
  return a.error ?? `HTTP ${a.status}${a.bodyText ? ` ${snippet(a.bodyText)}` : ''}`;
}

/** Sends the payload until the endpoint answers with something other than "not ready yet", or the deadline. */
async function waitUntilReady(params: SmokeTestParams, target: ResolvedTarget, deps: TaskDeps<OutputName>): Promise<Attempt> {
  const { clock, platform } = deps;
  const started = clock.now();
  for (let attempt = 1; ; attempt++) {
    const result = await send(params, target, 0);
    if (!result.error && !NOT_READY.has(result.status)) return result;
    const elapsed = clock.now() - started;
    const remaining = params.readyDeadlineMs - elapsed;
    if (remaining <= 0) {
      throw new TimeoutError(
        `The ${target.description} at ${target.scoringUri} was not ready within ${Math.round(params.readyDeadlineMs / 1000)} s ` +
          `(${attempt} attempt(s)); last answer: ${describeAttempt(result)}.`,
      );
    }
    const backoff = Math.min(10_000, 1_000 * 2 ** (attempt - 1));
    const wait = Math.min(remaining, result.retryAfterMs ?? backoff);
    platform.info(`Not ready yet: ${describeAttempt(result)}; trying again in ${(wait / 1000).toFixed(1)} s (${Math.round(elapsed / 1000)} s elapsed).`);
    await clock.sleep(wait);
  }
}

function evaluate(params: SmokeTestParams, attempts: Attempt[]): { checks: Check[]; p50: number; p95: number } {
  const checks: Check[] = [];
  const badStatus = attempts.filter((a) => !params.expectedStatus.includes(a.status));
  checks.push({
    name: `status is ${params.expectedStatus.join(' or ')}`,
    passed: badStatus.length === 0,
    detail: badStatus.length
      ? badStatus.map((a) => `request ${a.index}: ${describeAttempt(a)}`).join('; ')
      : `${attempts.length} of ${attempts.length} requests`,
  });
  for (const assertion of params.assertions) {
    const failures = attempts
      .map((a) => ({ a, why: a.body === undefined ? `the response is not JSON (${describeAttempt(a)})` : evaluateAssertion(assertion, a.body) }))
      .filter((f) => f.why !== undefined);
    checks.push({
      name: assertion.text,
      passed: failures.length === 0,
      detail: failures.length ? failures.map((f) => `request ${f.a.index}: ${f.why}`).join('; ') : 'holds on every response',
    });
  }
  const latencies = attempts.filter((a) => !a.error).map((a) => a.latencyMs);
  const p50 = round1(percentile(latencies, 0.5));
  const p95 = round1(percentile(latencies, 0.95));
  if (params.maxLatencyMs !== undefined) {
    checks.push({
      name: `p95 latency <= ${params.maxLatencyMs} ms`,
      passed: latencies.length > 0 && p95 <= params.maxLatencyMs,
      detail: latencies.length ? `p95 ${p95} ms over ${latencies.length} requests` : 'no request got an answer',
    });
  }
  return { checks, p50, p95 };
}

export async function run(params: SmokeTestParams, deps: TaskDeps<OutputName>): Promise<RunResult> {
  if (params.batch) return runBatch(params, params.batch, deps);
  const { platform } = deps;
  const target = await resolveTarget(params, deps);
  platform.info(`Smoke testing ${target.description}: POST ${target.scoringUri} (auth: ${target.authMode}).`);
  if (params.trace) platform.info(`Trace id: ${params.trace.traceId}`);

  const started = deps.clock.now();
  await waitUntilReady(params, target, deps);
  platform.info(`Ready after ${((deps.clock.now() - started) / 1000).toFixed(1)} s. Sending ${params.requestCount} request(s).`);

  const attempts: Attempt[] = [];
  for (let i = 1; i <= params.requestCount; i++) {
    const attempt = await send(params, target, i);
    attempts.push(attempt);
    platform.debug(`request ${i}: ${describeAttempt(attempt)} in ${attempt.latencyMs.toFixed(1)} ms`);
  }
  const { checks, p50, p95 } = evaluate(params, attempts);
  const last = attempts[attempts.length - 1];

  platform.setOutput('statusCode', String(last.status));
  platform.setOutput('latencyP50Ms', String(p50));
  platform.setOutput('latencyP95Ms', String(p95));
  for (const check of checks) platform.info(`${check.passed ? 'PASS' : 'FAIL'} ${check.name}: ${check.detail}`);
  const report = { target, attempts, checks, p50, p95, traceId: params.trace?.traceId, durationMs: deps.clock.now() - started };
  platform.uploadSummary('Smoke test', summaryMarkdown(report));
  if (params.junitFile) {
    fs.mkdirSync(path.dirname(path.resolve(params.junitFile)), { recursive: true });
    fs.writeFileSync(params.junitFile, junitXml(report), 'utf8');
    platform.info(`JUnit results written to ${params.junitFile}.`);
  }

  const failed = checks.filter((c) => !c.passed);
  if (failed.length) {
    throw new CheckFailedError(`Smoke test of ${target.scoringUri} failed: ${failed.map((c) => `${c.name} (${c.detail})`).join('; ')}`);
  }
  return { outcome: 'Succeeded', message: `${attempts.length} request(s) passed ${checks.length} check(s); p50 ${p50} ms, p95 ${p95} ms.` };
}
