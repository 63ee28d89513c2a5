import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { prop } from '../kit/arm';
import type { JobRecord } from '../kit/state';

function postPlanEvent(url: string, authToken: string, body: unknown, certFile: string): Promise<void> {
  const target = new URL(url);
  const transport = target.protocol === 'https:' ? https : http;
  const data = JSON.stringify(body);
  return new Promise((resolve) => {
    const req = transport.request(
      target,
      {
        method: 'POST',
        ca: target.protocol === 'https:' ? [fs.readFileSync(certFile)] : undefined,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(data),
          authorization: `Basic ${Buffer.from(`:${authToken}`).toString('base64')}`,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve());
      },
    );
    req.on('error', () => resolve());
    req.end(data);
  });
}

const ADO_RESULT: Record<string, string> = { Completed: 'succeeded', Failed: 'failed', Canceled: 'canceled' };

/** As Azure ML does on RunTerminated: raise TaskCompleted on every Azure DevOps plan that subscribed. */
export async function callWebhooks(job: JobRecord, certFile: string): Promise<void> {
  const webhooks = (prop(prop(job.resource.properties, 'notificationSetting'), 'webhooks') ?? {}) as Record<string, Record<string, any>>;
  for (const hook of Object.values(webhooks)) {
    if (String(prop(hook, 'webhookType')) !== 'AzureDevOps' || String(prop(hook, 'eventType') ?? 'RunTerminated') !== 'RunTerminated') continue;
    const planUri = String(prop(hook, 'PlanUri') ?? '').replace(/\/?$/, '/');
    const url = `${planUri}${prop(hook, 'ProjectId')}/_apis/distributedtask/hubs/${prop(hook, 'HubName')}/plans/${prop(hook, 'PlanId')}/events?api-version=2.0-preview.1`;
    const event = {
      name: 'TaskCompleted',
      taskId: prop(hook, 'TaskInstanceId'),
      jobId: prop(hook, 'JobId'),
      result: ADO_RESULT[job.resource.properties.status] ?? 'failed',
    };
    await postPlanEvent(url, String(prop(hook, 'AuthToken') ?? ''), event, certFile);
  }
}
