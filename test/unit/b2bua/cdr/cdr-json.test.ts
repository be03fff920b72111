// JSON CDRs (spec §9.3) and the SQLite index: the document of each leg, its file name, atomic
// writes, the index row, crash recovery and restarts.

import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CdrStore } from '../../../../src/b2bua/cdr/index.js';
import { fsUrlEncode as cdrUrlEncode } from '../../../../src/common/index.js';
import type { Channel } from '../../../../src/b2bua/index.js';
import { hangupComplete } from '../../support/test-endpoint.js';
import { call, cdrCsvConf, cdrHarness, jsonCdrConf, type CdrHarness } from './cdr-fixture.js';

let h: CdrHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const jsonDir = (x: CdrHarness) => join(x.dataDir, 'log', 'json_cdr');
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, any>;

describe('JSON CDR documents', () => {
  it('writes a_<uuid>.cdr.json for the A-leg and <uuid>.cdr.json for the B-leg', async () => {
    h = await cdrHarness();
    const { a, b } = await call(h);
    expect(readdirSync(jsonDir(h)).sort()).toEqual([`${b.uuid}.cdr.json`, `a_${a.uuid}.cdr.json`].sort());
  });

  it('has mod_json_cdr top-level keys, channel data, every variable URL-encoded and one callflow', async () => {
    h = await cdrHarness();
    const { a, b } = await call(h, { callerIdName: 'Ann & Bob', variables: { note: 'x=1;y=2' } });
    const doc = readJson(join(jsonDir(h), `a_${a.uuid}.cdr.json`));
    expect(Object.keys(doc)).toEqual(['core-uuid', 'switchname', 'channel_data', 'variables', 'callflow']);
    expect(doc['core-uuid']).toBe('test-core-uuid');
    expect(doc.switchname).toBe('testhost');
    expect(doc.channel_data).toEqual({ state: 'CS_REPORTING', direction: 'inbound', state_number: '11', flags: '', caps: '' });
    expect(Object.keys(doc.variables)).toEqual([...a.variables.keys()]);
    for (const [k, v] of a.variables) expect(doc.variables[k]).toBe(cdrUrlEncode(v));
    expect(doc.variables.note).toBe('x%3D1%3By%3D2');
    expect(doc.variables.hangup_cause).toBe('NORMAL_CLEARING');
    expect(doc.variables.bleg_uuid).toBe(b.uuid);
    expect(doc.callflow).toHaveLength(1);
    const flow = doc.callflow[0];
    expect(flow.dialplan).toBe('XML');
    expect(flow.profile_index).toBe('1');
    expect(flow.extension).toEqual({ name: 'Local_Extension', number: '1001' });
    expect(flow.caller_profile).toMatchObject({
      caller_id_name: 'Ann & Bob', caller_id_number: '1000', destination_number: '1001', uuid: a.uuid, context: 'default', chan_name: a.name,
    });
    expect(flow.caller_profile.originatee.originatee_caller_profiles).toHaveLength(1);
    expect(flow.caller_profile.originatee.originatee_caller_profiles[0].uuid).toBe(b.uuid);
    expect(flow.times).toEqual({
      created_time: String(a.times.created), profile_created_time: String(a.times.profileCreated), progress_time: String(a.times.progress),
      progress_media_time: String(a.times.progressMedia), answered_time: String(a.times.answered), bridged_time: String(a.times.bridged),
      last_hold_time: '0', hold_accum_time: '0', hangup_time: String(a.times.hangup), resurrect_time: '0', transfer_time: '0',
    });
  });

  it('gives the B-leg its originator', async () => {
    h = await cdrHarness();
    const { a, b } = await call(h);
    const doc = readJson(join(jsonDir(h), `${b.uuid}.cdr.json`));
    expect(doc.channel_data.direction).toBe('outbound');
    expect(doc.callflow[0].caller_profile.originator.originator_caller_profiles[0].uuid).toBe(a.uuid);
    expect(doc.callflow[0].caller_profile.originatee).toBeUndefined();
  });

  it('follows log-b-leg, prefix-a-leg, encode-values and log-dir', async () => {
    h = await cdrHarness({ configuration: jsonCdrConf({ 'log-b-leg': 'false', 'prefix-a-leg': 'false', 'encode-values': 'false', 'log-dir': 'cdr-json' }) });
    const { a } = await call(h, { callerIdName: 'Ann Smith' });
    const dir = join(h.dataDir, 'log', 'cdr-json');
    expect(readdirSync(dir)).toEqual([`${a.uuid}.cdr.json`]);
    expect(readJson(join(dir, `${a.uuid}.cdr.json`)).variables.start_stamp).toBe(a.getVariable('start_stamp'));
  });

  it('leaves no temporary files behind and the record is complete as soon as it is stored', async () => {
    h = await cdrHarness();
    const stored: string[] = [];
    h.writer.on('stored', (c) => stored.push(c.jsonPath!));
    await call(h);
    expect(stored).toHaveLength(2);
    for (const p of stored) expect(() => readJson(p)).not.toThrow();
    expect(readdirSync(jsonDir(h)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});

describe('the CDR index', () => {
  it('holds one stored row per leg with the summary and the JSON path', async () => {
    h = await cdrHarness({ configuration: cdrCsvConf() });
    const { a, b } = await call(h, { variables: { accountcode: 'sales' }, talkMs: 20 });
    const rows = h.writer.store.list();
    expect(rows.map((r) => r.leg).sort()).toEqual(['a', 'b']);
    const ra = rows.find((r) => r.leg === 'a')!;
    expect(ra).toMatchObject({
      uuid: a.uuid, state: 'stored', postStatus: 'none', callerIdNumber: '1000', destinationNumber: '1001', context: 'default',
      hangupCause: 'NORMAL_CLEARING', accountcode: 'sales', jsonPath: join(jsonDir(h), `a_${a.uuid}.cdr.json`),
      startEpoch: Number(a.getVariable('start_epoch')), answerEpoch: Number(a.getVariable('answer_epoch')),
      endEpoch: Number(a.getVariable('end_epoch')), billsec: Number(a.getVariable('billsec')),
    });
    expect(rows.find((r) => r.leg === 'b')!.uuid).toBe(b.uuid);
  });

  it('indexes a burst of calls ending in the same turn (one transaction): every leg stored once', async () => {
    h = await cdrHarness({ configuration: cdrCsvConf() });
    const legs: Array<{ a: Channel; b: Channel }> = [];
    for (let i = 0; i < 25; i++) {
      const a = h.endpoint.inbound(h.core, { callerIdNumber: '1000', destination: '1001' });
      const n = h.endpoint.outbound.length;
      void h.core.run(a);
      const b = await h.endpoint.nextOutbound(n);
      b.markAnswered();
      for (let t = 0; t < 200 && a.partner !== b; t++) await new Promise((r) => setTimeout(r, 5));
      legs.push({ a, b });
    }
    const done = legs.flatMap(({ a, b }) => [hangupComplete(h!.core, a), hangupComplete(h!.core, b)]);
    for (const { b } of legs) b.hangup('NORMAL_CLEARING'); // all in one turn
    await Promise.all(done);
    await Promise.all(legs.flatMap(({ a, b }) => [h!.writer.whenStored(a.uuid), h!.writer.whenStored(b.uuid)]));
    const rows = h.writer.store.list({ limit: 1000 });
    expect(rows).toHaveLength(50);
    expect(new Set(rows.map((r) => `${r.uuid}/${r.leg}`)).size).toBe(50);
    expect(rows.every((r) => r.state === 'stored')).toBe(true);
    expect(h.writer.store.pending(10)).toEqual([]);
  });

  it('survives a restart: the rows are there after the writer is reopened', async () => {
    h = await cdrHarness();
    const { a } = await call(h);
    await h.reopen();
    expect(h.writer.store.list({ uuid: a.uuid }).map((r) => r.state)).toEqual(['stored']);
    expect(h.writer.store.count()).toBe(2);
  });

  it('writes on the next start what a crash left pending', async () => {
    h = await cdrHarness();
    await h.writer.close();
    // What a crash between the hangup and the fsync leaves: a pending row and no files.
    const store = CdrStore.open(join(h.dataDir, 'db', 'cdr.db'));
    const json = join(jsonDir(h), 'a_crashed.cdr.json');
    const csv = join(h.dataDir, 'log', 'cdr-csv', 'Master.csv');
    const id = store.insertPending(
      { uuid: 'crashed', leg: 'a', startEpoch: 1, answerEpoch: 0, endEpoch: 2, callerIdName: 'x', callerIdNumber: '1', destinationNumber: '2', context: 'default',
        hangupCause: 'NO_ANSWER', duration: 1, billsec: 0, accountcode: '', jsonPath: json },
      { json: { path: json, text: '{"variables":{}}' }, csv: [{ path: csv, line: '"crashed"\n' }] },
      false,
    );
    store.close();
    await h.reopen();
    expect(readFileSync(json, 'utf8')).toBe('{"variables":{}}');
    expect(readFileSync(csv, 'utf8')).toBe('"crashed"\n');
    expect(h.writer.store.get(id)!.state).toBe('stored');
  });

  it('indexes JSON files it does not know after an unclean stop, and not after a clean one', async () => {
    h = await cdrHarness();
    const { a } = await call(h);
    const doc = readFileSync(join(jsonDir(h), `a_${a.uuid}.cdr.json`), 'utf8');
    mkdirSync(jsonDir(h), { recursive: true });
    writeFileSync(join(jsonDir(h), 'a_lost.cdr.json'), doc.replaceAll(a.uuid, 'lost'));
    writeFileSync(join(jsonDir(h), '.a_half.cdr.json.1.1.tmp'), '{"trunc');
    await h.reopen(); // clean: nothing scanned
    expect(h.writer.store.list({ uuid: 'lost' })).toEqual([]);
    // An unclean stop: the writer never closed, so the flag open() cleared stays cleared.
    await h.writer.close();
    const reopened = CdrStore.open(join(h.dataDir, 'db', 'cdr.db'));
    reopened.setMeta('clean_shutdown', '0');
    reopened.close();
    await h.reopen();
    const rows = h.writer.store.list({ uuid: 'lost' });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ leg: 'a', state: 'stored', callerIdNumber: '1000', destinationNumber: '1001', hangupCause: 'NORMAL_CLEARING' });
    expect(existsSync(join(jsonDir(h), '.a_half.cdr.json.1.1.tmp'))).toBe(false);
  });

  it('waits for pending writes on close', async () => {
    h = await cdrHarness({ configuration: cdrCsvConf() });
    const a = h.endpoint.inbound(h.core, { destination: 'park' });
    void h.core.run(a);
    a.hangup('NORMAL_CLEARING');
    await new Promise((r) => setImmediate(r)); // hangupComplete runs on the next turn
    await h.writer.close();
    expect(readFileSync(join(h.dataDir, 'log', 'cdr-csv', 'Master.csv'), 'utf8')).toContain(a.uuid);
    expect(existsSync(join(jsonDir(h), `a_${a.uuid}.cdr.json`))).toBe(true);
  });
});
