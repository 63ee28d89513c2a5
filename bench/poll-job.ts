// An agent task that polls (what `az ml job create --stream` or a wait step does): submits the pipeline job, then
// asks for its status every POLL_MS until it ends. Its process lifetime is the agent time it holds.
import { createArmClients } from '../shared/azure/arm-client';
import type { ArmConnection } from '../shared/azure/connection';
import { systemClock } from '../shared/clock';

async function main(): Promise<void> {
  const { connection, jobPath, componentId, seconds, pollMs } = JSON.parse(process.env.POLL_JOB as string) as {
    connection: ArmConnection;
    jobPath: string;
    componentId: string;
    seconds: number;
    pollMs: number;
  };
  const rest = createArmClients(connection, { clock: systemClock, log: () => undefined }).rest('2024-10-01');
  await rest.request('PUT', jobPath, {
    operation: 'Submit',
    body: { properties: { jobType: 'Pipeline', componentId, inputs: { seconds: { jobInputType: 'literal', value: String(seconds) } } } },
  });
  for (;;) {
    const job = await rest.request<{ properties: { status: string } }>('GET', jobPath, { operation: 'Poll' });
    if (['Completed', 'Failed', 'Canceled'].includes(job.body.properties.status)) return console.log(job.body.properties.status);
    await systemClock.sleep(pollMs);
  }
}

void main();
