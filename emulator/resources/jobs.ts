import { apiVersionOf, baseUrl, locationHeaders, page, prop, systemData, workspaceOf, WS } from '../kit/arm';
import { fail, json, route, type EmulatorRequest, type EmulatorResponse, type Route } from '../kit/http';
import { TERMINAL, assetById, rememberSecret, workspaceId, type EmulatorState, type JobRecord, type Workspace } from '../kit/state';
import { execute } from '../runtime/job-engine';
import type { ResourceFamily } from './family';

function jobKey(ws: Workspace, name: string): string {
  return `${workspaceId(ws)}/jobs/${name}`.toLowerCase();
}

function getJob(state: EmulatorState, req: EmulatorRequest): JobRecord {
  const ws = workspaceOf(state, req);
  const job = state.jobs.get(jobKey(ws, req.params.name));
  if (!job) fail(404, 'UserError', `Job '${req.params.name}' was not found in workspace '${ws.name}'.`);
  return job;
}

/** Whether an api-version's JobBase has `notificationSetting` (stable 2024-10-01 and later). */
function hasNotificationSetting(apiVersion: string): boolean {
  return apiVersion.slice(0, 10) >= '2024-10-01';
}

/**
 * The job PATCH (PartialJobBase, with notificationSetting) exists at 2024-04-01 and later, and in the preview the
 * earlier Azure ML docs used (2023-04-01-preview); the current docs PATCH at 2024-04-01.
 */
function patchAccepted(apiVersion: string): boolean {
  return apiVersion === '2023-04-01-preview' || apiVersion.slice(0, 10) >= '2024-04-01';
}

/** The Azure DevOps job tokens a webhook carries (AuthToken): secrets the traffic log must not show. */
function rememberWebhookTokens(props: Record<string, any>): void {
  for (const hook of Object.values((prop(prop(props, 'notificationSetting'), 'webhooks') ?? {}) as Record<string, Record<string, any>>)) {
    rememberSecret(prop(hook, 'AuthToken'));
  }
}

/** PUT of a pipeline job: validated as the service does, stored, and run by the job engine. */
function putJob(state: EmulatorState, certFile: string, req: EmulatorRequest): EmulatorResponse {
  const ws = workspaceOf(state, req);
  const name = req.params.name;
  const props = ((req.body ?? {}) as { properties?: Record<string, any> }).properties ?? {};
  rememberWebhookTokens(props);
  const apiVersion = apiVersionOf(req);
  if (props.notificationSetting !== undefined && !hasNotificationSetting(apiVersion)) {
    fail(
      400,
      'UserError',
      `Could not find member 'notificationSetting' on object of type 'PipelineJob': api-version ${apiVersion} does not define it (2024-10-01 and later do).`,
      'properties.notificationSetting',
    );
  }
  if (String(props.jobType) !== 'Pipeline')
    fail(400, 'UserError', `jobType '${props.jobType}' is not supported by the emulator; use 'Pipeline'.`, 'properties.jobType');
  if (state.jobs.has(jobKey(ws, name))) fail(409, 'UserError', `A job named '${name}' already exists in workspace '${ws.name}'. Job names are unique.`, 'name');
  const component = props.componentId ? assetById(state, String(props.componentId)) : undefined;
  if (props.componentId) {
    if (!component) fail(404, 'UserError', `Component '${props.componentId}' was not found.`, 'properties.componentId');
    if (component.resource.properties.componentSpec?.type !== 'pipeline')
      fail(400, 'UserError', `Component '${props.componentId}' is not a pipeline component.`, 'properties.componentId');
  } else if (!props.jobs || typeof props.jobs !== 'object') {
    fail(400, 'UserError', 'A pipeline job needs properties.componentId or properties.jobs.', 'properties.jobs');
  }
  const id = `${workspaceId(ws)}/jobs/${name}`;
  // As the service does, the job lists the pipeline's outputs (the component's, unless the request binds them).
  const specOutputs = (component?.resource.properties.componentSpec?.outputs ?? props.outputs ?? {}) as Record<string, { type?: string }>;
  const outputs = Object.fromEntries(
    Object.entries(specOutputs).map(([k, o]) => [
      k,
      {
        jobOutputType: o.type ?? 'uri_folder',
        mode: 'ReadWriteMount',
        uri: `azureml://datastores/workspaceblobstore/paths/azureml/${name}/${k}/`,
        ...(props.outputs?.[k] ?? {}),
      },
    ]),
  );
  const resource = {
    id,
    name,
    type: 'Microsoft.MachineLearningServices/workspaces/jobs',
    systemData: systemData(),
    properties: {
      ...props,
      outputs,
      experimentName: props.experimentName ?? 'Default',
      displayName: props.displayName ?? name,
      tags: props.tags ?? {},
      status: 'NotStarted',
      services: {
        Tracking: { jobServiceType: 'Tracking', endpoint: `azureml://${req.headers.host}/mlflow/v1.0${workspaceId(ws)}?` },
        Studio: { jobServiceType: 'Studio', endpoint: `https://ml.azure.com/runs/${name}?wsid=${workspaceId(ws)}` },
      },
    },
  };
  const job: JobRecord = {
    workspace: ws,
    name,
    resource,
    baseUrl: baseUrl(req),
    cancelRequested: false,
    processes: new Set(),
    outputs: {},
    steps: {},
    errors: {},
  };
  state.jobs.set(jobKey(ws, name), job);
  setImmediate(() => void execute(state, job, certFile));
  return json(201, resource);
}

/** Jobs: PUT (pipeline jobs that really run), GET, list, cancel and the webhook PATCH. */
function jobRoutes(state: EmulatorState, certFile: string): Route[] {
  return [
    route('PUT', `${WS}/jobs/{name}`, (req) => putJob(state, certFile, req)),
    route('GET', `${WS}/jobs/{name}`, (req) => json(200, getJob(state, req).resource)),
    route('GET', `${WS}/jobs`, (req) => {
      const ws = workspaceOf(state, req);
      const tag = req.url.searchParams.get('tag');
      const [tagKey, tagValue] = tag ? [tag.split('=')[0], tag.includes('=') ? tag.slice(tag.indexOf('=') + 1) : undefined] : [];
      const items = [...state.jobs.values()]
        .filter((j) => j.workspace === ws)
        .filter((j) => !tagKey || (tagKey in (j.resource.properties.tags ?? {}) && (tagValue === undefined || j.resource.properties.tags[tagKey] === tagValue)))
        .sort((a, b) => String(b.resource.systemData.createdAt).localeCompare(String(a.resource.systemData.createdAt)))
        .map((j) => j.resource);
      return page(req, items, state.pageSize);
    }),
    route('POST', `${WS}/jobs/{name}/cancel`, (req) => {
      const job = getJob(state, req);
      if (!TERMINAL.includes(job.resource.properties.status)) {
        job.cancelRequested = true;
        job.resource.properties.status = 'CancelRequested';
        for (const child of job.processes) child.kill('SIGTERM');
      }
      const opId = state.startOperation({ outcome: 'Succeeded', complete: () => undefined });
      const headers = locationHeaders(state, req, 'Microsoft.MachineLearningServices', job.workspace.location, opId);
      return { status: 202, headers: { location: headers.Location, 'Retry-After': headers['Retry-After'] } };
    }),
    route('PATCH', `${WS}/jobs/{name}`, (req) => {
      const job = getJob(state, req);
      const apiVersion = apiVersionOf(req);
      if (!patchAccepted(apiVersion))
        fail(400, 'UserError', `PATCH of a job is not supported at api-version ${apiVersion}; use 2024-04-01 or later, as the Azure ML docs do.`);
      const body = (req.body ?? {}) as Record<string, any>;
      const props = prop(body, 'properties') ?? {};
      rememberWebhookTokens(props);
      const webhooks = prop(prop(props, 'notificationSetting'), 'webhooks');
      if (webhooks && typeof webhooks === 'object') {
        const setting = (job.resource.properties.notificationSetting ??= { webhooks: {} });
        setting.webhooks = { ...(setting.webhooks ?? {}), ...webhooks };
      }
      const tags = prop(props, 'tags');
      if (tags && typeof tags === 'object') job.resource.properties.tags = { ...job.resource.properties.tags, ...tags };
      return json(200, job.resource);
    }),
  ];
}

export const jobs: ResourceFamily = { name: 'jobs', routes: ({ state, certFile }) => jobRoutes(state, certFile) };
