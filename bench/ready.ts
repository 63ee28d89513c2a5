import { startTrustedEmulator } from '../emulator/seed';
import { emulatorConnection } from '../scripts/lib/emulator-connection';
import { runBundle } from '../scripts/lib/run-bundle';
import { AGENT_TASKS, SCENARIOS, type AgentTask } from '../test/support/scenarios';

export interface ReadyFigures {
  task: AgentTask;
  /** Median milliseconds from spawning the bundle to its first token request. */
  readyMs: number;
}

/**
 * Time to "inputs validated and the Azure client loaded": from spawning each bundle with valid inputs to the first
 * request it sends (the token request, which needs every input read and checked and @azure/identity loaded), as the
 * emulator sees it arrive. The token endpoint then refuses, so the run ends there.
 */
export async function measureReady(runs: number): Promise<ReadyFigures[]> {
  const emulator = await startTrustedEmulator();
  try {
    let arrived: bigint | undefined;
    const take = emulator.faults.take.bind(emulator.faults);
    emulator.faults.take = (method, urlPath) => {
      if (urlPath.endsWith('/oauth2/v2.0/token')) arrived ??= process.hrtime.bigint();
      return take(method, urlPath);
    };
    emulator.faults.add({ path: '/oauth2/v2.0/token', fault: { type: 'status', status: 400 }, times: Number.MAX_SAFE_INTEGER });
    const figures: ReadyFigures[] = [];
    const ws = { resourceGroupName: emulator.info.resourceGroup, workspaceName: emulator.info.workspace };
    for (const task of AGENT_TASKS) {
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        arrived = undefined;
        const started = process.hrtime.bigint();
        await runBundle(task, { inputs: { ...ws, ...SCENARIOS[task](`ready-${i}`) }, connection: emulatorConnection(emulator, 'spnKey') });
        if (arrived === undefined) throw new Error(`${task} sent no token request: its inputs were refused`);
        times.push(Number(arrived - started) / 1e6);
      }
      times.sort((a, b) => a - b);
      figures.push({ task, readyMs: times[Math.floor(times.length / 2)] });
    }
    return figures;
  } finally {
    await emulator.stop();
  }
}
