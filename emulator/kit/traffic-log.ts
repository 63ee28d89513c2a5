import * as fs from 'node:fs';
import { KNOWN_SECRETS, type EmulatorState } from './state';

const SECRET_KEY = /(key|secret|token|password|assertion|sas|credential|authtoken|sig)$/i;
const SECRET_HEADERS = new Set(['authorization', 'x-identity-header', 'secret', 'x-tfs-fedauthredirect-token', 'api-key', 'ocp-apim-subscription-key']);

/** Replaces secret values (by key name) in a parsed JSON body with ***. */
export function redactJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactJson);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEY.test(k) && (typeof v === 'string' || typeof v === 'number') ? '***' : redactJson(v);
    }
    return out;
  }
  return value;
}

export function redactText(text: string): string {
  return text.replace(/((?:client_secret|client_assertion|access_token|sig|password)=)[^&\s]*/gi, '$1***').replace(/(Bearer |Basic )[^\s"]+/g, '$1***');
}

export function redactHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = SECRET_HEADERS.has(k.toLowerCase()) ? '***' : v;
  return out;
}

function bodyForLog(body: string | undefined): unknown {
  if (body === undefined || body === '') return null;
  try {
    return redactJson(JSON.parse(body));
  } catch {
    return redactText(body);
  }
}

let pattern: { size: number; regex?: RegExp } = { size: -1 };

/** Replaces every known secret value, as written or URL-encoded, wherever it stands in a log line. */
export function maskKnown(text: string): string {
  if (pattern.size !== KNOWN_SECRETS.size) {
    const forms = [...KNOWN_SECRETS].flatMap((s) => [s, encodeURIComponent(s), JSON.stringify(s).slice(1, -1)]);
    const alternatives = [...new Set(forms)].sort((a, b) => b.length - a.length).map((f) => f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    pattern = { size: KNOWN_SECRETS.size, regex: alternatives.length ? new RegExp(alternatives.join('|'), 'g') : undefined };
  }
  return pattern.regex ? text.replace(pattern.regex, '***') : text;
}

export interface TrafficEntry {
  method: string;
  url: string;
  status: number;
  requestHeaders: Record<string, unknown>;
  requestBody: string | undefined;
  responseHeaders: Record<string, unknown>;
  responseBody: string | undefined;
}

/**
 * With EMULATOR_SUITE_TRAFFIC_LOG set (the test command sets it), every emulator of the process also logs there and
 * is listed here, so one test can scan the whole suite's traffic for every secret those emulators held.
 */
export const AUDITED_STATES: EmulatorState[] = [];

/** Appends one JSON line per answered request to the file named by EMULATOR_TRAFFIC_LOG, secrets replaced. */
export class TrafficLog {
  private readonly files: string[];

  constructor(file: string | undefined, state: EmulatorState, suiteFile = process.env.EMULATOR_SUITE_TRAFFIC_LOG) {
    this.files = [file, suiteFile].filter((f): f is string => Boolean(f));
    if (suiteFile) AUDITED_STATES.push(state);
  }

  write(entry: TrafficEntry): void {
    if (this.files.length === 0) return;
    const line = {
      method: entry.method,
      url: redactText(entry.url),
      status: entry.status,
      requestHeaders: redactHeaders(entry.requestHeaders),
      requestBody: bodyForLog(entry.requestBody),
      responseHeaders: redactHeaders(entry.responseHeaders),
      responseBody: bodyForLog(entry.responseBody),
    };
    const text = `${maskKnown(JSON.stringify(line))}\n`;
    for (const file of this.files) fs.appendFileSync(file, text);
  }
}
