/** Inside an L0 scenario process: an `azurerm` connection named `arm` (validation fails before it is used). */
export function setL0Connection(): void {
  process.env.ENDPOINT_URL_arm = 'https://management.azure.com/';
  process.env.ENDPOINT_AUTH_arm = JSON.stringify({ scheme: 'ServicePrincipal', parameters: { tenantid: 't', serviceprincipalid: 'c', serviceprincipalkey: 'k' } });
  process.env.ENDPOINT_DATA_arm_SUBSCRIPTIONID = 'sub';
}
