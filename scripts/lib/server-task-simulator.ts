import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Runs a server task (`HttpRequest` handler) as Azure Pipelines does: expands `$(...)` macros (task inputs,
 * `endpoint.*`, variables), then the mustache blocks (`{{#if x}}`, `{{#equals a b 1}}`, `{{#notEquals a b 1}}`,
 * `{{name}}`), sends Execute with the connection's token, and with WaitForCompletion waits for a TaskCompleted
 * event on a local plan-events endpoint (the run's System.CollectionUri).
 */
export interface SimulatedEndpoint {
  id: string;
  url: string;
  data: Record<string, string>;
  token: () => Promise<string> | string;
}

export type ServerTaskResult = 'Succeeded' | 'Failed' | 'Canceled' | 'TimedOut';

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

const RESULTS: Record<string, ServerTaskResult> = { succeeded: 'Succeeded', failed: 'Failed', canceled: 'Canceled', cancelled: 'Canceled' };

function lookup(map: Record<string, string>, key: string): string | undefined {
  const hit = Object.keys(map).find((k) => k.toLowerCase() === key.toLowerCase());
  return hit === undefined ? undefined : map[hit];
}

export class ServerTaskSimulator {
  readonly requests: SentRequest[] = [];
  readonly events: { body: Record<string, string>; authorized: boolean }[] = [];
  private server?: http.Server;
  private completed?: (result: ServerTaskResult) => void;
  private readonly inputs: Record<string, string> = {};
  private readonly variables: Record<string, string>;
  private readonly task: { inputs: { name: string; defaultValue?: string }[]; execution: { HttpRequest: { Execute: HttpSection; Cancel?: HttpSection } } };

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
      'system.AccessToken': `job-token-${Math.random().toString(36).slice(2)}`,
      'Build.BuildId': '101',
      'Build.BuildUri': 'vstfs:///Build/Build/101',
      ...variables,
    };
    for (const input of this.task.inputs) {
      const given = lookup(inputs, input.name);
      this.inputs[input.name] = given ?? input.defaultValue ?? '';
    }
    if (inputs.azureSubscription === undefined) this.inputs.azureSubscription = endpoint.id;
  }

  get accessToken(): string {
    return this.variables['system.AccessToken'];
  }

  /** `$(x)`: endpoint fields, task inputs, then variables; unknown macros stay as they are. */
  private macros(text: string): string {
    return text.replace(/\$\(([\w.]+)\)/g, (whole, name: string) => {
      const lower = name.toLowerCase();
      if (lower === 'endpoint.url') return this.endpoint.url;
      if (lower.startsWith('endpoint.')) return lookup(this.endpoint.data, name.slice(9)) ?? whole;
      const input = lookup(this.inputs, name);
      if (input !== undefined) return this.macros(input);
      return lookup(this.variables, name) ?? whole;
    });
  }

  private context(name: string): string {
    return lookup(this.inputs, name) ?? lookup(this.endpoint.data, name) ?? '';
  }

  private mustache(text: string): string {
    const block = /\{\{#(if|equals|notEquals)\s+([^}]*)\}\}((?:(?!\{\{#)[\s\S])*?)\{\{\/\1\}\}/;
    let out = text;
    for (let m = block.exec(out); m; m = block.exec(out)) {
      const [whole, helper, rawArgs, content] = m;
      const args = [...rawArgs.matchAll(/'([^']*)'|(\S+)/g)].map((a) => a[1] ?? a[2]);
      let keep: boolean;
      if (helper === 'if') keep = this.context(args[0]) !== '';
      else {
        const ignoreCase = args[2] === '1';
        const same = ignoreCase ? args[0].toLowerCase() === args[1].toLowerCase() : args[0] === args[1];
        keep = helper === 'equals' ? same : !same;
      }
      out = out.replace(whole, keep ? content : '');
    }
    return out.replace(/\{\{\{?\s*([\w.]+)\s*\}?\}\}/g, (_, name: string) => this.context(name));
  }

  render(template: string | undefined): string {
    return this.mustache(this.macros(template ?? ''));
  }

  private async startPlanEvents(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const expected = `Basic ${Buffer.from(`:${this.accessToken}`).toString('base64')}`;
        const path = `/${this.variables['system.TeamProjectId']}/_apis/distributedtask/hubs/${this.variables['system.HostType']}/plans/${this.variables['system.PlanId']}/events`;
        const authorized = req.headers.authorization === expected;
        if (req.method !== 'POST' || !(req.url ?? '').startsWith(path)) {
          res.writeHead(404).end();
          return;
        }
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, string>;
        this.events.push({ body, authorized });
        res.writeHead(authorized ? 200 : 401).end();
        if (
          authorized &&
          body.name === 'TaskCompleted' &&
          body.taskId === this.variables['system.TaskInstanceId'] &&
          body.jobId === this.variables['system.JobId']
        ) {
          this.completed?.(RESULTS[String(body.result).toLowerCase()] ?? 'Failed');
        }
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.variables['system.CollectionUri'] = `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}/`;
  }

  private async send(section: HttpSection): Promise<SentRequest> {
    const headers: Record<string, string> = JSON.parse(this.render(section.Headers) || '{}');
    if (section.EndpointId) headers.Authorization = `Bearer ${await this.endpoint.token()}`;
    const method = this.render(section.Method).trim();
    const url = this.render(section.EndpointUrl).trim();
    const body = this.render(section.Body);
    const res = await fetch(url, { method, headers, body: body === '' ? undefined : body });
    const sent = { method, url, headers, body, status: res.status, responseBody: await res.text() };
    this.requests.push(sent);
    return sent;
  }

  /**
   * Runs Execute and, with WaitForCompletion, waits up to `timeoutMs` for the callback. A failed request fails
   * the task with the service's message, as the server does.
   */
  async run(timeoutMs: number, whileWaiting?: (sim: ServerTaskSimulator) => Promise<void>): Promise<{ result: ServerTaskResult; message: string }> {
    await this.startPlanEvents();
    try {
      const execute = this.task.execution.HttpRequest.Execute;
      const done = new Promise<ServerTaskResult>((resolve) => (this.completed = resolve));
      const sent = await this.send(execute);
      if (sent.status >= 400) {
        let message = sent.responseBody;
        try {
          message = (JSON.parse(sent.responseBody) as { error?: { message?: string } }).error?.message ?? message;
        } catch {
          // not JSON: keep the text
        }
        return { result: 'Failed', message: `${sent.method} ${sent.url.split('?')[0]} answered ${sent.status}: ${message}` };
      }
      if (execute.WaitForCompletion !== 'true') return { result: 'Succeeded', message: 'request sent' };
      if (whileWaiting) await whileWaiting(this);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<ServerTaskResult>((resolve) => (timer = setTimeout(() => resolve('TimedOut'), timeoutMs)));
      const result = await Promise.race([done, timeout]);
      clearTimeout(timer);
      return { result, message: result === 'TimedOut' ? `no TaskCompleted event within ${timeoutMs} ms` : `TaskCompleted: ${result}` };
    } finally {
      this.server?.close();
    }
  }

  /** Cancel from the pipeline side: sends the Cancel section; the server then ends the task Canceled. */
  async cancel(): Promise<SentRequest | undefined> {
    const section = this.task.execution.HttpRequest.Cancel;
    const sent = section ? await this.send(section) : undefined;
    this.completed?.('Canceled');
    return sent;
  }
}
