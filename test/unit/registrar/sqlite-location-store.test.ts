import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidStateError } from '../../../src/common/index.js';
import {
  bindingKey,
  LOCATION_SCHEMA_VERSION,
  LocationStoreError,
  makeAor,
  SqliteLocationStore,
  type Binding,
} from '../../../src/registrar/index.js';

function binding(user: string, patch: Partial<Binding> = {}): Binding {
  const domain = patch.domain ?? 'pbx.example.com';
  return {
    aor: makeAor(user, domain),
    user,
    domain,
    profile: 'internal',
    contactUri: `sip:${user}@192.168.1.50:5060`,
    contactRaw: `"Ext ${user}" <sip:${user}@192.168.1.50:5060>;expires=3600`,
    displayName: `Ext ${user}`,
    expiresAt: 2_000_000_000,
    registeredAt: 1_999_996_400,
    callId: `call-${user}`,
    cseq: 1,
    instanceId: undefined,
    regId: undefined,
    userAgent: 'Grandstream GXP1625',
    q: undefined,
    path: undefined,
    transport: 'udp',
    sourceIp: '192.168.1.50',
    sourcePort: 5060,
    connectionId: undefined,
    natted: false,
    authUser: user,
    authRealm: domain,
    pingStatus: 'Reachable',
    pingFailures: 0,
    ...patch,
  };
}

let dir: string;
let file: string;
const open: SqliteLocationStore[] = [];

function openStore(): SqliteLocationStore {
  const s = SqliteLocationStore.open(file);
  open.push(s);
  return s;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'location-store-'));
  file = join(dir, 'db', 'registrations.db');
});

afterEach(() => {
  for (const s of open.splice(0)) s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SqliteLocationStore', () => {
  it('creates the database under db/ in WAL mode with a schema version', () => {
    const s = openStore();
    expect(s.schemaVersion()).toBe(LOCATION_SCHEMA_VERSION);
    s.close();
    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('keeps every binding, field for field, across close and reopen', () => {
    const s = openStore();
    const full = binding('1000', {
      instanceId: '<urn:uuid:00000000-0000-1000-8000-000000000001>',
      regId: 1,
      q: 0.5,
      path: ['<sip:edge1.example.com;lr>', '<sip:edge2.example.com;lr>'],
      transport: 'tcp',
      connectionId: 'conn-7',
      natted: true,
      pingStatus: 'Unreachable',
      pingFailures: 3,
    });
    const plain = binding('1001');
    s.bind(full);
    s.bind(plain);
    s.close();
    const again = openStore();
    expect(again.count()).toBe(2);
    expect(again.lookup(full.aor)).toEqual([{ ...full, key: bindingKey(full) }]);
    expect(again.lookup(plain.aor)).toEqual([{ ...plain, key: bindingKey(plain) }]);
  });

  it('replaces the binding with the same key instead of adding one', () => {
    const s = openStore();
    s.bind(binding('1000', { cseq: 1 }));
    s.bind(binding('1000', { cseq: 2, contactUri: 'sip:1000@192.168.1.50:5060;ob', expiresAt: 2_000_000_100 }));
    const rows = s.lookup(makeAor('1000', 'pbx.example.com'));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ cseq: 2, expiresAt: 2_000_000_100 });
  });

  it('looks up only unexpired bindings when asked', () => {
    const s = openStore();
    s.bind(binding('1000', { expiresAt: 100 }));
    s.bind(binding('1000', { contactUri: 'sip:1000@10.0.0.9', expiresAt: 300 }));
    expect(s.lookup(makeAor('1000', 'pbx.example.com'), 200).map((b) => b.expiresAt)).toEqual([300]);
  });

  it('expires bindings up to a cutoff, soonest first, returning them', () => {
    const s = openStore();
    for (let i = 0; i < 10; i++) s.bind(binding(String(1000 + i), { expiresAt: 1000 + i * 10 }));
    const first = s.expire(1020, 2);
    expect(first.map((b) => b.user)).toEqual(['1000', '1001']);
    const rest = s.expire(1040);
    expect(rest.map((b) => b.user).sort()).toEqual(['1002', '1003', '1004']);
    expect(s.count()).toBe(5);
    expect(s.expire(1040)).toEqual([]);
  });

  it('with group commit, shares one transaction per event-loop turn and commits it right after', async () => {
    const s = SqliteLocationStore.open(file, { groupCommit: true });
    open.push(s);
    const other = openStore();
    s.bind(binding('1000'));
    s.bind(binding('1001'));
    expect(s.count()).toBe(2);
    // Another connection sees nothing until the turn ends.
    expect(other.count()).toBe(0);
    await new Promise((r) => setImmediate(r));
    expect(other.count()).toBe(2);
    s.bind(binding('1002'));
    s.close();
    expect(other.count()).toBe(3);
  });

  it('expires only the bindings of one profile when asked', () => {
    const s = openStore();
    s.bind(binding('1000', { expiresAt: 1000, profile: 'internal' }));
    s.bind(binding('1001', { expiresAt: 1000, profile: 'external' }));
    expect(s.expire(2000, 10, 'external').map((b) => b.user)).toEqual(['1001']);
    expect(s.count()).toBe(1);
  });

  it('lists only NATed or only direct bindings', () => {
    const s = openStore();
    s.bind(binding('1000', { natted: true }));
    s.bind(binding('1001', { natted: false }));
    expect(s.list({ natted: true }).map((b) => b.user)).toEqual(['1000']);
    expect(s.count({ natted: false })).toBe(1);
  });

  it('removes by key, by contact URI (normalised), by Call-ID, or all of an AOR', () => {
    const s = openStore();
    const aor = makeAor('1000', 'pbx.example.com');
    s.bind(binding('1000', { contactUri: 'sip:1000@10.0.0.1', callId: 'a' }));
    s.bind(binding('1000', { contactUri: 'sip:1000@10.0.0.2', callId: 'b' }));
    s.bind(binding('1000', { contactUri: 'sip:1000@10.0.0.3', callId: 'b' }));
    s.bind(binding('1000', { contactUri: 'sip:1000@10.0.0.4', callId: 'c' }));
    expect(s.remove(aor, { contactUri: 'SIP:1000@10.0.0.1' }).map((b) => b.contactUri)).toEqual(['sip:1000@10.0.0.1']);
    expect(s.remove(aor, { callId: 'b' }).map((b) => b.contactUri).sort()).toEqual(['sip:1000@10.0.0.2', 'sip:1000@10.0.0.3']);
    expect(s.remove(aor, { key: bindingKey({ contactUri: 'sip:1000@10.0.0.9' }) })).toEqual([]);
    expect(s.remove(aor).map((b) => b.contactUri)).toEqual(['sip:1000@10.0.0.4']);
    expect(s.count()).toBe(0);
  });

  it('lists and counts with filters, treating LIKE wildcards literally', () => {
    const s = openStore();
    s.bind(binding('1000'));
    s.bind(binding('1001', { userAgent: 'Yealink 100%' }));
    s.bind(binding('1002', { domain: 'other.example', profile: 'external' }));
    expect(s.list().map((b) => b.aor)).toEqual(['1000@pbx.example.com', '1001@pbx.example.com', '1002@other.example']);
    expect(s.count({ domain: 'PBX.example.com' })).toBe(2);
    expect(s.count({ profile: 'external' })).toBe(1);
    expect(s.list({ contains: '100%' }).map((b) => b.user)).toEqual(['1001']);
    expect(s.count({ contains: '_' })).toBe(0);
    expect(s.list({ contains: '1002' }).map((b) => b.user)).toEqual(['1002']);
    expect(s.list({ limit: 1, offset: 1 }).map((b) => b.user)).toEqual(['1001']);
    expect(s.count({ user: '1000', unexpiredAt: 2_000_000_000 })).toBe(0);
  });

  it('applies an update atomically and rolls it back when the callback throws', () => {
    const s = openStore();
    const aor = makeAor('1000', 'pbx.example.com');
    const old = s.bind(binding('1000', { contactUri: 'sip:1000@10.0.0.1' }));
    const result = s.update(aor, (current) => ({
      result: current.length,
      upsert: [binding('1000', { contactUri: 'sip:1000@10.0.0.2' })],
      removeKeys: [old.key],
    }));
    expect(result).toBe(1);
    expect(s.lookup(aor).map((b) => b.contactUri)).toEqual(['sip:1000@10.0.0.2']);
    expect(() =>
      s.update(aor, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(() => s.update(aor, () => ({ result: 0, upsert: [binding('1000', { contactUri: 'sip:1000@10.0.0.3' }), binding('2000')], removeKeys: [] }))).toThrow(
      LocationStoreError,
    );
    // Neither failed update left anything behind.
    expect(s.lookup(aor).map((b) => b.contactUri)).toEqual(['sip:1000@10.0.0.2']);
    expect(s.count()).toBe(1);
  });

  it('records ping results', () => {
    const s = openStore();
    const b = s.bind(binding('1000'));
    expect(s.setPingStatus(b.aor, b.key, 'Unreachable', 2)).toBe(true);
    expect(s.lookup(b.aor)[0]).toMatchObject({ pingStatus: 'Unreachable', pingFailures: 2 });
    expect(s.setPingStatus(b.aor, 'uri:nope', 'Reachable', 0)).toBe(false);
  });

  it('refuses calls after close, and closing twice is a no-op', () => {
    const s = openStore();
    s.close();
    s.close();
    expect(() => s.count()).toThrow(InvalidStateError);
  });

  it('refuses a database written by a newer schema version', () => {
    openStore().close();
    const db = new Database(file);
    db.prepare('UPDATE schema_version SET version = ?').run(LOCATION_SCHEMA_VERSION + 1);
    db.close();
    expect(() => openStore()).toThrow(LocationStoreError);
  });

  it('reports a file that is not a database as a LocationStoreError', () => {
    mkdirSync(join(dir, 'db'), { recursive: true });
    writeFileSync(file, Buffer.alloc(8192, 0x41));
    expect(() => openStore()).toThrow(LocationStoreError);
  });
});
