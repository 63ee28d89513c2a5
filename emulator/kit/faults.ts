export type FaultKind =
  | { type: 'status'; status: number; retryAfterSeconds?: number; retryAfterMs?: number; body?: unknown }
  | { type: 'reset' }
  /** The request is handled (a write is applied), then the connection drops before the answer: a lost response. */
  | { type: 'lostResponse' }
  | { type: 'latency'; ms: number }
  /** An error answer whose message quotes the request, headers and body, as some services echo a bad request. */
  | { type: 'echo'; status: number };

export interface FaultRule {
  /** HTTP method(s) to match, e.g. 'PUT' or 'PUT|POST|DELETE'; any when omitted. */
  method?: string;
  /** Matched against the request path (case-insensitive substring, or a RegExp). */
  path: string | RegExp;
  fault: FaultKind;
  /** How many matching requests get the fault (default 1); with `each`, how many in a row for each distinct request. */
  times?: number;
  /** Count per distinct request (method and path): every call fails `times` times before it gets through. */
  each?: boolean;
  /** Matching requests to let through before the fault starts (default 0). */
  after?: number;
}

interface ActiveRule extends FaultRule {
  remaining: number;
  skip: number;
  hits: number;
  /** With `each`: faults left per method and path. */
  perRequest: Map<string, number>;
}

/** Per-route fault injection, set by tests (in-process) or through POST /_emulator/faults. */
export class FaultInjector {
  private rules: ActiveRule[] = [];

  add(rule: FaultRule): void {
    this.rules.push({ ...rule, remaining: rule.times ?? 1, skip: rule.after ?? 0, hits: 0, perRequest: new Map() });
  }

  clear(): void {
    this.rules = [];
  }

  /** How many times each rule has fired, in the order they were added. */
  hits(): number[] {
    return this.rules.map((r) => r.hits);
  }

  take(method: string, path: string): FaultKind | undefined {
    for (const rule of this.rules) {
      if (rule.method && !rule.method.toUpperCase().split('|').includes(method)) continue;
      const matches = typeof rule.path === 'string' ? path.toLowerCase().includes(rule.path.toLowerCase()) : rule.path.test(path);
      if (!matches) continue;
      if (rule.each) {
        const key = `${method} ${path}`;
        const left = rule.perRequest.get(key) ?? rule.times ?? 1;
        if (left <= 0) continue;
        rule.perRequest.set(key, left - 1);
        rule.hits += 1;
        return rule.fault;
      }
      if (rule.remaining <= 0) continue;
      if (rule.skip > 0) {
        rule.skip -= 1;
        continue;
      }
      rule.remaining -= 1;
      rule.hits += 1;
      return rule.fault;
    }
    return undefined;
  }
}
