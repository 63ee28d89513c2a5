// One L0 scenario, chosen by L0_SCENARIO: input validation runs before any Azure call, so no mock is needed.
import * as path from 'node:path';
import { TaskMockRunner } from 'azure-pipelines-task-lib/mock-run';
import { setL0Connection } from '../../../test/support/l0-connection';

const tmr = new TaskMockRunner(path.join(__dirname, '..', 'index.js'));
const scenario = process.env.L0_SCENARIO;
const batch = process.env.L0_BATCH as string;
setL0Connection(tmr);
tmr.setInput('computeName', 'cpu-cluster');
if (scenario === 'yamlTypo') tmr.setInput('deploymentConfigFile', path.join(batch, 'typo.yml'));
else tmr.setInput('deploymentConfigFile', path.join(batch, 'batch-deployment.yml'));
if (scenario === 'badAction') tmr.setInput('outputAction', 'append');
if (scenario === 'typeClash') tmr.setInput('deploymentType', 'pipelineComponent');
tmr.run();
