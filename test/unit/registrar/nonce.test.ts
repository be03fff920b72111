import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateNonceSecret, NonceManager, NonceSecretError } from '../../../src/registrar/index.js';

function clock(start = 1_700_000_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

describe('NonceManager', () => {
  it('accepts a fresh nonce for the realm it was issued for', () => {
    const c = clock();
    const m = new NonceManager({ now: c.now });
    const n = m.issue('pbx.example.com');
    expect(n).toMatch(/^[A-Za-z0-9_-]{47}$/);
    expect(m.verify(n, 'pbx.example.com', '00000001')).toEqual({ kind: 'ok', issuedAtMs: c.t, seenBefore: false });
  });

  it('compares realms without regard to case', () => {
    const m = new NonceManager();
    expect(m.verify(m.issue('PBX.example.com'), 'pbx.EXAMPLE.com').kind).toBe('ok');
  });

  it('issues a different nonce each time, even within one millisecond', () => {
    const c = clock();
    const m = new NonceManager({ now: c.now });
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) seen.add(m.issue('r'));
    expect(seen.size).toBe(1000);
  });

  it('reports a nonce older than the TTL as stale', () => {
    const c = clock();
    const m = new NonceManager({ now: c.now, ttlMs: 60_000 });
    const n = m.issue('r');
    c.t += 60_000;
    expect(m.verify(n, 'r').kind).toBe('ok');
    c.t += 1;
    expect(m.verify(n, 'r')).toEqual({ kind: 'stale', issuedAtMs: c.t - 60_001, reason: 'expired' });
  });

  it('reports a nonce issued for another realm as invalid', () => {
    const m = new NonceManager();
    expect(m.verify(m.issue('a.example'), 'b.example')).toEqual({ kind: 'invalid', reason: 'other-realm' });
  });

  it('reports a nonce with one changed character as forged', () => {
    const m = new NonceManager();
    const n = m.issue('r');
    // Change a character in the issue-time part: the MAC no longer matches.
    const forged = n.slice(0, 3) + (n[3] === 'A' ? 'B' : 'A') + n.slice(4);
    expect(m.verify(forged, 'r')).toEqual({ kind: 'invalid', reason: 'forged' });
  });

  it('reports a nonce signed with another secret as forged', () => {
    const other = new NonceManager({ secret: Buffer.alloc(32, 1) });
    const m = new NonceManager({ secret: Buffer.alloc(32, 2) });
    expect(m.verify(other.issue('r'), 'r')).toEqual({ kind: 'invalid', reason: 'forged' });
  });

  it('accepts nonces across instances sharing a secret (restart, or several switches)', () => {
    const secret = Buffer.alloc(32, 7);
    const a = new NonceManager({ secret });
    const b = new NonceManager({ secret });
    expect(b.verify(a.issue('r'), 'r').kind).toBe('ok');
  });

  for (const garbage of ['', 'abc', 'x'.repeat(47), '!'.repeat(47), '0123456789abcdef0123456789abcdef', 'a'.repeat(5000)]) {
    it(`reports garbage ${JSON.stringify(garbage.slice(0, 12))}… (${garbage.length} chars) as malformed or forged`, () => {
      const r = new NonceManager().verify(garbage, 'r');
      expect(r.kind).toBe('invalid');
    });
  }

  it('refuses a nonce-count that is not higher than one already used (replay)', () => {
    const m = new NonceManager();
    const n = m.issue('r');
    const first = m.verify(n, 'r', '00000001');
    expect(first.kind).toBe('ok');
    if (first.kind !== 'ok') return;
    m.recordUse(n, first.issuedAtMs, '00000001');
    expect(m.verify(n, 'r', '00000001')).toEqual({ kind: 'invalid', reason: 'replayed' });
    expect(m.verify(n, 'r', '00000002')).toEqual({ kind: 'ok', issuedAtMs: first.issuedAtMs, seenBefore: true });
    m.recordUse(n, first.issuedAtMs, '00000003');
    expect(m.verify(n, 'r', '00000002')).toEqual({ kind: 'invalid', reason: 'replayed' });
  });

  it('lets a client without qop reuse a nonce while it lives', () => {
    const c = clock();
    const m = new NonceManager({ now: c.now });
    const n = m.issue('r');
    m.recordUse(n, c.t);
    expect(m.verify(n, 'r')).toEqual({ kind: 'ok', issuedAtMs: c.t, seenBefore: true });
    expect(m.verify(n, 'r')).toEqual({ kind: 'ok', issuedAtMs: c.t, seenBefore: true });
  });

  it('rejects nc=0 and a non-hex nc', () => {
    const m = new NonceManager();
    const n = m.issue('r');
    expect(m.verify(n, 'r', '00000000')).toEqual({ kind: 'invalid', reason: 'bad-nc' });
    expect(m.verify(n, 'r', 'zz')).toEqual({ kind: 'invalid', reason: 'bad-nc' });
  });

  it('drops replay records when their nonce expires', () => {
    const c = clock();
    const m = new NonceManager({ now: c.now, ttlMs: 1000 });
    for (let i = 0; i < 10; i++) m.recordUse(m.issue('r'), c.t, '00000001');
    expect(m.trackedCount).toBe(10);
    c.t += 1001;
    m.recordUse(m.issue('r'), c.t, '00000001');
    expect(m.trackedCount).toBe(1);
  });

  it('keeps at most maxTracked replay records and answers stale for an evicted nonce', () => {
    const c = clock();
    const m = new NonceManager({ now: c.now, maxTracked: 3 });
    const nonces: string[] = [];
    for (let i = 0; i < 5; i++) {
      c.t += 1;
      const n = m.issue('r');
      nonces.push(n);
      m.recordUse(n, c.t, '00000001');
    }
    expect(m.trackedCount).toBe(3);
    // Its record is gone, so a replay could not be recognised: force a fresh challenge.
    expect(m.verify(nonces[0]!, 'r', '00000001')).toMatchObject({ kind: 'stale', reason: 'evicted' });
    expect(m.verify(nonces[4]!, 'r', '00000001')).toEqual({ kind: 'invalid', reason: 'replayed' });
    // A nonce issued after the evictions is unaffected.
    c.t += 1;
    expect(m.verify(m.issue('r'), 'r', '00000001').kind).toBe('ok');
  });

  it('treats a nonce from the future beyond the TTL (clock stepped back) as stale', () => {
    const c = clock();
    const m = new NonceManager({ now: c.now, ttlMs: 1000 });
    const n = m.issue('r');
    c.t -= 5000;
    expect(m.verify(n, 'r').kind).toBe('stale');
  });

  it('refuses a secret shorter than 16 bytes', () => {
    expect(() => new NonceManager({ secret: Buffer.alloc(8) })).toThrow(NonceSecretError);
  });
});

describe('loadOrCreateNonceSecret', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('creates a 32-byte secret readable only by the owner, and returns the same one next time', () => {
    dir = mkdtempSync(join(tmpdir(), 'nonce-secret-'));
    const file = join(dir, 'db', 'nonce.secret');
    const a = loadOrCreateNonceSecret(file);
    expect(a.length).toBe(32);
    expect(statSync(file).mode & 0o077).toBe(0);
    const b = loadOrCreateNonceSecret(file);
    expect(b.equals(a)).toBe(true);
    expect(readFileSync(file).equals(a)).toBe(true);
  });

  it('reports an unreadable path as a NonceSecretError', () => {
    dir = mkdtempSync(join(tmpdir(), 'nonce-secret-'));
    // A directory where the file should be.
    expect(() => loadOrCreateNonceSecret(dir!)).toThrow(NonceSecretError);
  });
});
