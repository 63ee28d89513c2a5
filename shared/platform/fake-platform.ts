import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError } from '../errors';
import type { EndpointAuth, Platform, TaskOutcome } from './platform';

export interface FakeEndpoint {
  url?: string;
  scheme?: string;
  auth?: Record<string, string>;
  data?: Record<string, string>;
}

export interface FakePlatformOptions {
  inputs?: Record<string, string>;
  variables?: Record<string, string>;
  endpoints?: Record<string, FakeEndpoint>;
  tempDir?: string;
}

export interface LogLine {
  level: 'debug' | 'info' | 'warning' | 'error' | 'group' | 'endgroup';
  message: string;
}

function lookup(map: Record<string, string> | undefined, key: string): string | undefined {
  if (!map) return undefined;
  const hit = Object.keys(map).find((k) => k.toLowerCase() === key.toLowerCase());
  return hit === undefined ? undefined : map[hit];
}

/** In-memory platform for in-process tests: records outputs, secrets, logs, summaries and the result. */
export class FakePlatform implements Platform {
  readonly outputs = new Map<string, string>();
  readonly secrets = new Set<string>();
  readonly logs: LogLine[] = [];
  readonly summaries: { title: string; markdown: string }[] = [];
  result: { outcome: TaskOutcome; message: string } | undefined;
  private readonly scratch: string;

  constructor(private readonly options: FakePlatformOptions = {}) {
    this.scratch = options.tempDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'fake-platform-'));
  }

  input(name: string, required: boolean): string | undefined {
    const value = lookup(this.options.inputs, name);
    if (required && !value) throw new InputError(name, 'is required but has no value.');
    return value;
  }

  secretInput(name: string): string | undefined {
    return lookup(this.options.inputs, name);
  }

  variable(name: string): string | undefined {
    return lookup(this.options.variables, name);
  }

  private endpoint(id: string): FakeEndpoint {
    return this.options.endpoints?.[id] ?? {};
  }

  endpointUrl(id: string): string | undefined {
    return this.endpoint(id).url;
  }

  endpointAuth(id: string): EndpointAuth | undefined {
    const e = this.endpoint(id);
    return e.scheme || e.auth ? { scheme: e.scheme ?? '', parameters: e.auth ?? {} } : undefined;
  }

  endpointDataParameter(id: string, key: string): string | undefined {
    return lookup(this.endpoint(id).data, key);
  }

  setOutput(name: string, value: string): void {
    this.outputs.set(name, value);
  }

  setSecret(value: string): void {
    if (value) this.secrets.add(value);
  }

  debug(message: string): void {
    this.logs.push({ level: 'debug', message });
  }

  info(message: string): void {
    this.logs.push({ level: 'info', message });
  }

  warning(message: string): void {
    this.logs.push({ level: 'warning', message });
  }

  error(message: string): void {
    this.logs.push({ level: 'error', message });
  }

  startGroup(title: string): void {
    this.logs.push({ level: 'group', message: title });
  }

  endGroup(): void {
    this.logs.push({ level: 'endgroup', message: '' });
  }

  uploadSummary(title: string, markdown: string): void {
    this.summaries.push({ title, markdown });
  }

  setResult(outcome: TaskOutcome, message: string): void {
    this.result = { outcome, message };
  }

  tempDir(): string {
    return this.scratch;
  }

  /** Everything the task made visible: logs, outputs and summaries, for secret-leak checks. */
  visibleText(): string {
    return [
      ...this.logs.map((l) => l.message),
      ...[...this.outputs.entries()].map(([k, v]) => `${k}=${v}`),
      ...this.summaries.map((s) => `${s.title}\n${s.markdown}`),
      this.result?.message ?? '',
    ].join('\n');
  }
}
