import type { AuthMode } from './inputs';

/** Where the smoke requests go and how they authenticate. */
export interface ResolvedTarget {
  scoringUri: string;
  description: string;
  authMode: Exclude<AuthMode, 'auto'>;
  headers: Record<string, string>;
  /** The endpoint in Azure ML studio, when the target is one. */
  studioUrl?: string;
}

/** One scoring request and what came back. */
export interface Attempt {
  index: number;
  status: number;
  latencyMs: number;
  body?: unknown;
  bodyText: string;
  error?: string;
  retryAfterMs?: number;
}

export interface Check {
  name: string;
  passed: boolean;
  detail: string;
}

export interface SmokeReport {
  target: ResolvedTarget;
  attempts: Attempt[];
  checks: Check[];
  p50: number;
  p95: number;
  traceId?: string;
  durationMs: number;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

export function summaryMarkdown(r: SmokeReport): string {
  const passed = r.checks.every((c) => c.passed);
  const statuses = new Map<string, number>();
  for (const a of r.attempts) {
    const key = a.error ? 'no answer' : String(a.status);
    statuses.set(key, (statuses.get(key) ?? 0) + 1);
  }
  const lines = [
    `### Smoke test ${passed ? 'passed' : 'failed'}`,
    '',
    `| | |`,
    `|---|---|`,
    `| Target | ${cell(r.target.description)}${r.target.studioUrl ? ` ([studio](${r.target.studioUrl}))` : ''} |`,
    `| Scoring URI | ${cell(r.target.scoringUri)} |`,
    `| Auth | ${r.target.authMode} |`,
    `| Requests | ${r.attempts.length} (${[...statuses].map(([s, n]) => `${s}: ${n}`).join(', ')}) |`,
    `| Latency p50 / p95 | ${r.p50} ms / ${r.p95} ms |`,
    ...(r.traceId ? [`| Trace id | \`${r.traceId}\` |`] : []),
    '',
    '| Check | Result | Detail |',
    '|---|---|---|',
    ...r.checks.map((c) => `| ${cell(c.name)} | ${c.passed ? 'pass' : '**fail**'} | ${cell(c.detail)} |`),
    '',
  ];
  return lines.join('\n');
}

function xml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

/** JUnit XML for PublishTestResults: one test case per check. */
export function junitXml(r: SmokeReport): string {
  const failures = r.checks.filter((c) => !c.passed).length;
  const seconds = (r.durationMs / 1000).toFixed(3);
  const suite = `SmokeTest ${r.target.description}`;
  const cases = r.checks.map((c) => {
    const open = `    <testcase classname="${xml(suite)}" name="${xml(c.name)}" time="0">`;
    if (c.passed) return `${open}<system-out>${xml(c.detail)}</system-out></testcase>`;
    return `${open}\n      <failure message="${xml(c.detail)}">${xml(c.detail)}</failure>\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites tests="${r.checks.length}" failures="${failures}" time="${seconds}">`,
    `  <testsuite name="${xml(suite)}" tests="${r.checks.length}" failures="${failures}" errors="0" time="${seconds}" timestamp="${new Date().toISOString()}">`,
    // A batch job has no request latencies to report: only its invocation URL.
    `    <properties><property name="scoringUri" value="${xml(r.target.scoringUri)}"/>${r.attempts.length ? `<property name="latencyP50Ms" value="${r.p50}"/><property name="latencyP95Ms" value="${r.p95}"/>` : ''}</properties>`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
