// CallCore.execute and the abort signal it hands an application: made only when the application
// reads it (issue 5's call bench found an AbortController per application run in its profile),
// and still aborted by a hangup or a transfer whenever it is read — before, during or after.
import { afterEach, describe, expect, it } from 'vitest';
import type { AppContext, CallCore } from '../../../src/b2bua/index.js';
import { TestEndpoint, testCore } from '../support/test-endpoint.js';

let core: CallCore | undefined;
afterEach(() => {
  core?.close();
  core = undefined;
});

/** An application whose run is driven by the test: it resolves when `finish` is called. */
function heldApp(name: string) {
  let ctx: AppContext | undefined;
  let finish: () => void = () => {};
  const app = {
    name,
    run(_ch: unknown, _data: string, c: AppContext) {
      ctx = c;
      return new Promise<void>((resolve) => (finish = resolve));
    },
  };
  return { app, ctx: () => ctx!, finish: () => finish() };
}

describe('the signal an application gets from execute', () => {
  it('is aborted when the channel hangs up while the application runs, read before or after', async () => {
    core = testCore();
    const ep = new TestEndpoint();
    core.registerEndpoint(ep);
    const early = heldApp('early');
    const late = heldApp('late');
    core.registerApplication(early.app);
    core.registerApplication(late.app);
    const a = ep.inbound(core);
    const b = ep.inbound(core);
    const runA = core.execute(a, 'early', '');
    const runB = core.execute(b, 'late', '');
    await Promise.resolve();
    const readEarly = early.ctx().signal; // read before the hangup
    expect(readEarly.aborted).toBe(false);
    a.hangup('NORMAL_CLEARING');
    b.hangup('USER_BUSY');
    expect(readEarly.aborted).toBe(true);
    expect(readEarly.reason).toBe('NORMAL_CLEARING');
    const readLate = late.ctx().signal; // first read after the hangup
    expect(readLate.aborted).toBe(true);
    expect(readLate.reason).toBe('USER_BUSY');
    early.finish();
    late.finish();
    await Promise.all([runA, runB]);
  });

  it('is aborted by a transfer out of the running application even when first read afterwards', async () => {
    core = testCore();
    const ep = new TestEndpoint();
    core.registerEndpoint(ep);
    const held = heldApp('held');
    core.registerApplication(held.app);
    const a = ep.inbound(core);
    const run = core.execute(a, 'held', '');
    await Promise.resolve();
    core.transfer(a, '1000');
    const signal = held.ctx().signal;
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe('transfer');
    held.finish();
    await run;
    a.hangup(); // (no dialplan here: the transfer's routing finds none)
  });

  it('is not aborted when the application ends first and the channel hangs up later', async () => {
    core = testCore();
    const ep = new TestEndpoint();
    core.registerEndpoint(ep);
    const held = heldApp('held');
    core.registerApplication(held.app);
    const a = ep.inbound(core);
    const run = core.execute(a, 'held', '');
    await Promise.resolve();
    const signal = held.ctx().signal;
    held.finish();
    await run;
    a.hangup('NORMAL_CLEARING');
    expect(signal.aborted).toBe(false);
  });
});
