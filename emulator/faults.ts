export type FaultKind =
  | { type: 'status'; status: number; retryAfterSeconds?: number; body?: unknown }
  | { type: 'reset' }
  | { type: 'latency'; ms: number };

export interface FaultRule {
  /** HTTP method to match; any when omitted. */
  method?: string;
  /** Matched against the request path (case-insensitive substring, or a RegExp). */
  path: string | RegExp;
  fault: FaultKind;
  /** How many matching requests get the fault (default 1). */
  times?: number;
  /** Matching requests to let through before the fault starts (default 0). */
  after?: number;
}

interface ActiveRule extends FaultRule {
  remaining: number;
  skip: number;
  hits: number;
}

/** Per-route fault injection, set by tests (in-process) or through POST /_emulator/faults. */
export class FaultInjector {
  private rules: ActiveRule[] = [];

  add(rule: FaultRule): void {
    this.rules.push({ ...rule, remaining: rule.times ?? 1, skip: rule.after ?? 0, hits: 0 });
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
      if (rule.remaining <= 0) continue;
      if (rule.method && rule.method.toUpperCase() !== method) continue;
      const matches = typeof rule.path === 'string' ? path.toLowerCase().includes(rule.path.toLowerCase()) : rule.path.test(path);
      if (!matches) continue;
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
