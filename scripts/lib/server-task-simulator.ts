import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { validInput } from './input-validation';
import { MustacheError, renderMustache } from './mustache';

/**
 * Runs a server task (`HttpRequest` handler) as Azure Pipelines does. Each rule says where it comes from:
 * [documented] by Microsoft's docs, shipped server tasks or the server's engine copies (see mustache.ts),
 * [assumed] where no public evidence exists and a live run (samples/pipelines/live-check.yml) must confirm it.
 *
 * - Inputs: given values, else the task.json default trimmed; `$(...)` macros in them expanded once, from
 *   variables, when the task is created. [documented: Job.CreateTask]
 * - Sections: macros first (`$(endpoint.url)`, `$(endpoint.<data>)`, inputs, then variables; unknown stay as
 *   text), then mustache on the result against the inputs and the connection's data (`{{subscriptionId}}`).
 *   [documented order: macros inside quoted helper arguments; input-over-variable precedence assumed]
 * - Execute must answer within 20 s, or the task fails. [documented: tasks#8655]
 * - A non-2xx Execute answer fails the task with the service's message. [assumed for callback mode]
 * - With WaitForCompletion the task waits for TaskCompleted on the plan's events route, Basic or Bearer auth with
 *   the job token, every TaskResult value; an unknown result is refused with 400. [documented: events API;
 *   Bearer assumed from docs#7166]
 * - The task timeout cancels the task: the Cancel section is sent, the result is Canceled. [documented: the task
 *   is canceled; that Cancel is sent then is assumed]
 * - A callback that arrives before the Execute answer still counts. [assumed]
 */
export interface SimulatedEndpoint {
  id: string;
  url: string;
  data: Record<string, string>;
  token: () => Promise<string> | string;
}

export type ServerTaskResult = 'Succeeded' | 'SucceededWithIssues' | 'Failed' | 'Canceled' | 'Skipped' | 'Abandoned';

export interface SentRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  status: number;
  responseBody: string;
}

interface HttpSection {
  EndpointId?: string;
  EndpointUrl: string;
  Method: string;
  Body?: string;
  Headers?: string;
  WaitForCompletion?: string;
}

/** TaskResult as the events API takes it (case-insensitive). */
const RESULTS: Record<string, ServerTaskResult> = {
  succeeded: 'Succeeded',
  succeededwithissues: 'SucceededWithIssues',
  failed: 'Failed',
  canceled: 'Canceled',
  skipped: 'Skipped',
  abandoned: 'Abandoned',
};

/** How long the server waits for the Execute call to answer. */
export const EXECUTE_LIMIT_MS = 20_000;

function lookup(map: Record<string, string>, key: string): string | undefined {
  const hit = Object.keys(map).find((k) => k.toLowerCase() === key.toLowerCase());
  return hit === undefined ? undefined : map[hit];
}

class ExecuteTimeout extends Error {}

export class ServerTaskSimulator {
  readonly requests: SentRequest[] = [];
  readonly events: { body: Record<string, string>; authorized: boolean; status: number }[] = [];
  /** Milliseconds the Execute call may take; the tests shorten it. */
  executeLimitMs = EXECUTE_LIMIT_MS;
  private server?: http.Server;
  private completed?: (result: ServerTaskResult) => void;
  private readonly inputs: Record<string, string> = {};
  private readonly variables: Record<string, string>;
  private readonly task: {
    inputs: { name: string; defaultValue?: string; validation?: { expression: string; message: string } }[];
    execution: { HttpRequest: { Execute: HttpSection; Cancel?: HttpSection } };
  };

  constructor(
    taskJsonFile: string,
    inputs: Record<string, string>,
    private readonly endpoint: SimulatedEndpoint,
    variables: Record<string, string> = {},
  ) {
    this.task = JSON.parse(fs.readFileSync(taskJsonFile, 'utf8'));
    this.variables = {
      'system.TeamProjectId': 'project-1',
      'system.HostType': 'build',
      'system.PlanId': '7f1c6e52-9a3b-4d5e-8f21-0c4b6a7d8e90',
      'system.JobId': '3a7e60dc-c5b0-5009-86eb-0f217c12e2ea',
      'system.JobAttempt': '1',
      'system.TimelineId': '5b0c1d2e-3f40-4a5b-9c6d-7e8f90a1b2c3',
      'system.TaskInstanceId': '61153303-347e-5f06-a6a1-ce2102bd68eb',
      'system.AccessToken': `job-token-${randomBytes(24).toString('base64url')}`,
      'Build.BuildId': '101',
      'Build.BuildUri': 'vstfs:///Build/Build/101',
      ...variables,
    };
    for (const input of this.task.inputs) {
      const raw = lookup(inputs, input.name) ?? input.defaultValue?.trim() ?? '';
      this.inputs[input.name] = raw.replace(/\$\(([\w.]+)\)/g, (whole, name: string) => lookup(this.variables, name) ?? whole);
    }
    if (inputs.azureSubscription === undefined) this.inputs.azureSubscription = endpoint.id;
  }

  get accessToken(): string {
    return this.variables['system.AccessToken'];
  }

  /** Where Azure ML raises this task's events (the plan's events route), once the run has started. */
  get eventsUrl(): string {
    const v = this.variables;
    return `${v['system.CollectionUri']}${v['system.TeamProjectId']}/_apis/distributedtask/hubs/${v['system.HostType']}/plans/${v['system.PlanId']}/events?api-version=7.1`;
  }

  /** The ids a TaskCompleted event for this task carries. */
  get taskIds(): { taskId: string; jobId: string } {
    return { taskId: this.variables['system.TaskInstanceId'], jobId: this.variables['system.JobId'] };
  }

  /** `$(x)`: endpoint fields, task inputs (expanded once already), then variables; unknown macros stay as text. */
  private macros(text: string): string {
    return text.replace(/\$\(([\w.]+)\)/g, (whole, name: string) => {
      const lower = name.toLowerCase();
      if (lower === 'endpoint.url') return this.endpoint.url;
      if (lower.startsWith('endpoint.')) return lookup(this.endpoint.data, name.slice(9)) ?? whole;
      return lookup(this.inputs, name) ?? lookup(this.variables, name) ?? whole;
    });
  }

  render(template: string | undefined): string {
    return renderMustache(this.macros(template ?? ''), { ...this.endpoint.data, ...this.inputs });
  }

  private async startPlanEvents(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.onEvent(req, res, Buffer.concat(chunks).toString('utf8')));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.variables['system.CollectionUri'] = `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}/`;
  }

  private onEvent(req: http.IncomingMessage, res: http.ServerResponse, text: string): void {
    const token = this.accessToken;
    const path = `/${this.variables['system.TeamProjectId']}/_apis/distributedtask/hubs/${this.variables['system.HostType']}/plans/${this.variables['system.PlanId']}/events`;
    if (req.method !== 'POST' || !(req.url ?? '').startsWith(path)) {
      res.writeHead(404).end();
      return;
    }
    const auth = req.headers.authorization ?? '';
    const authorized = auth === `Basic ${Buffer.from(`:${token}`).toString('base64')}` || auth === `Bearer ${token}`;
    const body = JSON.parse(text || '{}') as Record<string, string>;
    const result = body.name === 'TaskCompleted' ? RESULTS[String(body.result).toLowerCase()] : undefined;
    const status = !authorized ? 401 : body.name === 'TaskCompleted' && !result ? 400 : 200;
    this.events.push({ body, authorized, status });
    res.writeHead(status).end();
    if (status === 200 && result && body.taskId === this.variables['system.TaskInstanceId'] && body.jobId === this.variables['system.JobId']) {
      this.completed?.(result);
    }
  }

  private async send(section: HttpSection, limitMs?: number): Promise<SentRequest> {
    const headers: Record<string, string> = JSON.parse(this.render(section.Headers) || '{}');
    if (section.EndpointId) headers.Authorization = `Bearer ${await this.endpoint.token()}`;
    const method = this.render(section.Method).trim();
    const url = this.render(section.EndpointUrl).trim();
    const body = this.render(section.Body);
    const signal = limitMs === undefined ? undefined : AbortSignal.timeout(limitMs);
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body: body === '' ? undefined : body, signal });
    } catch (err) {
      if ((err as Error).name === 'TimeoutError') throw new ExecuteTimeout(`${method} ${url.split('?')[0]} did not answer within ${limitMs} ms`);
      throw err;
    }
    const sent = { method, url, headers, body, status: res.status, responseBody: await res.text() };
    this.requests.push(sent);
    return sent;
  }

  /** The first input whose task.json validation fails, as the server reports it (nothing is sent). */
  private invalidInput(): string | undefined {
    for (const input of this.task.inputs) {
      if (input.validation && !validInput(input.validation.expression, this.inputs[input.name] ?? ''))
        return `Input '${input.name}': ${input.validation.message}`;
    }
    return undefined;
  }

  /**
   * Runs Execute and, with WaitForCompletion, waits up to `timeoutMs` (the task timeout) for the callback. A failed
   * request or template fails the task with its message; the timeout cancels the task through the Cancel section.
   */
  async run(timeoutMs: number, whileWaiting?: (sim: ServerTaskSimulator) => Promise<void>): Promise<{ result: ServerTaskResult; message: string }> {
    const invalid = this.invalidInput();
    if (invalid) return { result: 'Failed', message: invalid };
    await this.startPlanEvents();
    try {
      const execute = this.task.execution.HttpRequest.Execute;
      const done = new Promise<ServerTaskResult>((resolve) => (this.completed = resolve));
      const sent = await this.send(execute, this.executeLimitMs);
      if (sent.status < 200 || sent.status >= 300)
        return { result: 'Failed', message: `${sent.method} ${sent.url.split('?')[0]} answered ${sent.status}: ${errorText(sent.responseBody)}` };
      if (execute.WaitForCompletion !== 'true') return { result: 'Succeeded', message: 'request sent' };
      if (whileWaiting) await whileWaiting(this);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
      const result = await Promise.race([done, timeout]);
      clearTimeout(timer);
      if (result !== 'timeout') return { result, message: `TaskCompleted: ${result}` };
      const cancel = await this.sendCancel();
      return {
        result: 'Canceled',
        message: `no TaskCompleted event within the task timeout (${timeoutMs} ms): the task was canceled${cancel ? ` and Cancel sent (${cancel.status})` : ''}`,
      };
    } catch (err) {
      if (err instanceof MustacheError || err instanceof ExecuteTimeout) return { result: 'Failed', message: err.message };
      throw err;
    } finally {
      this.server?.close();
    }
  }

  private async sendCancel(): Promise<SentRequest | undefined> {
    const section = this.task.execution.HttpRequest.Cancel;
    return section ? this.send(section) : undefined;
  }

  /** Cancel from the pipeline side: sends the Cancel section; the server then ends the task Canceled. */
  async cancel(): Promise<SentRequest | undefined> {
    const sent = await this.sendCancel();
    this.completed?.('Canceled');
    return sent;
  }
}

/** The ARM error message of a response body, or the body. */
function errorText(body: string): string {
  try {
    return (JSON.parse(body) as { error?: { message?: string } }).error?.message ?? body;
  } catch {
    return body;
  }
}
