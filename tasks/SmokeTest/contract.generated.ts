// Generated from task.json by scripts/gen-contracts.js (run by `npm run build`); do not edit.

/** The inputs and outputs of SmokeTest as its task.json declares them. */
export const INPUTS = ['target', 'azureSubscription', 'resourceGroupName', 'workspaceName', 'endpointName', 'deploymentName', 'containerGroupName', 'scoringUri', 'authMode', 'apiKey', 'payloadFile', 'payload', 'headers', 'requestCount', 'timeoutSeconds', 'expectedStatus', 'assertions', 'maxLatencyMs', 'readyDeadlineSeconds', 'traceparent', 'junitFile'] as const;
export type InputName = (typeof INPUTS)[number];

export const DEFAULTS = {
  'target': 'onlineEndpoint',
  'authMode': 'auto',
  'requestCount': '1',
  'timeoutSeconds': '30',
  'expectedStatus': '200',
  'readyDeadlineSeconds': '300',
  'traceparent': 'auto'
} as const satisfies Partial<Record<InputName, string>>;

export const OUTPUTS = ['statusCode', 'latencyP50Ms', 'latencyP95Ms'] as const;
export type OutputName = (typeof OUTPUTS)[number];
