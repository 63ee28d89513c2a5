import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Emulator } from '../../emulator/server';
import { seedEndpoint, startTrustedEmulator } from '../../emulator/seed';
import { emulatorConnection } from '../../scripts/lib/emulator-connection';
import { runBundle, visibleText, type BundleRun } from '../../scripts/lib/run-bundle';
import { emulatorClients, endpointPath } from '../support/arm';
import { ROW, SAMPLE, trainManyModels } from '../support/trained-model';
import { readTraffic } from '../support/traffic';

const BASE_IMAGE = 'mcr.microsoft.com/azureml/minimal-ubuntu22.04-py311-cpu-inference:latest';

interface RoutingMap {
  target: string;
  containers: Record<
    string,
    { group: Record<string, string>; models: Record<string, string>; service: { kind: string; scoringUri: string; resourceId: string } }
  >;
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

/** One emulator with the many-models sample trained, and the task bundle run with `defaults` plus per-run inputs. */
function harness(job: string, training: Record<string, number>, defaults: Record<string, string>) {
  const h = {
    emulator: undefined as unknown as Emulator,
    log: '',
    out: '',
    group: (inputs: Record<string, string>): Promise<BundleRun> =>
      runBundle('GroupManyModels', {
        inputs: {
          resourceGroupName: h.emulator.info.resourceGroup,
          workspaceName: h.emulator.info.workspace,
          modelTagFilter: 'ModelType=many-models-diabetes',
          splittingTags: 'Brand',
          sortingTags: 'Store',
          environment: BASE_IMAGE,
          codePath: path.join(SAMPLE, 'src'),
          scoringScript: 'many_models_score.py',
          outputDirectory: h.out,
          ...defaults,
          ...inputs,
        },
        connection: emulatorConnection(h.emulator, 'spnKey'),
        env: { BUILD_BUILDID: '301' },
      }),
    traffic: () => readTraffic(h.log),
    /** Requests that change something (token and key reads aside). */
    writes: () => h.traffic().filter((t) => t.method !== 'GET' && !/listKeys|listSecrets|getLogs|oauth2/.test(t.url)),
    /** ARM calls of the run (token requests, storage and scoring aside), and the models whose versions it read. */
    armCalls: () => h.traffic().filter((t) => new URL(t.url).pathname.startsWith('/subscriptions/')),
    versionReads: () =>
      h
        .traffic()
        .map((t) => /\/models\/([^/]+)\/versions$/.exec(new URL(t.url).pathname)?.[1])
        .filter((m): m is string => m !== undefined && m !== 'deployed_models_info'),
    routing: (): RoutingMap => JSON.parse(fs.readFileSync(path.join(h.out, 'routing-map.json'), 'utf8')),
  };
  before(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${job}-`));
    h.log = path.join(dir, 'traffic.jsonl');
    h.out = path.join(dir, 'out');
    h.emulator = await startTrustedEmulator(h.log);
    await trainManyModels(h.emulator, job, training);
  });
  after(() => h.emulator.stop());
  return h;
}

describe('GroupManyModels bundle against the emulator', function () {
  this.timeout(300_000);
  const h = harness('many-train-1', { stores: 30, brands: 10 }, { maxContainerSize: '20', servicePrefix: 'mm', concurrency: '4' });
  const routingVersions = () =>
    (
      h.emulator.state.modelVersions.get(`${endpointPath(h.emulator, 'x').replace('/onlineEndpoints/x', '')}/models/deployed_models_info`.toLowerCase()) ?? []
    ).map((v) => v.version);
  const containerOf = (map: RoutingMap, model: string) => Object.entries(map.containers).find(([, c]) => model in c.models);

  it('first deploy: 300 models in 20 containers of at most 20, each serving its members, every model routed once', async () => {
    const run = await h.group({});
    assert.equal(run.result, 'Succeeded', run.stdout.slice(-3000));
    assert.deepEqual([run.outputs.newGroups, run.outputs.updatedGroups, run.outputs.unchangedGroups, run.outputs.deletedGroups], ['20', '0', '0', '0']);
    const map = h.routing();
    const models = Object.values(map.containers).flatMap((c) => Object.keys(c.models));
    assert.equal(models.length, 300);
    assert.equal(new Set(models).size, 300, 'each model in exactly one container');
    for (const [name, c] of Object.entries(map.containers)) {
      assert.ok(Object.keys(c.models).length <= 20, name);
      assert.ok(
        Object.keys(c.models).every((m) => m.endsWith(`-${c.group.Brand}`)),
        `${name} holds one brand`,
      );
    }
    assert.deepEqual(Object.keys(map.containers['mm-b3-1'].models).slice(0, 3), ['diabetes-s01-b3', 'diabetes-s02-b3', 'diabetes-s03-b3']);
    assert.equal(Object.keys(map.containers['mm-b3-2'].models).length, 10, 'stores 21-30 fill the second container');
    const [, container] = containerOf(map, 'diabetes-s07-b3')!;
    const answer = await post(container.service.scoringUri, { model: 'diabetes-s07-b3', data: [ROW] });
    assert.equal(answer.status, 200);
    assert.equal(answer.body.version, '1');
    assert.equal(answer.body.container, 'mm-b3-1');
    assert.ok(answer.body.predictions[0] > 50 && answer.body.predictions[0] < 400, JSON.stringify(answer.body));
    assert.deepEqual(routingVersions(), ['1']);
    assert.ok(!/primaryKey|secondaryKey|sig=|"key"/.test(fs.readFileSync(path.join(h.out, 'routing-map.json'), 'utf8')), 'no keys in the routing map');
    assert.ok(!visibleText(run).includes(h.emulator.state.storageKey), 'the datastore key is never printed');
    assert.ok(run.secrets.includes(h.emulator.state.storageKey), 'the datastore key is masked');
    assert.match(run.attachments.map((a) => a.content).join('\n'), /\| 20 \| 0 \| 0 \| 0 \| 0 \|/);
  });

  it('the router sample forwards each request to the container serving its model', async () => {
    const router = spawn('python3', [path.join(SAMPLE, 'src', 'many_models_router.py'), '--routing-map', path.join(h.out, 'routing-map.json'), '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        router.stdout.on('data', (d: Buffer) => {
          const m = /port (\d+)/.exec(d.toString());
          if (m) resolve(Number(m[1]));
        });
        router.on('exit', (code) => reject(new Error(`router exited ${code}`)));
      });
      const answer = await post(`http://127.0.0.1:${port}/score`, [
        { model: 'diabetes-s01-b1', data: [ROW] },
        { model: 'diabetes-s30-b10', data: [ROW, ROW] },
        { model: 'diabetes-s02-b1', data: [ROW] },
      ]);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.deepEqual(
        answer.body.map((a: { model: string; container: string }) => [a.model, a.container]),
        [
          ['diabetes-s01-b1', 'mm-b1-1'],
          ['diabetes-s30-b10', 'mm-b10-2'],
          ['diabetes-s02-b1', 'mm-b1-1'],
        ],
      );
      assert.equal(answer.body[1].predictions.length, 2);
      assert.equal((await post(`http://127.0.0.1:${port}/score`, { model: 'nope', data: [ROW] })).status, 400);
    } finally {
      router.kill();
    }
  });

  it('a re-run with no change deploys nothing and registers no new routing map', async () => {
    fs.rmSync(h.log, { force: true });
    const run = await h.group({});
    assert.equal(run.result, 'Succeeded', run.stdout.slice(-3000));
    assert.deepEqual([run.outputs.newGroups, run.outputs.updatedGroups, run.outputs.unchangedGroups, run.outputs.deletedGroups], ['0', '0', '20', '0']);
    assert.deepEqual(h.writes(), [], 'no write at all');
    assert.deepEqual(routingVersions(), ['1']);
    assert.match(run.message ?? '', /Nothing to change: 20 container\(s\) up to date/);
    assert.deepEqual(h.versionReads(), [], 'no model version read: every container still names the version the listing index saw');
    assert.match(run.stdout, /versions read for 0 of 300 model\(s\), 300 unchanged since the last listing/);
    assert.ok(h.armCalls().length <= 300 / 100 + 10, `${h.armCalls().length} ARM calls for 300 models`);
  });

  // A mistake never takes production down: each of these stops before any write.
  const noWrites = (run: BundleRun) => {
    assert.deepEqual(
      h.writes().map((t) => `${t.method} ${t.url}`),
      [],
      'no write at all',
    );
    assert.deepEqual(routingVersions(), ['1'], 'no routing map registered');
    assert.equal([...h.emulator.state.containerGroups.values()].filter((g) => g.port !== undefined).length, 20, run.stdout.slice(-2000));
  };

  it('a typo in modelTagFilter matches nothing: an error naming the input, the tags that exist and the likely fix', async () => {
    fs.rmSync(h.log, { force: true });
    const run = await h.group({ modelTagFilter: 'ModelTyp=many-models-diabetes' });
    assert.equal(run.result, 'Failed');
    assert.match(run.message ?? '', /^Input 'modelTagFilter': 'ModelTyp=many-models-diabetes' matches none of the 300 model\(s\)/);
    assert.match(run.message ?? '', /Did you mean 'ModelTyp=many-models-diabetes' -> 'ModelType=many-models-diabetes'\?/);
    assert.match(run.message ?? '', /ModelType=many-models-diabetes \(20\)/, 'the tags on a sample of the models');
    noWrites(run);
  });

  it('a splitting tag in the wrong case is reported by name and deletes nothing', async () => {
    fs.rmSync(h.log, { force: true });
    const run = await h.group({ splittingTags: 'brand' });
    assert.equal(run.result, 'Failed');
    assert.match(
      run.message ?? '',
      /Input 'splittingTags': no model carries the tag 'brand', but 'Brand' exists \(the deployed containers are split by it\); tag names are case-sensitive/,
    );
    noWrites(run);
  });

  it('a filter that drops most served models is stopped by the change check, in a dry run too, naming allowLargeChanges', async () => {
    for (const dryRun of ['true', 'false']) {
      fs.rmSync(h.log, { force: true });
      const run = await h.group({ modelTagFilter: 'ModelType=many-models-diabetes,Brand=b1', dryRun });
      assert.equal(run.result, 'Failed', run.stdout.slice(-2000));
      assert.match(run.message ?? '', dryRun === 'true' ? /^Dry run: the plan would be stopped/ : /^Stopped before any change/);
      assert.match(
        run.message ?? '',
        /it deletes 18 container\(s\) still serving 270 model\(s\) that would then be served nowhere \(mm-b2-1: diabetes-s01-b2, /,
      );
      assert.match(run.message ?? '', /removes 270 .* of the 300 served model\(s\): 90%, above largeChangeThreshold \(20%\)/);
      assert.match(run.message ?? '', /set allowLargeChanges to true/);
      assert.equal(run.outputs.changeGuard, 'blocked');
      assert.equal(run.outputs.deletedGroups, '18');
      const plan = JSON.parse(fs.readFileSync(run.outputs.planFile, 'utf8')) as { changeGuard: { verdict: string; removed: string[] } };
      assert.equal(plan.changeGuard.verdict, 'blocked');
      assert.equal(plan.changeGuard.removed.length, 270);
      assert.match(run.attachments.map((a) => a.content).join('\n'), /Change check: \*\*blocked\*\*/);
      noWrites(run);
    }
  });

  it('one version bump redeploys exactly its container, which then serves the new version', async () => {
    await trainManyModels(h.emulator, 'many-train-2', { stores: 30, brands: 10, only: 'diabetes-s07-b3' });
    fs.rmSync(h.log, { force: true });
    const run = await h.group({});
    assert.equal(run.result, 'Succeeded', run.stdout.slice(-3000));
    assert.deepEqual([run.outputs.newGroups, run.outputs.updatedGroups, run.outputs.unchangedGroups, run.outputs.deletedGroups], ['0', '1', '19', '0']);
    assert.deepEqual(h.versionReads(), ['diabetes-s07-b3'], 'only the bumped model is read');
    const groupPuts = h.writes().filter((t) => t.method === 'PUT' && t.url.includes('/containerGroups/'));
    assert.deepEqual(
      groupPuts.map((t) => new URL(t.url).pathname.split('/').pop()),
      ['mm-b3-1-next', 'mm-b3-1'],
      'proven in a trial group, then replaced in place',
    );
    assert.ok(
      !h.emulator.state.containerGroups.has(`${h.emulator.info.subscriptionId}/${h.emulator.info.resourceGroup}/mm-b3-1-next`.toLowerCase()),
      'the trial group is deleted',
    );
    const map = h.routing();
    assert.equal(map.containers['mm-b3-1'].models['diabetes-s07-b3'], '2');
    const answer = await post(map.containers['mm-b3-1'].service.scoringUri, { model: 'diabetes-s07-b3', data: [ROW] });
    assert.equal(answer.body.version, '2');
    assert.deepEqual(routingVersions(), ['1', '2']);
  });

  it('a failing container fails the task after the others finish, and its models keep their previous routes', async () => {
    const { clients } = emulatorClients(h.emulator);
    const models = `${endpointPath(h.emulator, 'x').replace('/onlineEndpoints/x', '')}/models`;
    // A broken model file in brand b5's first container; a new store for brand b6 (its second container has room).
    h.emulator.state.blobs.set('broken/diabetes-s04-b5/model.json', Buffer.from('{ not json'));
    await clients.rest().request('PUT', `${models}/diabetes-s04-b5/versions/2`, {
      operation: 'register',
      body: {
        properties: {
          modelUri: 'azureml://datastores/workspaceblobstore/paths/broken/diabetes-s04-b5',
          tags: { Store: '4', Brand: 'b5', ModelType: 'many-models-diabetes' },
        },
      },
    });
    const before = h.routing();
    const newModel = 'diabetes-s31-b6';
    const trained = [...h.emulator.state.jobs.values()].find((j) => j.name === 'many-train-1')!.outputs.models;
    h.emulator.state.blobs.set(`fresh/${newModel}/model.json`, fs.readFileSync(path.join(trained, 'diabetes-s30-b6', 'model.json')));
    await clients.rest().request('PUT', `${models}/${newModel}/versions/1`, {
      operation: 'register',
      body: {
        properties: {
          modelUri: `azureml://datastores/workspaceblobstore/paths/fresh/${newModel}`,
          tags: { Store: '31', Brand: 'b6', ModelType: 'many-models-diabetes' },
        },
      },
    });
    const run = await h.group({});
    assert.equal(run.result, 'Failed', run.stdout.slice(-3000));
    assert.match(run.message ?? '', /1 container\(s\) failed: mm-b5-1/);
    assert.match(run.stdout, /Last lines of the logs of mm-b5-1/);
    const map = h.routing();
    assert.equal(
      map.containers['mm-b5-1'].models['diabetes-s04-b5'],
      before.containers['mm-b5-1'].models['diabetes-s04-b5'],
      'the failed container keeps its old entries',
    );
    assert.deepEqual(Object.keys(map.containers['mm-b5-1'].models), Object.keys(before.containers['mm-b5-1'].models));
    assert.equal(containerOf(map, newModel)?.[0], 'mm-b6-2', 'the healthy container was deployed');
    assert.equal(Object.values(map.containers).flatMap((c) => Object.keys(c.models)).length, 301);
    assert.deepEqual(routingVersions(), ['1', '2', '3']);
    assert.match(run.stdout, /did not come up in its trial group 'mm-b5-1-next', so 'mm-b5-1' keeps serving the previous version/);
    const served = await post(map.containers['mm-b5-1'].service.scoringUri, { model: 'diabetes-s04-b5', data: [ROW] });
    assert.equal(served.status, 200, 'the serving container was never replaced');
    assert.equal(served.body.version, '1');
  });
});

describe('GroupManyModels bundle on Kubernetes online endpoints', function () {
  this.timeout(300_000);
  const h = harness('many-k8s-1', { stores: 4, brands: 3 }, { maxContainerSize: '5', target: 'kubernetes', computeName: 'aks-prod', servicePrefix: 'mmk' });

  it('a dry run writes the plan and deploys nothing', async () => {
    fs.rmSync(h.log, { force: true });
    const run = await h.group({ dryRun: 'true' });
    assert.equal(run.result, 'Succeeded', run.stdout);
    assert.equal(run.outputs.newGroups, '3');
    const plan = JSON.parse(fs.readFileSync(run.outputs.planFile, 'utf8')) as { containers: { name: string; action: string }[] };
    assert.deepEqual(
      plan.containers.map((c) => [c.name, c.action]),
      [
        ['mmk-b1-1', 'new'],
        ['mmk-b2-1', 'new'],
        ['mmk-b3-1', 'new'],
      ],
    );
    assert.ok(fs.existsSync(path.join(h.out, 'plan.md')));
    assert.deepEqual(
      h.traffic().filter((t) => t.method !== 'GET' && !/oauth2|listSecrets/.test(t.url)),
      [],
    );
  });

  it('a plan past the quota of 60 endpoints per Kubernetes cluster stops before any write, in a dry run too', async () => {
    const { state } = h.emulator;
    const compute = `${endpointPath(h.emulator, 'x').replace('/onlineEndpoints/x', '')}/computes/aks-prod`;
    const seeded = Array.from({ length: 58 }, (_, i) => `other-${i}`);
    for (const name of seeded) seedEndpoint(h.emulator, { name, compute });
    try {
      for (const dryRun of ['true', 'false']) {
        const from = h.traffic().length;
        const run = await h.group({ dryRun });
        assert.equal(run.result, 'Failed');
        assert.match(
          run.message ?? '',
          /The plan exceeds Azure ML's quotas: 61 online endpoints \(3 in the plan \+ 58 others in the workspace\) exceed the quota of 60 per Kubernetes cluster/,
        );
        const plan = JSON.parse(fs.readFileSync(run.outputs.planFile, 'utf8')) as { quotas: { endpoints: number; problems: string[] } };
        assert.equal(plan.quotas.endpoints, 61);
        assert.equal(plan.quotas.problems.length, 1);
        assert.deepEqual(
          h
            .traffic()
            .slice(from)
            .filter((t) => t.method !== 'GET' && !/oauth2|listSecrets/.test(t.url)),
          [],
          'nothing written',
        );
      }
    } finally {
      for (const [key, e] of state.onlineEndpoints) if (seeded.includes(e.name)) state.onlineEndpoints.delete(key);
    }
  });

  it('deploys one endpoint per container; each answers for its models with the endpoint key', async () => {
    const run = await h.group({});
    assert.equal(run.result, 'Succeeded', run.stdout.slice(-3000));
    const map = h.routing();
    assert.deepEqual(Object.keys(map.containers), ['mmk-b1-1', 'mmk-b2-1', 'mmk-b3-1']);
    assert.match(
      run.attachments.map((a) => a.content).join('\n'),
      /\(\[studio\]\(https:\/\/ml\.azure\.com\/endpoints\/realtime\/mmk-b1-1\/detail\?wsid=\/subscriptions\/[^)]+\/workspaces\/mlw-emulator\)\)/,
    );
    const { clients } = emulatorClients(h.emulator);
    const keys = await clients.rest().request<{ primaryKey: string }>('POST', `${endpointPath(h.emulator, 'mmk-b2-1')}/listKeys`, { operation: 'keys' });
    const answer = await post(
      map.containers['mmk-b2-1'].service.scoringUri,
      { model: 'diabetes-s03-b2', data: [ROW] },
      { authorization: `Bearer ${keys.body.primaryKey}` },
    );
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.container, 'mmk-b2-1');
    assert.ok(!fs.readFileSync(path.join(h.out, 'routing-map.json'), 'utf8').includes(keys.body.primaryKey));
  });

  it('a retrain that lost its splitting tag (or wrote it in another case) keeps serving the old version, reported by name', async () => {
    const { clients } = emulatorClients(h.emulator);
    const models = `${endpointPath(h.emulator, 'x').replace('/onlineEndpoints/x', '')}/models`;
    const v1 = await clients.rest().request<{ properties: { modelUri: string } }>('GET', `${models}/diabetes-s02-b2/versions/1`, { operation: 'get' });
    await clients.rest().request('PUT', `${models}/diabetes-s02-b2/versions/2`, {
      operation: 'register',
      body: { properties: { modelUri: v1.body.properties.modelUri, tags: { Store: '2', brand: 'b2', ModelType: 'many-models-diabetes' } } },
    });
    fs.rmSync(h.log, { force: true });
    const run = await h.group({});
    assert.equal(run.result, 'SucceededWithIssues', run.stdout.slice(-3000));
    assert.match(
      run.stdout,
      /Model 'diabetes-s02-b2' has no value for splitting tag\(s\) Brand \(it carries 'brand': tag names are case-sensitive\): it keeps serving version 1 in mmk-b2-1/,
    );
    assert.equal(run.outputs.changeGuard, 'passed');
    assert.deepEqual([run.outputs.newGroups, run.outputs.updatedGroups, run.outputs.deletedGroups], ['0', '0', '0']);
    assert.deepEqual(
      h.traffic().filter((t) => t.method !== 'GET' && !/oauth2|listSecrets|listKeys|model-index\.json/.test(t.url)),
      [],
      'nothing deleted or redeployed',
    );
    assert.equal(h.routing().containers['mmk-b2-1'].models['diabetes-s02-b2'], '1');
    await clients.rest().request('PUT', `${models}/diabetes-s02-b2/versions/3`, {
      operation: 'register',
      body: { properties: { modelUri: v1.body.properties.modelUri, tags: { Store: '2', Brand: 'b2', ModelType: 'many-models-diabetes' } } },
    });
  });

  it('shrinking relocates the overflow: past the change threshold it needs allowLargeChanges; the new containers are up before the ones that hand over models change', async () => {
    fs.rmSync(h.log, { force: true });
    const stopped = await h.group({ maxContainerSize: '3' });
    assert.equal(stopped.result, 'Failed');
    assert.match(stopped.message ?? '', /it moves 3 of the 12 served model\(s\): 25%, above largeChangeThreshold \(20%\)/);
    assert.deepEqual(
      h.traffic().filter((t) => t.method !== 'GET' && !/oauth2|listSecrets/.test(t.url)),
      [],
    );
    const run = await h.group({ maxContainerSize: '3', allowLargeChanges: 'true' });
    assert.equal(run.outputs.changeGuard, 'allowed');
    assert.match(run.stdout, /Large change allowed by allowLargeChanges/);
    assert.equal(run.result, 'Succeeded', run.stdout.slice(-3000));
    assert.deepEqual([run.outputs.newGroups, run.outputs.updatedGroups, run.outputs.deletedGroups], ['3', '3', '0']);
    const deploymentPuts = h
      .traffic()
      .filter((t) => t.method === 'PUT' && /\/deployments\//.test(t.url))
      .map((t) => new URL(t.url).pathname.split('/')[10]);
    for (const brand of ['b1', 'b2', 'b3']) {
      assert.ok(deploymentPuts.indexOf(`mmk-${brand}-2`) < deploymentPuts.indexOf(`mmk-${brand}-1`), `mmk-${brand}-2 before mmk-${brand}-1: ${deploymentPuts}`);
    }
    const map = h.routing();
    assert.deepEqual(Object.keys(map.containers['mmk-b1-1'].models), ['diabetes-s01-b1', 'diabetes-s02-b1', 'diabetes-s03-b1']);
    assert.deepEqual(Object.keys(map.containers['mmk-b1-2'].models), ['diabetes-s04-b1']);
  });

  it('an update that does not come up is removed again; the live deployment keeps all traffic and answers', async () => {
    const endpoint = (name: string) => [...h.emulator.state.onlineEndpoints.values()].find((e) => e.name === name)!;
    const traffic = (name: string) => (endpoint(name).resource.properties as { traffic: Record<string, number> }).traffic;
    assert.deepEqual(traffic('mmk-b1-1'), { green: 100 });
    h.emulator.state.unhealthyDeployments.add('blue');
    try {
      const run = await h.group({ updateAll: 'true' });
      assert.equal(run.result, 'Failed', run.stdout.slice(-3000));
      assert.match(run.message ?? '', /3 container\(s\) failed: mmk-b1-1 .*'green' keeps serving/);
    } finally {
      h.emulator.state.unhealthyDeployments.delete('blue');
    }
    for (const name of ['mmk-b1-1', 'mmk-b2-1', 'mmk-b3-1']) {
      assert.deepEqual(traffic(name), { green: 100 }, name);
      assert.deepEqual([...endpoint(name).deployments.keys()], ['green'], `${name}: the failed deployment is gone`);
    }
    const { clients } = emulatorClients(h.emulator);
    const keys = await clients.rest().request<{ primaryKey: string }>('POST', `${endpointPath(h.emulator, 'mmk-b1-1')}/listKeys`, { operation: 'keys' });
    const answer = await post(
      h.routing().containers['mmk-b1-1'].service.scoringUri,
      { model: 'diabetes-s01-b1', data: [ROW] },
      { authorization: `Bearer ${keys.body.primaryKey}` },
    );
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
  });

  it('a target that differs from the deployed one needs a reset, which rebuilds and deletes the old endpoints', async () => {
    const refused = await h.group({ target: 'managed' });
    assert.equal(refused.result, 'Failed');
    assert.match(refused.message ?? '', /Input 'target': 'managed' differs from the deployed containers' target 'kubernetes'.*set reset to true/);
    const unguarded = await h.group({ target: 'managed', reset: 'true', servicePrefix: 'mmm', maxContainerSize: '4' });
    assert.equal(unguarded.result, 'Failed', 'a reset goes through the change check too');
    assert.match(unguarded.message ?? '', /moves 12 of the 12 served model\(s\): 100%/);
    const rebuilt = await h.group({ target: 'managed', reset: 'true', servicePrefix: 'mmm', maxContainerSize: '4', allowLargeChanges: 'true' });
    assert.equal(rebuilt.result, 'Succeeded', rebuilt.stdout.slice(-3000));
    assert.deepEqual([rebuilt.outputs.newGroups, rebuilt.outputs.deletedGroups], ['3', '6']);
    const endpoints = [...h.emulator.state.onlineEndpoints.values()].map((e) => e.name).sort();
    assert.deepEqual(endpoints, ['mmm-b1-1', 'mmm-b2-1', 'mmm-b3-1']);
    assert.equal(h.routing().target, 'managed');
  });
});
