import type { TaskMockRunner } from 'azure-pipelines-task-lib/mock-run';

/** Inside an L0 scenario process: an `azurerm` connection named `arm` and the workspace inputs (validation fails before they are used). */
export function setL0Connection(tmr: TaskMockRunner): void {
  tmr.setInput('azureSubscription', 'arm');
  tmr.setInput('resourceGroupName', 'rg');
  tmr.setInput('workspaceName', 'ws');
  process.env.ENDPOINT_URL_arm = 'https://management.azure.com/';
  process.env.ENDPOINT_AUTH_arm = JSON.stringify({
    scheme: 'ServicePrincipal',
    parameters: { tenantid: 't', serviceprincipalid: 'c', serviceprincipalkey: 'k' },
  });
  process.env.ENDPOINT_DATA_arm_SUBSCRIPTIONID = 'sub';
}
