import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import type { FaultRule } from '../../emulator/kit/faults';
import type { BundleRun } from '../../scripts/lib/run-bundle';
import { AGENT_TASKS, SCENARIOS, ScenarioBed, normalizedOutputs, type AgentTask } from '../support/scenarios';

/** The same retry policy, with short delays and attempt timeout, so the matrix runs in minutes. */
const FAST_RETRY = { AZUREML_TASKS_RETRY_BASE_DELAY_MS: '20', AZUREML_TASKS_RETRY_MAX_DELAY_MS: '200', AZUREML_TASKS_ATTEMPT_TIMEOUT_MS: '2000' };
/** Every Azure call a task makes itself: ARM, MLflow and storage (token requests are MSAL's own, scoring is the model's). */
const AZURE_CALLS = /^\/(subscriptions|mlflow|emustorage)\//i;
const WRITES = 'PUT|POST|PATCH|DELETE';

const FAULTS: [string, Omit<FaultRule, 'path'>][] = [
  ['429 with Retry-After, 3 times in a row on every call', { fault: { type: 'status', status: 429, retryAfterMs: 30 }, times: 3, each: true }],
  ['500 without Retry-After, 2 times in a row on every call', { fault: { type: 'status', status: 500 }, times: 2, each: true }],
  ['503 with Retry-After, 3 times in a row on every call', { fault: { type: 'status', status: 503, retryAfterMs: 30 }, times: 3, each: true }],
  ['connection reset, 3 times in a row on every call', { fault: { type: 'reset' }, times: 3, each: true }],
  ['lost response: every write applied, then the connection reset', { method: WRITES, fault: { type: 'lostResponse' }, times: 1, each: true }],
  ['slow response past the attempt timeout on every write (applied late)', { method: WRITES, fault: { type: 'latency', ms: 2600 }, times: 1, each: true }],
  ['lost response on every read, then the connection reset', { method: 'GET', fault: { type: 'lostResponse' }, times: 1, each: true }],
  ['slow response past the attempt timeout on the first reads', { method: 'GET', fault: { type: 'latency', ms: 2600 }, times: 2 }],
];

/** The state's counts once they stop changing (a write slowed past its attempt timeout lands late): polled, not slept. */
async function settled(counts: () => Record<string, number>): Promise<Record<string, number>> {
  let last = JSON.stringify(counts());
  let stableSince = Date.now();
  for (const deadline = Date.now() + 15_000; Date.now() < deadline;) {
    await new Promise((r) => setTimeout(r, 100));
    const now = JSON.stringify(counts());
    if (now !== last) [last, stableSince] = [now, Date.now()];
    // Stable for longer than the slowest injected answer (2.6 s): nothing is still on its way.
    else if (Date.now() - stableSince > 3_000) break;
  }
  return JSON.parse(last) as Record<string, number>;
}

function delta(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const keys = [...new Set([...Object.keys(after), ...Object.keys(before)])].sort();
  return Object.fromEntries(keys.map((k) => [k, (after[k] ?? 0) - (before[k] ?? 0)]).filter(([, d]) => d !== 0));
}

describe('reliability: re-runs converge, faults change nothing, past the bound the call is named', function () {
  this.timeout(900_000);
  const bed = new ScenarioBed();
  before(() => bed.start());
  after(() => bed.stop());

  /** Runs a scenario; returns the run and what it changed in the emulator's state. */
  async function measured(task: AgentTask, id: string, faults: FaultRule[] = []): Promise<{ run: BundleRun; changed: Record<string, number> }> {
    const before = bed.counts();
    for (const f of faults) bed.emulator.faults.add(f);
    try {
      const run = await bed.run(task, SCENARIOS[task](id), 'spnKey', FAST_RETRY);
      const after = faults.some((f) => f.fault.type === 'latency') ? await settled(() => bed.counts()) : bed.counts();
      return { run, changed: delta(after, before) };
    } finally {
      bed.emulator.faults.clear();
    }
  }

  for (const task of AGENT_TASKS) {
    describe(task, () => {
      let clean: { run: BundleRun; changed: Record<string, number> };

      before(async () => {
        // The first run makes what every later run shares (code snapshot, environment, package); the clean run is the reference.
        const warm = await measured(task, 'warm');
        assert.equal(warm.run.result, 'Succeeded', warm.run.stdout.slice(-2000));
        clean = await measured(task, 'clean');
        assert.equal(clean.run.result, 'Succeeded', clean.run.stdout.slice(-2000));
      });

      it('run twice with the same inputs: the same result and outputs, and nothing new', async () => {
        const again = await measured(task, 'clean');
        assert.equal(again.run.result, clean.run.result, again.run.stdout.slice(-2000));
        if (task === 'GroupManyModels') {
          // Its counts say what a run did: a converged re-run changes no container, and the routing map is the same.
          const o = clean.run.outputs;
          assert.deepEqual(
            [again.run.outputs.newGroups, again.run.outputs.updatedGroups, again.run.outputs.deletedGroups, again.run.outputs.unchangedGroups],
            ['0', '0', '0', String(Number(o.newGroups) + Number(o.updatedGroups) + Number(o.unchangedGroups))],
          );
          assert.equal(fs.readFileSync(again.run.outputs.routingMapFile, 'utf8'), fs.readFileSync(o.routingMapFile, 'utf8'));
        } else {
          assert.deepEqual(normalizedOutputs(again.run, 'clean'), normalizedOutputs(clean.run, 'clean'));
        }
        assert.deepEqual(again.changed, {}, 'no new resources');
      });

      for (const [label, rule] of FAULTS) {
        it(`${label}: same result and outputs as the clean run, nothing duplicated`, async () => {
          // Letters outside hex, so the id never matches inside a GUID when outputs are normalized.
          const id = `fault${'qrstuvwxyz'[FAULTS.findIndex(([l]) => l === label)]}`;
          const faulted = await measured(task, id, [{ ...rule, path: AZURE_CALLS }]);
          assert.equal(faulted.run.result, clean.run.result, faulted.run.stdout.slice(-3000));
          assert.deepEqual(normalizedOutputs(faulted.run, id), normalizedOutputs(clean.run, 'clean'));
          assert.deepEqual(faulted.changed, clean.changed, 'the same resources as the clean run: nothing duplicated');
          assert.match(faulted.run.stdout, /retrying in/, 'the faults were met and retried');
        });
      }

      it('past the bound (6 failures in a row on its first write, or call), the task fails naming the call', async () => {
        const rule: FaultRule = {
          path: AZURE_CALLS,
          method: task === 'SmokeTest' ? undefined : WRITES,
          fault: { type: 'status', status: 503 },
          times: 6,
          each: true,
        };
        const { run } = await measured(task, 'bound', [rule]);
        assert.equal(run.result, 'Failed');
        assert.match(run.message ?? '', /failed.*HTTP 503/);
        assert.match(run.message ?? '', /after 6 attempts/);
        assert.match(run.stdout, /giving up after 6 attempt\(s\)/);
      });
    });
  }
});
