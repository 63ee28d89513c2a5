// One L0 scenario, chosen by L0_SCENARIO: input validation runs before any Azure call, so no mock is needed.
import * as path from 'node:path';
import { TaskMockRunner } from 'azure-pipelines-task-lib/mock-run';
import { setL0Connection } from '../../../test/support/l0-connection';

const tmr = new TaskMockRunner(path.join(__dirname, '..', 'index.js'));
const scenario = process.env.L0_SCENARIO;
setL0Connection(tmr);
tmr.setInput('modelName', 'diabetes');
if (scenario !== 'noRegistry') tmr.setInput('registryName', scenario === 'badRegistry' ? 'my registry' : 'mlops-registry');
if (scenario === 'orphanGroup') tmr.setInput('targetResourceGroupName', 'rg-prod');
tmr.run();
