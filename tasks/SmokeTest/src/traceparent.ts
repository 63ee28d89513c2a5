import { randomBytes } from 'node:crypto';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export interface TraceContext {
  traceId: string;
  flags: string;
}

/** A new W3C trace (sampled) for one task run. */
export function newTrace(): TraceContext {
  return { traceId: randomBytes(16).toString('hex'), flags: '01' };
}

/** Parses a caller-given traceparent; undefined when it is not a valid version-00 header. */
export function parseTraceparent(value: string): TraceContext | undefined {
  const m = TRACEPARENT.exec(value.trim().toLowerCase());
  if (!m || /^0+$/.test(m[1]) || /^0+$/.test(m[2])) return undefined;
  return { traceId: m[1], flags: m[3] };
}

/** The header for one request: the run's trace id with a fresh span (parent) id. */
export function traceparentFor(trace: TraceContext): string {
  return `00-${trace.traceId}-${randomBytes(8).toString('hex')}-${trace.flags}`;
}
