import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AUDITED_STATES } from '../emulator/kit/traffic-log';
import { KNOWN_SECRETS as SCENARIO_SECRETS } from './support/scenarios';

/**
 * Root hooks: every emulator this test run starts also logs to one suite-wide traffic log, and after the last test
 * that log is scanned for every specific secret value those emulators held (their keys, tokens, SAS tokens, client
 * secrets, webhook tokens) and the secret inputs the scenarios gave the tasks, raw, URL-encoded or JSON-escaped.
 */
const suiteLog = process.env.EMULATOR_SUITE_TRAFFIC_LOG ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'suite-traffic-')), 'traffic.jsonl');

/**
 * The secrets of `values` (8 characters or more) that `text` holds in any form the log could carry them. One pass
 * over the text with the forms indexed by their first 8 characters: thousands of values over megabytes of log.
 */
export function leakedIn(text: string, values: string[]): string[] {
  const byPrefix = new Map<string, { form: string; value: string }[]>();
  for (const value of values) {
    for (const form of new Set([value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1)])) {
      const list = byPrefix.get(form.slice(0, 8)) ?? [];
      list.push({ form, value });
      byPrefix.set(form.slice(0, 8), list);
    }
  }
  const found = new Set<string>();
  for (let i = 0; i + 8 <= text.length; i++) {
    const candidates = byPrefix.get(text.slice(i, i + 8));
    for (const c of candidates ?? []) if (text.startsWith(c.form, i)) found.add(c.value);
  }
  return [...found];
}

before('log every emulator of this run to one suite-wide traffic log', () => {
  process.env.EMULATOR_SUITE_TRAFFIC_LOG = suiteLog;
});

after('scan the whole suite traffic log for secret values', function () {
  this.timeout(120_000);
  // A filtered run (--grep) may start no emulator; the scan needs traffic to say anything.
  if (AUDITED_STATES.length === 0) return;
  const text = fs.readFileSync(suiteLog, 'utf8');
  const values = [...new Set([...AUDITED_STATES.flatMap((s) => s.secretValues()), ...Object.values(SCENARIO_SECRETS)])];
  assert.deepEqual(leakedIn(`a line with ${values[0]} inside`, values), [values[0]], 'the scan finds a planted secret');
  const leaks = leakedIn(text, values);
  console.log(
    `  suite traffic log: ${text.split('\n').length - 1} requests from ${AUDITED_STATES.length} emulators, ${values.length} secret values, ${leaks.length} found`,
  );
  assert.deepEqual(
    leaks.map((v) => `${v.slice(0, 6)}...`),
    [],
    'secret values in the suite traffic log',
  );
  fs.rmSync(path.dirname(suiteLog), { recursive: true, force: true });
});
