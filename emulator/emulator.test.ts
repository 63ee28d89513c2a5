import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { armCall as call, emulatorClients, endpointPath } from '../test/support/arm';
import { REPO_ROOT } from '../scripts/lib/run-bundle';
import { startTrustedEmulator, newTrafficLog } from './seed';
import type { Emulator } from './server';

describe('emulator', function () {
  this.timeout(60_000);

  it('`npm run -s emulator -- --json` prints exactly one JSON line, then serves until SIGTERM', async () => {
    // Its own process group, so SIGTERM reaches the emulator itself and not only npm.
    const child = spawn('npm', ['run', '-s', 'emulator', '--', '--json'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no JSON line; stdout: ${stdout}`)), 30_000);
      child.stdout.on('data', () => stdout.includes('\n') && (clearTimeout(timer), resolve()));
    });
    const info = JSON.parse(stdout.trim()) as Record<string, string>;
    assert.deepEqual(
      Object.keys(info).sort(),
      [
        'armUrl',
        'authorityHost',
        'caCertFile',
        'clientId',
        'clientSecret',
        'planEventsUrl',
        'resourceGroup',
        'subscriptionId',
        'tenantId',
        'timeScale',
        'workspace',
      ].sort(),
    );
    assert.match(info.armUrl, /^https:\/\/127\.0\.0\.1:\d+\/$/);
    assert.ok(fs.readFileSync(info.caCertFile, 'utf8').includes('BEGIN CERTIFICATE'));
    // stdout closes only when every process holding it (npm and the emulator) has exited.
    const closed = new Promise<void>((resolve) => child.stdout.on('close', () => resolve()));
    await new Promise((r) => setTimeout(r, 200));
    process.kill(-(child.pid as number), 'SIGTERM');
    await closed;
    assert.equal(stdout.trim().split('\n').length, 1);
  });

  describe('ARM behaviour', () => {
    let emulator: Emulator;
    let log: string;
    before(async () => {
      log = newTrafficLog();
      emulator = await startTrustedEmulator(log);
    });
    after(() => emulator.stop());

    it('requires a bearer token and a supported api-version', async () => {
      const ws = `/subscriptions/${emulator.info.subscriptionId}/resourceGroups/${emulator.info.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${emulator.info.workspace}`;
      const mlToken = emulator.state.issueToken(emulator.info.clientId, 'https://ml.azure.com/.default').token;
      const wrongAudience = await fetch(`${emulator.url}${ws}?api-version=2024-04-01`, { headers: { authorization: `Bearer ${mlToken}` } });
      assert.equal(wrongAudience.status, 401, 'a token for another audience is refused, as ARM refuses it');
      assert.equal(((await wrongAudience.json()) as { error: { code: string } }).error.code, 'InvalidAuthenticationTokenAudience');
      assert.equal((await call(emulator, 'GET', `${ws}?api-version=2024-04-01`, undefined, false)).body?.error.code, 'InvalidAuthenticationToken');
      const armScope = 'https://management.azure.com/.default';
      const refusal = async (token: string) =>
        (
          (await (await fetch(`${emulator.url}${ws}?api-version=2024-04-01`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
            error: { code: string; message: string };
          }
        ).error;
      const expired = await refusal(emulator.state.issueToken(emulator.info.clientId, armScope, { lifetimeSeconds: 0 }).token);
      assert.equal(expired.code, 'ExpiredAuthenticationToken');
      const otherTenant = await refusal(emulator.state.issueToken(emulator.info.clientId, armScope, { tenantId: emulator.state.otherTenantId }).token);
      assert.equal(otherTenant.code, 'InvalidAuthenticationTokenTenant');
      assert.match(otherTenant.message, new RegExp(`must match the tenant 'https://sts.windows.net/${emulator.info.tenantId}/'`));
      assert.equal((await call(emulator, 'GET', ws)).body?.error.code, 'MissingApiVersionParameter');
      const bad = await call(emulator, 'GET', `${ws}?api-version=2019-01-01`);
      assert.equal(bad.status, 400);
      assert.match(bad.body?.error.message, /The api-version '2019-01-01' is invalid\. The supported versions are '.*2024-04-01.*'/);
      const ok = await call(emulator, 'GET', `${ws}?api-version=2024-04-01`);
      assert.equal(ok.body?.name, emulator.info.workspace);
      assert.equal((await call(emulator, 'GET', `${ws}/nothingHere?api-version=2024-04-01`)).body?.error.code, 'InvalidResourceType');
      const missingWs = await call(emulator, 'GET', `${ws.replace(emulator.info.workspace, 'other')}/onlineEndpoints?api-version=2024-04-01`);
      assert.equal(missingWs.status, 404);
      assert.match(missingWs.body?.error.message, /workspaces\/other' under resource group/);
    });

    it('pages lists with an absolute nextLink that the tasks follow', async () => {
      const { clients } = emulatorClients(emulator);
      for (let i = 0; i < 5; i++)
        await call(emulator, 'PUT', `${endpointPath(emulator, `ep-page-${i}`)}?api-version=2024-04-01`, {
          location: 'westeurope',
          properties: { authMode: 'Key' },
        });
      emulator.state.pageSize = 2;
      try {
        const first = await call(emulator, 'GET', `${endpointPath(emulator, '').slice(0, -1)}?api-version=2024-04-01`);
        assert.equal(first.body?.value.length, 2);
        assert.match(first.body?.nextLink, /^https:\/\/127\.0\.0\.1:\d+\/subscriptions\/.*\$skipToken=2/);
        const names: string[] = [];
        for (let next: string | undefined = endpointPath(emulator, '').slice(0, -1); next;) {
          const page: { body: { value: { name: string }[]; nextLink?: string } } = await clients
            .rest()
            .request('GET', next, { operation: 'List online endpoints' });
          names.push(...page.body.value.map((ep) => ep.name));
          next = page.body.nextLink;
        }
        assert.deepEqual(names.filter((n) => n.startsWith('ep-page-')).sort(), ['ep-page-0', 'ep-page-1', 'ep-page-2', 'ep-page-3', 'ep-page-4']);
      } finally {
        emulator.state.pageSize = 100;
      }
    });

    it('answers online endpoint writes with the LRO headers ARM uses', async () => {
      const put = await call(emulator, 'PUT', `${endpointPath(emulator, 'ep-hdr')}?api-version=2024-04-01`, {
        location: 'westeurope',
        properties: { authMode: 'AMLToken' },
      });
      assert.equal(put.status, 201);
      assert.match(put.headers.get('azure-asyncoperation') ?? '', /mfeOperationsStatus/);
      assert.equal(put.headers.get('x-ms-async-operation-timeout'), 'PT1H');
      const patchTags = () => call(emulator, 'PATCH', `${endpointPath(emulator, 'ep-hdr')}?api-version=2024-04-01`, { tags: { a: '1' } });
      let patch = await patchTags();
      assert.equal(patch.status, 409, 'the create is still in progress');
      for (const until = Date.now() + 5_000; patch.status === 409 && Date.now() < until; await new Promise((r) => setTimeout(r, 20))) patch = await patchTags();
      assert.equal(patch.status, 202);
      assert.match(patch.headers.get('location') ?? '', /mfeOperationResults/);
      assert.ok(patch.headers.get('retry-after') !== null);
      const traffic = await call(emulator, 'PATCH', `${endpointPath(emulator, 'ep-hdr')}?api-version=2024-04-01`, { properties: { traffic: { blue: 100 } } });
      assert.equal(traffic.status, 400);
      assert.match(traffic.body?.error.message, /Change traffic with a PUT/);
      const token = await call(emulator, 'POST', `${endpointPath(emulator, 'ep-hdr')}/token?api-version=2024-04-01`);
      assert.equal(typeof token.body?.expiryTimeUtc, 'number');
      const keys = await call(emulator, 'POST', `${endpointPath(emulator, 'ep-hdr')}/listKeys?api-version=2024-04-01`);
      assert.equal(keys.status, 400);
      const k8sAad = await call(emulator, 'PUT', `${endpointPath(emulator, 'ep-k8s')}?api-version=2024-04-01`, {
        location: 'westeurope',
        properties: { authMode: 'AADToken', compute: 'aks' },
      });
      assert.match(k8sAad.body?.error.message, /Kubernetes online endpoints support only the Key and AMLToken/);
    });

    it('logs every answered request as a JSON line, faults included, secrets replaced', async () => {
      emulator.faults.add({ path: '/listKeys', fault: { type: 'status', status: 503 }, times: 1 });
      await call(emulator, 'PUT', `${endpointPath(emulator, 'ep-log')}?api-version=2024-04-01`, { location: 'westeurope', properties: { authMode: 'Key' } });
      const injected = await call(emulator, 'POST', `${endpointPath(emulator, 'ep-log')}/listKeys?api-version=2024-04-01`);
      assert.equal(injected.status, 503);
      const keys = await call(emulator, 'POST', `${endpointPath(emulator, 'ep-log')}/listKeys?api-version=2024-04-01`);
      await fetch(`${emulator.url}/${emulator.info.tenantId}/oauth2/v2.0/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `grant_type=client_credentials&client_id=${emulator.info.clientId}&client_secret=${emulator.info.clientSecret}&scope=x`,
      });
      const text = fs.readFileSync(log, 'utf8');
      const lines = text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, any>);
      for (const line of lines)
        assert.deepEqual(Object.keys(line), ['method', 'url', 'status', 'requestHeaders', 'requestBody', 'responseHeaders', 'responseBody']);
      assert.ok(lines.some((l) => l.status === 503 && l.url.endsWith('/listKeys?api-version=2024-04-01')));
      const listKeys = lines.find((l) => l.status === 200 && l.url.includes('/listKeys'));
      assert.deepEqual(listKeys?.responseBody, { primaryKey: '***', secondaryKey: '***' });
      assert.equal(listKeys?.requestHeaders.authorization, '***');
      assert.ok(lines.some((l) => typeof l.requestBody === 'string' && l.requestBody.includes('client_secret=***')));
      for (const secret of [keys.body?.primaryKey, keys.body?.secondaryKey, emulator.info.clientSecret])
        assert.ok(!text.includes(secret), 'secret in traffic log');
    });
  });
});

describe('emulator MLflow', function () {
  this.timeout(30_000);
  let emulator: Emulator;
  before(async () => (emulator = await startTrustedEmulator()));
  after(() => emulator.stop());

  async function mlflow(method: string, op: string, body?: unknown): Promise<Record<string, any>> {
    const { subscriptionId, resourceGroup, workspace, clientId } = emulator.info;
    const token = emulator.state.issueToken(clientId, 'https://ml.azure.com/.default').token;
    const url = `${emulator.url}/mlflow/v2.0/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${workspace}/api/2.0/mlflow/${op}`;
    const res = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await res.json()) as Record<string, any>;
  }

  it('creates runs, logs metrics, returns the latest value per key, history, and searches children by parent', async () => {
    const parent = (await mlflow('POST', 'runs/create', { experiment_id: 'exp', run_name: 'pipeline' })).run.info.run_id;
    const child = (await mlflow('POST', 'runs/create', { experiment_id: 'exp', run_name: 'train', tags: [{ key: 'mlflow.parentRunId', value: parent }] })).run
      .info.run_id;
    await mlflow('POST', 'runs/log-metric', { run_id: child, key: 'loss', value: 0.9, timestamp: 1, step: 0 });
    await mlflow('POST', 'runs/log-batch', {
      run_id: child,
      metrics: [
        { key: 'loss', value: 0.4, timestamp: 2, step: 1 },
        { key: 'r2', value: 0.5, timestamp: 2, step: 0 },
      ],
      params: [{ key: 'alpha', value: '0.5' }],
    });
    const got = await mlflow('GET', `runs/get?run_id=${child}`);
    assert.deepEqual(got.run.data.metrics.map((m: { key: string; value: number }) => [m.key, m.value]).sort(), [
      ['loss', 0.4],
      ['r2', 0.5],
    ]);
    assert.deepEqual(got.run.data.params, [{ key: 'alpha', value: '0.5' }]);
    const history = await mlflow('GET', `metrics/get-history?run_id=${child}&metric_key=loss`);
    assert.deepEqual(
      history.metrics.map((m: { value: number }) => m.value),
      [0.9, 0.4],
    );
    const search = await mlflow('POST', 'runs/search', {
      experiment_ids: ['exp'],
      filter: `tags.mlflow.parentRunId = '${parent}' and attributes.run_name = 'train'`,
    });
    assert.deepEqual(
      search.runs.map((r: { info: { run_id: string } }) => r.info.run_id),
      [child],
    );
    assert.equal((await mlflow('GET', 'runs/get?run_id=nope')).error_code, 'RESOURCE_DOES_NOT_EXIST');
  });
});

describe('emulator model registry', function () {
  this.timeout(30_000);
  let emulator: Emulator;
  before(async () => (emulator = await startTrustedEmulator()));
  after(() => emulator.stop());

  async function arm(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, any> }> {
    const { subscriptionId, resourceGroup, workspace, clientId } = emulator.info;
    const token = emulator.state.issueToken(clientId, 'https://management.azure.com/.default').token;
    const url = `${emulator.url}/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${workspace}/models/${path}${path.includes('?') ? '&' : '?'}api-version=2024-04-01`;
    const res = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : {} };
  }

  it('versions: tag filters, ordering, $top, paging, archive flags, immutability and the next version', async () => {
    for (const [v, tags] of [
      ['1', { a: '1' }],
      ['2', { a: '2', prod: 'yes' }],
      ['3', { a: '1' }],
    ] as const) {
      assert.equal(
        (await arm('PUT', `m/versions/${v}`, { properties: { modelUri: `azureml://datastores/workspaceblobstore/paths/m/${v}`, tags } })).status,
        201,
      );
    }
    const names = (r: { body: Record<string, any> }) => r.body.value.map((x: { name: string }) => x.name);
    assert.deepEqual(names(await arm('GET', 'm/versions')), ['3', '2', '1']);
    assert.deepEqual(names(await arm('GET', `m/versions?$orderBy=${encodeURIComponent('createdtime asc')}`)), ['1', '2', '3']);
    assert.deepEqual(names(await arm('GET', 'm/versions?tags=a=1')), ['3', '1']);
    assert.deepEqual(names(await arm('GET', 'm/versions?tags=prod')), ['2']);
    assert.deepEqual(names(await arm('GET', 'm/versions?$top=1')), ['3']);
    emulator.state.pageSize = 2;
    const first = await arm('GET', 'm/versions');
    emulator.state.pageSize = 100;
    assert.equal(first.body.value.length, 2);
    assert.match(first.body.nextLink, /\$skipToken=2/);
    assert.equal(
      (await arm('PUT', 'm/versions/1', { properties: { modelUri: 'azureml://datastores/workspaceblobstore/paths/m/1', isArchived: true } })).status,
      200,
    );
    assert.deepEqual(names(await arm('GET', 'm/versions')), ['3', '2']);
    assert.deepEqual(names(await arm('GET', 'm/versions?listViewType=ArchivedOnly')), ['1']);
    const changed = await arm('PUT', 'm/versions/2', { properties: { modelUri: 'azureml://datastores/workspaceblobstore/paths/other' } });
    assert.equal(changed.status, 409);
    assert.equal((await arm('GET', 'm')).body.properties.nextVersion, '4');
    const badJob = await arm('PUT', 'm/versions/9', { properties: { modelUri: 'azureml://jobs/nope/outputs/model/paths/' } });
    assert.match(badJob.body.error.message, /job 'nope' was not found/);
  });
});
