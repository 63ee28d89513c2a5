import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDatastoreUri } from '../../../shared/aml/datastore-blobs';
import { readArmConnection, type ArmConnection } from '../../../shared/azure/connection';
import { readWorkspace, type WorkspaceRef } from '../../../shared/aml/workspace';
import type { ContainerGroupRef } from '../../../shared/deploy/container-groups';
import { InputError } from '../../../shared/errors';
import type { InputName } from '../contract.generated';
import type { TaskInputs } from '../../../shared/platform/inputs';
import { AssertionSyntaxError, parseAssertion, type Assertion } from '../../../shared/scoring/assertions';
import { newTrace, parseTraceparent, type TraceContext } from './traceparent';

export const TARGETS = ['onlineEndpoint', 'containerGroup', 'url', 'batchEndpoint'] as const;
export const AUTH_MODES = ['auto', 'key', 'amlToken', 'aadToken', 'none'] as const;
export type Target = (typeof TARGETS)[number];
export type AuthMode = (typeof AUTH_MODES)[number];

export interface SmokeTestParams {
  target: Target;
  connection?: ArmConnection;
  workspace?: WorkspaceRef;
  endpointName?: string;
  deploymentName?: string;
  containerGroup?: ContainerGroupRef;
  scoringUri?: string;
  apiKey?: string;
  authMode: AuthMode;
  payload: string;
  headers: Record<string, string>;
  expectedStatus: number[];
  assertions: Assertion[];
  requestCount: number;
  maxLatencyMs?: number;
  timeoutMs: number;
  readyDeadlineMs: number;
  /** Undefined when traceparent is `none`. */
  trace?: TraceContext;
  junitFile?: string;
  /** target batchEndpoint: the input, the output to check, the job's deadline. */
  batch?: BatchSmoke;
}

/** A batch smoke test: a small input, the job it starts, and the output file it must write. */
export interface BatchSmoke {
  input?: { kind: 'local'; path: string } | { kind: 'uri'; uri: string };
  literals: Record<string, string>;
  inputName: string;
  outputName: string;
  outputFile: string;
  expectedRowCount?: number;
  deadlineMs: number;
}

export function readBatchSmoke(inputs: TaskInputs<InputName>): BatchSmoke {
  const literals = inputs.keyValues('batchLiterals');
  const raw = Object.keys(literals).length ? inputs.optionalString('batchInput') : inputs.requiredString('batchInput');
  let input: BatchSmoke['input'];
  if (!raw) input = undefined;
  else if (raw.startsWith('azureml://')) {
    if (!parseDatastoreUri(raw))
      throw new InputError(
        'batchInput',
        `'${raw}' is not a datastore path; use azureml://datastores/<name>/paths/<path>, or a file or folder in the repository.`,
      );
    input = { kind: 'uri', uri: raw };
  } else {
    const full = path.resolve(raw);
    if (!fs.existsSync(full))
      throw new InputError('batchInput', `'${raw}' does not exist: give a file or folder in the repository, or an azureml://datastores/... URI.`);
    input = { kind: 'local', path: full };
  }
  return {
    input,
    literals,
    inputName: inputs.optionalString('batchInputName') ?? 'input_data',
    outputName: inputs.optionalString('outputName') ?? 'score',
    outputFile: inputs.optionalString('outputFile') ?? 'predictions.csv',
    expectedRowCount: inputs.optionalInt('expectedRowCount', { min: 0 }),
    deadlineMs: inputs.int('jobDeadlineMinutes', 30, { min: 1, max: 2880 }) * 60_000,
  };
}

function readPayload(inputs: TaskInputs<InputName>): string {
  const file = inputs.existingFile('payloadFile', false);
  const inline = inputs.optionalString('payload');
  if (file && inline) throw new InputError('payload', "give the request body in 'payload' or in 'payloadFile', not both.");
  if (!file && !inline) throw new InputError('payload', "a request body is required: set 'payload' (inline JSON) or 'payloadFile'.");
  const text = file ? fs.readFileSync(file, 'utf8') : (inline as string);
  const name = file ? 'payloadFile' : 'payload';
  try {
    JSON.parse(text);
  } catch (err) {
    throw new InputError(name, `the request body is not valid JSON (${(err as Error).message}).`);
  }
  return text;
}

function readExpectedStatus(inputs: TaskInputs<InputName>): number[] {
  const raw = inputs.optionalString('expectedStatus') ?? '200';
  const codes = raw.split(/[,\s]+/).filter(Boolean);
  if (!codes.length || !codes.every((c) => /^[1-5]\d\d$/.test(c))) {
    throw new InputError('expectedStatus', `'${raw}' is not valid; expected HTTP status codes (100-599), comma-separated, e.g. 200 or 200,201.`);
  }
  return codes.map(Number);
}

function readAssertions(inputs: TaskInputs<InputName>): Assertion[] {
  return inputs.lines('assertions').map(({ line, text }) => {
    try {
      return parseAssertion(text, line);
    } catch (err) {
      if (err instanceof AssertionSyntaxError) throw new InputError('assertions', err.message);
      throw err;
    }
  });
}

function readTrace(inputs: TaskInputs<InputName>): TraceContext | undefined {
  const raw = inputs.optionalString('traceparent') ?? 'auto';
  if (raw.toLowerCase() === 'auto') return newTrace();
  if (raw.toLowerCase() === 'none') return undefined;
  const parsed = parseTraceparent(raw);
  if (!parsed) throw new InputError('traceparent', `'${raw}' is not valid; use auto, none, or a W3C header such as 00-<32 hex>-<16 hex>-01.`);
  return parsed;
}

function readScoringUri(inputs: TaskInputs<InputName>): string {
  const uri = inputs.requiredString('scoringUri');
  let parsed: URL | undefined;
  try {
    parsed = new URL(uri);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !['http:', 'https:'].includes(parsed.protocol)) {
    throw new InputError('scoringUri', `'${uri}' is not an http or https URL.`);
  }
  return uri;
}

export function readInputs(inputs: TaskInputs<InputName>): SmokeTestParams {
  const target = inputs.enumOf('target', TARGETS, 'onlineEndpoint');
  const authMode = inputs.enumOf('authMode', AUTH_MODES, 'auto');
  if (target === 'batchEndpoint' && !['auto', 'aadToken'].includes(authMode))
    throw new InputError('authMode', "a batch endpoint takes Entra tokens only: use auto or aadToken with target 'batchEndpoint'.");
  if (authMode === 'amlToken' && target !== 'onlineEndpoint') {
    throw new InputError('authMode', "amlToken is available only with target 'onlineEndpoint' (the token comes from the endpoint).");
  }
  const needsConnection = target !== 'url' || authMode === 'aadToken';
  const connection = needsConnection ? readArmConnection(inputs) : undefined;
  const params: SmokeTestParams = {
    target,
    connection,
    authMode,
    apiKey: target === 'onlineEndpoint' || target === 'batchEndpoint' ? undefined : inputs.secret('apiKey'),
    payload: target === 'batchEndpoint' ? '' : readPayload(inputs),
    headers: inputs.keyValues('headers'),
    expectedStatus: readExpectedStatus(inputs),
    assertions: readAssertions(inputs),
    requestCount: inputs.int('requestCount', 1, { min: 1, max: 10_000 }),
    maxLatencyMs: inputs.optionalInt('maxLatencyMs', { min: 1 }),
    timeoutMs: inputs.int('timeoutSeconds', 30, { min: 1, max: 600 }) * 1000,
    readyDeadlineMs: inputs.int('readyDeadlineSeconds', 300, { min: 0, max: 7200 }) * 1000,
    trace: readTrace(inputs),
    junitFile: inputs.optionalString('junitFile'),
  };
  if (authMode === 'key' && target !== 'onlineEndpoint' && !params.apiKey) {
    throw new InputError('apiKey', "authMode 'key' needs the key for this target in 'apiKey'.");
  }
  if (target === 'batchEndpoint' && connection) {
    for (const name of ['payload', 'payloadFile', 'maxLatencyMs'] as const)
      if (inputs.optionalString(name))
        throw new InputError(
          name,
          "does not apply to target 'batchEndpoint': a batch job takes its input from 'batchInput' (and 'batchLiterals') and is checked on its output file.",
        );
    params.workspace = readWorkspace(inputs, connection);
    params.endpointName = inputs.requiredString('endpointName');
    params.deploymentName = inputs.optionalString('deploymentName');
    params.batch = readBatchSmoke(inputs);
  } else if (target === 'onlineEndpoint' && connection) {
    params.workspace = readWorkspace(inputs, connection);
    params.endpointName = inputs.requiredString('endpointName');
    params.deploymentName = inputs.optionalString('deploymentName');
  } else if (target === 'containerGroup' && connection) {
    const resourceGroup = inputs.optionalString('resourceGroupName') ?? connection.resourceGroup;
    if (!resourceGroup) throw new InputError('resourceGroupName', 'is required: the resource group of the container group.');
    params.containerGroup = { subscriptionId: connection.subscriptionId, resourceGroup, name: inputs.requiredString('containerGroupName') };
  } else {
    params.scoringUri = readScoringUri(inputs);
  }
  return params;
}
