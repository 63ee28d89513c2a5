// Generated from task.json by scripts/gen-contracts.js (run by `npm run build`); do not edit.

/** The inputs (with their defaults) and outputs of SmokeTest as its task.json declares them. */
export const CONTRACT = { inputs: ['target', 'azureSubscription', 'resourceGroupName', 'workspaceName', 'endpointName', 'deploymentName', 'containerGroupName', 'scoringUri', 'authMode', 'apiKey', 'batchInput', 'batchInputName', 'batchLiterals', 'outputName', 'outputFile', 'expectedRowCount', 'jobDeadlineMinutes', 'payloadFile', 'payload', 'headers', 'requestCount', 'timeoutSeconds', 'expectedStatus', 'assertions', 'maxLatencyMs', 'readyDeadlineSeconds', 'traceparent', 'junitFile'], defaults: {"target":"onlineEndpoint","authMode":"auto","batchInputName":"input_data","outputName":"score","outputFile":"predictions.csv","jobDeadlineMinutes":"30","requestCount":"1","timeoutSeconds":"30","expectedStatus":"200","readyDeadlineSeconds":"300","traceparent":"auto"}, outputs: ['statusCode', 'latencyP50Ms', 'latencyP95Ms', 'jobName', 'outputUri'] } as const;
export type InputName = (typeof CONTRACT)['inputs'][number];
export type OutputName = (typeof CONTRACT)['outputs'][number];
