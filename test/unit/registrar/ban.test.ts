import { describe, expect, it } from 'vitest';
import { BanList } from '../../../src/registrar/index.js';

function clock(start = 1_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

describe('BanList', () => {
  it('bans an address on its Nth failure within the window and says so once', () => {
    const c = clock();
    const bans = new BanList({ maxFailures: 3, windowMs: 60_000, banMs: 600_000, now: c.now });
    expect(bans.recordFailure('203.0.113.5')).toBeUndefined();
    c.t += 1000;
    expect(bans.recordFailure('203.0.113.5')).toBeUndefined();
    expect(bans.isBanned('203.0.113.5')).toBe(false);
    c.t += 1000;
    const ban = bans.recordFailure('203.0.113.5');
    expect(ban).toEqual({ ip: '203.0.113.5', bannedAtMs: c.t, untilMs: c.t + 600_000, failures: 3 });
    expect(bans.isBanned('203.0.113.5')).toBe(true);
    // Further failures while banned start nothing new.
    expect(bans.recordFailure('203.0.113.5')).toBeUndefined();
    expect(bans.isBanned('198.51.100.1')).toBe(false);
  });

  it('uses the documented defaults: 10 failures in 60 s ban for 600 s', () => {
    const c = clock();
    const bans = new BanList({ now: c.now });
    for (let i = 0; i < 9; i++) expect(bans.recordFailure('a')).toBeUndefined();
    expect(bans.recordFailure('a')?.untilMs).toBe(c.t + 600_000);
  });

  it('starts counting afresh once the window has passed', () => {
    const c = clock();
    const bans = new BanList({ maxFailures: 3, windowMs: 10_000, now: c.now });
    bans.recordFailure('a');
    bans.recordFailure('a');
    c.t += 10_000;
    expect(bans.failuresOf('a')).toBe(0);
    expect(bans.recordFailure('a')).toBeUndefined();
    expect(bans.recordFailure('a')).toBeUndefined();
    expect(bans.isBanned('a')).toBe(false);
    expect(bans.recordFailure('a')).toBeDefined();
  });

  it('forgets the failures of an address that then succeeds', () => {
    const c = clock();
    const bans = new BanList({ maxFailures: 3, now: c.now });
    bans.recordFailure('a');
    bans.recordFailure('a');
    bans.recordSuccess('a');
    expect(bans.failuresOf('a')).toBe(0);
    expect(bans.recordFailure('a')).toBeUndefined();
    expect(bans.recordFailure('a')).toBeUndefined();
    expect(bans.isBanned('a')).toBe(false);
  });

  it('lifts a ban when its time is up', () => {
    const c = clock();
    const bans = new BanList({ maxFailures: 1, banMs: 5000, now: c.now });
    bans.recordFailure('a');
    c.t += 4999;
    expect(bans.isBanned('a')).toBe(true);
    c.t += 1;
    expect(bans.isBanned('a')).toBe(false);
    expect(bans.list()).toEqual([]);
  });

  it('lists bans in force and lifts one on unban', () => {
    const c = clock();
    const bans = new BanList({ maxFailures: 1, now: c.now });
    bans.recordFailure('a');
    c.t += 1;
    bans.recordFailure('b');
    expect(bans.list().map((b) => b.ip)).toEqual(['a', 'b']);
    expect(bans.unban('a')).toBe(true);
    expect(bans.unban('a')).toBe(false);
    expect(bans.isBanned('a')).toBe(false);
    expect(bans.list().map((b) => b.ip)).toEqual(['b']);
  });

  it('keeps at most maxTrackedIps counters and bans, evicting the oldest', () => {
    const c = clock();
    const bans = new BanList({ maxFailures: 2, maxTrackedIps: 100, now: c.now });
    for (let i = 0; i < 10_000; i++) {
      c.t += 1;
      bans.recordFailure(`10.0.${i >> 8}.${i & 255}`);
    }
    expect(bans.dump().trackedIps).toBe(100);
    // The most recent address still has its count.
    expect(bans.failuresOf('10.0.39.15')).toBe(1);
    expect(bans.failuresOf('10.0.0.0')).toBe(0);
    for (let i = 0; i < 1000; i++) {
      c.t += 1;
      bans.recordFailure(`192.0.2.${i & 255}-${i}`);
      bans.recordFailure(`192.0.2.${i & 255}-${i}`);
    }
    expect(bans.dump().bannedIps).toBe(100);
  });

  it('never counts an exempt address, and maxFailures 0 disables banning', () => {
    const c = clock();
    const exempt = new BanList({ maxFailures: 1, isExempt: (ip) => ip === '127.0.0.1', now: c.now });
    expect(exempt.recordFailure('127.0.0.1')).toBeUndefined();
    expect(exempt.isBanned('127.0.0.1')).toBe(false);
    const off = new BanList({ maxFailures: 0, now: c.now });
    for (let i = 0; i < 100; i++) off.recordFailure('a');
    expect(off.isBanned('a')).toBe(false);
    expect(off.enabled).toBe(false);
  });
});
