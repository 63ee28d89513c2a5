import { strict as assert } from 'node:assert';
import { armCall, emulatorClients, endpointPath } from '../../test/support/arm';
import { startTrustedEmulator } from '../seed';
import type { Emulator } from '../server';

describe('emulator long-running operations, conflicts and role assignments', function () {
  this.timeout(30_000);
  let emulator: Emulator;
  before(async () => (emulator = await startTrustedEmulator()));
  after(() => emulator.stop());

  const endpoint = { location: 'westeurope', properties: { authMode: 'Key' } };
  const put = (name: string) => armCall(emulator, 'PUT', `${endpointPath(emulator, name)}?api-version=2024-04-01`, endpoint);

  it("a create takes several polls, each answer carrying a Retry-After in ARM's published range (10 to 600 s)", async () => {
    const created = await put('ep-lro');
    assert.equal(created.status, 201);
    assert.equal(created.headers.get('retry-after'), '10');
    const status = new URL(created.headers.get('azure-asyncoperation') as string);
    const states: string[] = [];
    for (let i = 0; i < 10 && states.at(-1) !== 'Succeeded'; i++) {
      const poll = await armCall(emulator, 'GET', `${status.pathname}${status.search}`);
      states.push(String(poll.body?.status));
      if (poll.body?.status === 'InProgress') assert.equal(poll.headers.get('retry-after'), '10');
    }
    assert.deepEqual(states, ['InProgress', 'InProgress', 'InProgress', 'Succeeded']);
  });

  it('a second write while the first is in progress gets 409 with Retry-After; once it ends, the write goes through', async () => {
    assert.equal((await put('ep-busy')).status, 201);
    const second = await put('ep-busy');
    assert.equal(second.status, 409);
    assert.equal(second.body?.error.code, 'AnotherOperationInProgress');
    assert.equal(second.headers.get('retry-after'), '10');
    // Unpolled, the operation ends on its own, as Azure's do: the same write then goes through.
    const deadline = Date.now() + 5_000;
    let again = await put('ep-busy');
    while (again.status === 409 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      again = await put('ep-busy');
    }
    assert.equal(again.status, 200);
    const group = `/subscriptions/${emulator.info.subscriptionId}/resourceGroups/${emulator.info.resourceGroup}/providers/Microsoft.ContainerInstance/containerGroups/busy-group?api-version=2023-05-01`;
    const body = {
      location: 'westeurope',
      properties: {
        osType: 'Linux',
        containers: [
          { name: 'c', properties: { image: 'mcr.microsoft.com/azuredocs/aci-helloworld:latest', resources: { requests: { cpu: 1, memoryInGB: 1 } } } },
        ],
      },
    };
    assert.equal((await armCall(emulator, 'PUT', group, body)).status, 201);
    const busy = await armCall(emulator, 'PUT', group, body);
    assert.equal(busy.status, 409);
    assert.equal(busy.body?.error.code, 'ContainerGroupTransitioning');
  });

  it('a write whose answer was lost is resent: the 409 it meets is waited out, and one endpoint results', async () => {
    emulator.faults.add({ method: 'PUT', path: '/onlineEndpoints/ep-lost', fault: { type: 'lostResponse' } });
    const { clients, log } = emulatorClients(emulator);
    const res = await clients.rest().request('PUT', `${endpointPath(emulator, 'ep-lost')}`, { operation: 'Create endpoint', body: endpoint });
    assert.equal(res.status, 200);
    assert.ok(
      log.some((l) => /HTTP 409 \(another operation in progress\); retrying/.test(l)),
      log.join('\n'),
    );
    assert.equal([...emulator.state.onlineEndpoints.values()].filter((e) => e.name === 'ep-lost').length, 1);
  });

  it("a container group without location, osType or resource requests is refused with ACI's codes", async () => {
    const group = `/subscriptions/${emulator.info.subscriptionId}/resourceGroups/${emulator.info.resourceGroup}/providers/Microsoft.ContainerInstance/containerGroups/bad-group?api-version=2023-05-01`;
    const container = {
      name: 'c',
      properties: { image: 'mcr.microsoft.com/azuredocs/aci-helloworld:latest', resources: { requests: { cpu: 1, memoryInGB: 1 } } },
    };
    const cases: [Record<string, unknown>, string][] = [
      [{ properties: { osType: 'Linux', containers: [container] } }, 'LocationRequired'],
      [{ location: 'westeurope', properties: { containers: [container] } }, 'InvalidOsType'],
      [
        { location: 'westeurope', properties: { osType: 'Linux', containers: [{ ...container, properties: { image: container.properties.image } }] } },
        'ResourceRequestsNotSpecified',
      ],
      [{ location: 'westeurope', properties: { osType: 'Linux', containers: [container], ipAddress: { type: 'Public', ports: [] } } }, 'MissingIpAddressPorts'],
    ];
    for (const [body, code] of cases) {
      const res = await armCall(emulator, 'PUT', group, body);
      assert.equal(res.status, 400, code);
      assert.equal(res.body?.error.code, code);
    }
    assert.ok(![...emulator.state.containerGroups.values()].some((g) => g.name === 'bad-group'));
  });

  it('a missing role assignment is 403 AuthorizationFailed naming the action and scope, as ARM words it', async () => {
    emulator.state.deniedActions.add('microsoft.machinelearningservices/workspaces/onlineendpoints/write');
    try {
      const denied = await put('ep-denied');
      assert.equal(denied.status, 403);
      assert.equal(denied.body?.error.code, 'AuthorizationFailed');
      assert.match(
        denied.body?.error.message,
        /does not have authorization to perform action 'Microsoft\.MachineLearningServices\/workspaces\/onlineEndpoints\/write' over scope '\/subscriptions\/.*\/onlineEndpoints'/,
      );
      const read = await armCall(emulator, 'GET', `${endpointPath(emulator, 'ep-lro')}?api-version=2024-04-01`);
      assert.equal(read.status, 200, 'reads are still allowed');
    } finally {
      emulator.state.deniedActions.clear();
    }
  });
});
