// One L0 scenario, chosen by L0_SCENARIO: input validation runs before any Azure call, so no mock is needed.
import * as path from 'node:path';
import { TaskMockRunner } from 'azure-pipelines-task-lib/mock-run';

const tmr = new TaskMockRunner(path.join(__dirname, '..', 'index.js'));
const scenario = process.env.L0_SCENARIO;
const sample = process.env.L0_SAMPLE as string;
tmr.setInput('azureSubscription', 'arm');
tmr.setInput('resourceGroupName', 'rg');
tmr.setInput('workspaceName', 'ws');
tmr.setInput('pipelineFile', scenario === 'missingFile' ? path.join(path.dirname(sample), 'nope.yml') : sample);
tmr.setInput('componentVersion', '5');
if (scenario === 'badName') tmr.setInput('componentName', 'Not-Valid');
if (scenario === 'badBool') tmr.setInput('dryRun', 'maybe');
process.env.ENDPOINT_URL_arm = 'https://management.azure.com/';
process.env.ENDPOINT_AUTH_arm = JSON.stringify({ scheme: 'ServicePrincipal', parameters: { tenantid: 't', serviceprincipalid: 'c', serviceprincipalkey: 'k' } });
process.env.ENDPOINT_DATA_arm_SUBSCRIPTIONID = 'sub';
tmr.run();
