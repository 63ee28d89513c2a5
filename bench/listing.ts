import { startTrustedEmulator } from '../emulator/seed';
import { addModelVersion } from '../emulator/resources/models';
import { listModelContainers } from '../shared/aml/models';
import { scaledClock } from '../shared/clock';
import { createArmClients } from '../shared/azure/arm-client';
import { readArmConnection } from '../shared/azure/connection';
import { FakePlatform } from '../shared/platform/fake-platform';
import { TaskInputs } from '../shared/platform/inputs';
import { emulatorConnection } from '../scripts/lib/emulator-connection';
import { listWithIndex, type ModelIndex } from '../tasks/GroupManyModels/src/model-index';

/** The time scale of the listing benchmark: ARM's buckets refill 10 times faster, Retry-After waits 10 times shorter. */
const SCALE = 0.1;
const FILTER = 'ModelType=many-models';

export interface ListingFigures {
  models: number;
  run: 'first run (and every naive run)' | 'no-change re-run' | 'one-bump re-run';
  armReads: number;
  throttled: number;
  /** Real seconds at the time scale, and the same on ARM's clock (divided by the scale). */
  scaledSeconds: number;
  projectedSeconds: number;
  peakRssMb: number;
}

/**
 * GroupManyModels' listing of `models` many-models versions against the emulator with ARM's throttling on: the
 * first run (no index: pages plus one read per model, which is also what the naive listing costs on every run), a
 * re-run with nothing retrained, and one after one model got a new version. The calls are counted by the emulator's
 * throttle; the time is measured on the scaled clock and projected to ARM's.
 */
export async function measureListing(models: number): Promise<ListingFigures[]> {
  const emulator = await startTrustedEmulator();
  try {
    const { state } = emulator;
    state.timeScale = SCALE;
    const ws = state.defaultWorkspace;
    for (let i = 0; i < models; i++)
      addModelVersion(state, ws, `mm-${i}`, '1', {
        modelUri: 'azureml://datastores/workspaceblobstore/paths/m/',
        tags: { ModelType: 'many-models', Store: String(i) },
      });
    const conn = emulatorConnection(emulator, 'spnKey');
    const platform = new FakePlatform({
      inputs: { azureSubscription: conn.id, resourceGroupName: ws.resourceGroup, workspaceName: ws.name },
      endpoints: { [conn.id]: conn.endpoint },
    });
    const clients = createArmClients(readArmConnection(new TaskInputs(platform)), { clock: scaledClock(SCALE), log: () => undefined });
    const ref = { subscriptionId: ws.subscriptionId, resourceGroup: ws.resourceGroup, workspace: ws.name };
    const figures: ListingFigures[] = [];
    let index: ModelIndex | undefined;
    const measure = async (run: ListingFigures['run']) => {
      const throttle = state.throttleLikeArm();
      const started = Date.now();
      const containers = await listModelContainers(clients, ref);
      const listing = await listWithIndex(clients, ref, containers, FILTER, index, 16);
      if (listing.models.length !== models) throw new Error(`listed ${listing.models.length} of ${models} models`);
      index = listing.index;
      const scaledSeconds = (Date.now() - started) / 1000;
      figures.push({
        models,
        run,
        armReads: throttle.counts.reads,
        throttled: throttle.counts.throttled,
        scaledSeconds,
        projectedSeconds: scaledSeconds / SCALE,
        peakRssMb: process.resourceUsage().maxRSS / 1024,
      });
    };
    await measure('first run (and every naive run)');
    await measure('no-change re-run');
    addModelVersion(state, ws, 'mm-7', '2', { modelUri: 'azureml://datastores/workspaceblobstore/paths/m/', tags: { ModelType: 'many-models', Store: '7' } });
    await measure('one-bump re-run');
    return figures;
  } finally {
    await emulator.stop();
  }
}
