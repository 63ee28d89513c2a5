import { strict as assert } from 'node:assert';
import { newTrace, parseTraceparent, traceparentFor } from '../src/traceparent';

describe('SmokeTest traceparent', () => {
  it('makes W3C traceparent headers', () => {
    const trace = newTrace();
    const a = traceparentFor(trace);
    const b = traceparentFor(trace);
    assert.match(a, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    assert.equal(a.slice(0, 35), b.slice(0, 35));
    assert.notEqual(a, b);
    assert.deepEqual(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'), { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', flags: '01' });
    assert.equal(parseTraceparent('00-00000000000000000000000000000000-00f067aa0ba902b7-01'), undefined);
    assert.equal(parseTraceparent('garbage'), undefined);
  });
});
