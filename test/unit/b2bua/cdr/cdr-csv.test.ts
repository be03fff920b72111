// cdr_csv (spec §9.2) through the real core: one line per leg per template, Master.csv and
// <accountcode>.csv, legs a/b/ab, escaping, skipping, rotation, on disk when the write resolves.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Channel } from '../../../../src/b2bua/index.js';
import { escapeCsvValue, parseCsvTemplate } from '../../../../src/b2bua/cdr/index.js';
import { call, cdrCsvConf, cdrHarness, type CdrHarness } from './cdr-fixture.js';

let h: CdrHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const csvDir = (x: CdrHarness) => join(x.dataDir, 'log', 'cdr-csv');
const read = (x: CdrHarness, name: string) => readFileSync(join(csvDir(x), name), 'utf8');

/** The example template's 15 fields, from the channel's own variables and profile. */
function exampleLine(ch: Channel): string {
  const v = (n: string) => ch.getVariable(n) ?? '';
  const fields = [
    ch.profile.callerIdName, ch.profile.callerIdNumber, ch.profile.destinationNumber, ch.profile.context,
    v('start_stamp'), v('answer_stamp'), v('end_stamp'), v('duration'), v('billsec'), v('hangup_cause'),
    ch.uuid, v('bleg_uuid'), v('accountcode'), v('read_codec'), v('write_codec'),
  ];
  return `${fields.map((f) => `"${f}"`).join(',')}\n`;
}

describe('cdr_csv', () => {
  it('writes the A-leg of an answered call to Master.csv and the accountcode file, in the template order', async () => {
    h = await cdrHarness({ configuration: cdrCsvConf() });
    const { a, b } = await call(h, { variables: { accountcode: 'sales', read_codec: 'PCMU', write_codec: 'PCMA' } });
    const line = read(h, 'Master.csv');
    expect(line).toBe(exampleLine(a));
    expect(read(h, 'sales.csv')).toBe(line);
    const fields = line.trimEnd().split('","');
    expect(fields).toHaveLength(15);
    expect(fields[9]).toBe('NORMAL_CLEARING');
    expect(fields[11]).toBe(b.uuid);
    expect(fields[5]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(fields.slice(13)).toEqual(['PCMU', 'PCMA"']);
  });

  it('writes an unanswered call with an empty answer_stamp, billsec 0 and the failure cause', async () => {
    h = await cdrHarness({ configuration: cdrCsvConf() });
    const { a } = await call(h, { refuse: 'USER_BUSY' });
    const line = read(h, 'Master.csv');
    expect(line).toBe(exampleLine(a));
    const fields = line.trimEnd().slice(1, -1).split('","');
    expect([fields[5], fields[8], fields[9], fields[11]]).toEqual(['', '0', 'USER_BUSY', '']);
  });

  it('counts billsec from the answer and duration from the start', async () => {
    h = await cdrHarness({ configuration: cdrCsvConf() });
    const { a } = await call(h, { talkMs: 1100 });
    const fields = read(h, 'Master.csv').trimEnd().slice(1, -1).split('","');
    expect(Number(fields[8])).toBeGreaterThanOrEqual(1);
    expect(Number(fields[7])).toBeGreaterThanOrEqual(Number(fields[8]));
    expect(fields[8]).toBe(a.getVariable('billsec'));
  });

  it('doubles quotes inside values and turns line breaks into spaces, so each record stays one CSV line', async () => {
    h = await cdrHarness({ configuration: cdrCsvConf() });
    await call(h, { callerIdName: 'Bob "The Builder", Jr.\r\nsecond line' });
    const line = read(h, 'Master.csv');
    expect(line.split('\n')).toHaveLength(2);
    expect(line.startsWith('"Bob ""The Builder"", Jr. second line","1000",')).toBe(true);
  });

  it('writes both legs with legs=ab, the B-leg with its own variables', async () => {
    h = await cdrHarness({ configuration: cdrCsvConf({ legs: 'ab' }) });
    const { a, b } = await call(h);
    const lines = read(h, 'Master.csv').split('\n').filter(Boolean).map((l) => `${l}\n`);
    expect(lines.sort()).toEqual([exampleLine(a), exampleLine(b)].sort());
    // B-leg is user 1001 from the directory: its accountcode file exists, 1000's does not.
    expect(read(h, '1001.csv')).toBe(exampleLine(b));
  });

  it('writes only the B-leg with legs=b', async () => {
    h = await cdrHarness({ configuration: cdrCsvConf({ legs: 'b' }) });
    const { b } = await call(h);
    expect(read(h, 'Master.csv')).toBe(exampleLine(b));
  });

  it('uses the template named like the accountcode for its file, the default template for Master.csv', async () => {
    h = await cdrHarness({ configuration: cdrCsvConf({}, { sales: '${uuid}|${hangup_cause}' }) });
    const { a } = await call(h, { variables: { accountcode: 'sales' } });
    expect(read(h, 'sales.csv')).toBe(`${a.uuid}|NORMAL_CLEARING\n`);
    expect(read(h, 'Master.csv')).toBe(exampleLine(a));
  });

  it('writes only Master.csv with master-file-only', async () => {
    h = await cdrHarness({ configuration: cdrCsvConf({ 'master-file-only': 'true' }) });
    await call(h, { variables: { accountcode: 'sales' } });
    expect(readdirSync(csvDir(h))).toEqual(['Master.csv']);
  });

  it('keeps an accountcode with path characters inside the cdr-csv directory', async () => {
    h = await cdrHarness({ configuration: cdrCsvConf() });
    await call(h, { variables: { accountcode: '../../escape' } });
    expect(readdirSync(csvDir(h)).sort()).toEqual(['Master.csv', '___.._escape.csv']);
    expect(existsSync(join(h.dataDir, 'escape.csv'))).toBe(false);
  });

  it('honours cdr_csv_base and log-base', async () => {
    h = await cdrHarness({ configuration: cdrCsvConf({ 'log-base': 'elsewhere' }) });
    const { a } = await call(h);
    expect(readFileSync(join(h.dataDir, 'elsewhere', 'cdr-csv', 'Master.csv'), 'utf8')).toBe(exampleLine(a));
    const base = join(h.dataDir, 'per-call');
    const second = await call(h, { variables: { cdr_csv_base: base } });
    expect(readFileSync(join(base, 'Master.csv'), 'utf8')).toBe(exampleLine(second.a));
  });

  it('appends one line per call, in order', async () => {
    h = await cdrHarness({ configuration: cdrCsvConf() });
    const calls = [];
    for (let i = 0; i < 3; i++) calls.push((await call(h)).a);
    expect(read(h, 'Master.csv')).toBe(calls.map(exampleLine).join(''));
  });

  it('skips a leg with process_cdr=false or a matching skip_cdr_causes; the other leg still writes', async () => {
    h = await cdrHarness({ configuration: cdrCsvConf({ legs: 'ab' }) });
    const first = await call(h, { variables: { process_cdr: 'false' } });
    const second = await call(h, { refuse: 'USER_BUSY', variables: { skip_cdr_causes: 'NO_ANSWER|USER_BUSY' } });
    expect(second.a.hangupCause).toBe('USER_BUSY');
    expect(read(h, 'Master.csv')).toBe(exampleLine(first.b) + exampleLine(second.b));
    expect(h.writer.store.list().map((r) => [r.uuid, r.leg])).toEqual([[second.b.uuid, 'b'], [first.b.uuid, 'b']]);
  });

  it('rotates the files on hup when rotate-on-hup is set, and starts new ones', async () => {
    h = await cdrHarness({ configuration: cdrCsvConf({ 'rotate-on-hup': 'true' }) });
    const first = (await call(h)).a;
    const renamed = await h.writer.hup();
    expect(renamed).toHaveLength(1);
    expect(renamed[0]).toMatch(/Master\.csv\.\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d$/);
    expect(readFileSync(renamed[0]!, 'utf8')).toBe(exampleLine(first));
    const second = (await call(h)).a;
    expect(read(h, 'Master.csv')).toBe(exampleLine(second));
  });

  it('does not rotate on hup when rotate-on-hup is off', async () => {
    h = await cdrHarness({ configuration: cdrCsvConf({ 'rotate-on-hup': 'false' }) });
    await call(h);
    expect(await h.writer.hup()).toEqual([]);
    expect(readdirSync(csvDir(h))).toEqual(['Master.csv']);
  });
});

describe('cdr_csv templates', () => {
  const rows: Array<[string, string[]]> = [
    ['"${a}","${b}"', ['text:"', 'ref:${a}', 'text:","', 'ref:${b}', 'text:"']],
    ['${a_${b}}x', ['ref:${a_${b}}', 'text:x']],
    ['${cond(${x} == 1 ? a : b)}', ['ref:${cond(${x} == 1 ? a : b)}']],
    ['open ${never', ['text:open ${never']],
    ['\\${not}', ['text:\\${not}']],
    ['', []],
  ];
  it.each(rows)('splits %j into text and references', (template, parts) => {
    expect(parseCsvTemplate(template).map((p) => `${p.kind}:${p.text}`)).toEqual(parts);
  });

  it.each([
    ['plain', 'plain'],
    ['say "hi"', 'say ""hi""'],
    ['a\r\nb\nc\rd', 'a b c d'],
  ])('escapes %j as %j', (value, escaped) => {
    expect(escapeCsvValue(value)).toBe(escaped);
  });
});
