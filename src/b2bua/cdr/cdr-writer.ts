// The CDR writer: on every hangupComplete of the core it writes the leg's records (spec §9):
// cdr_csv lines (Master.csv and <accountcode>.csv under <log-base>/cdr-csv, per the configured
// templates and legs), a JSON document per leg (mod_json_cdr's shape, a_<uuid>.cdr.json for
// A-legs), a row in the SQLite index, and, when a URL is configured, a queued HTTP delivery.
// Nothing is acknowledged before it is on disk: the row is inserted at hangup with everything
// still to write, then the files are appended/renamed and fsynced, then the row is marked
// stored; index writes of one turn of the event loop share one SQLite transaction. On open,
// rows left pending by a crash are written again and, after an unclean stop, JSON files the
// index does not know are indexed; the HTTP queue resumes.

import { EventEmitter } from 'node:events';
import { readdir, readFile, stat, unlink } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import type { Logger } from '../../common/index.js';
import type { ConfigTree } from '../../config/index.js';
import type { Channel } from '../channel.js';
import type { CallCore } from '../core.js';
import { causeCode } from '../causes.js';
import { AppendFiles } from './append-files.js';
import { CdrPoster } from './cdr-poster.js';
import { CdrStore, type CdrSummary, type CdrWork } from './cdr-store.js';
import { CsvTemplateCache, expandCsvTemplate } from './csv-template.js';
import { writeFileDurable } from './durable-file.js';
import { buildJsonCdr, jsonCallerProfile, type JsonCallerProfile } from './json-cdr.js';
import { readJsonCdrConf, type JsonCdrConf } from './json-cdr-conf.js';

export interface CdrWriterOptions {
  core: CallCore;
  /** The current configuration tree (cdr_csv.conf, json_cdr.conf, log_dir, cdr_url). */
  config: () => ConfigTree;
  /** The data directory: relative log-base values resolve against it. */
  dataDir: string;
  logger: Logger;
  /** The SQLite file (default `<dataDir>/db/cdr.db`). */
  dbFile?: string;
}

/** A CDR on disk: what `record()` resolves with and `stored` announces. */
export interface StoredCdr {
  id: number | undefined;
  uuid: string;
  leg: 'a' | 'b';
  jsonPath: string | undefined;
  csvPaths: string[];
}

export interface CdrWriterEvents {
  stored: [cdr: StoredCdr];
  /** Writing failed (the row stays pending and is retried on the next start). */
  failed: [uuid: string, err: Error];
}

const RECENT_PROFILES = 512;
const MAX_REINDEX_FILE_BYTES = 8 * 1024 * 1024;
const CLEAN_KEY = 'clean_shutdown';

/** Whether a leg's CDR is skipped: process_cdr (false / a_only / b_only) and skip_cdr_causes. */
export function cdrSkipped(ch: Channel, isBLeg: boolean): boolean {
  const skipCauses = ch.getVariable('skip_cdr_causes');
  if (skipCauses && ch.hangupCause) {
    const code = String(causeCode(ch.hangupCause));
    for (const raw of skipCauses.split(/[|,]/)) {
      const t = raw.trim().toUpperCase();
      if (t && (t === ch.hangupCause || t === code)) return true;
    }
  }
  const pc = ch.getVariable('process_cdr')?.trim().toLowerCase();
  if (pc === undefined) return false;
  if (pc === 'a_only') return isBLeg;
  if (pc === 'b_only') return !isBLeg && (ch.getVariable('bleg_uuid') !== undefined || ch.getVariable('originated_legs') !== undefined);
  return !/^(true|yes|on|1|t|enabled|active|allow)$/.test(pc);
}

/** A file name made of an accountcode or uuid: no path separators, no leading dot. */
export function safeFileName(name: string): string {
  const cleaned = name.replace(/[/\\\0:*?"<>|\r\n]/g, '_').replace(/^\.+/, (dots) => '_'.repeat(dots.length));
  return cleaned.slice(0, 200);
}

function num(v: string | undefined): number {
  const n = Number(v);
  return Number.isFinite(n) ? Math.trunc(n) : 0;
}

/** A variable looked up as FreeSWITCH does for ACCOUNTCODE: exact name first, then any case. */
function variableAnyCase(ch: Channel, name: string): string | undefined {
  const exact = ch.getVariable(name);
  if (exact !== undefined) return exact;
  const lower = name.toLowerCase();
  for (const [k, v] of ch.variables) if (k.toLowerCase() === lower) return v;
  return undefined;
}

export class CdrWriter extends EventEmitter<CdrWriterEvents> {
  readonly store: CdrStore;
  readonly #core: CallCore;
  readonly #config: () => ConfigTree;
  readonly #dataDir: string;
  readonly #log: Logger;
  readonly #files = new AppendFiles();
  readonly #templates = new CsvTemplateCache();
  readonly #poster: CdrPoster;
  readonly #inFlight = new Map<string, Promise<StoredCdr | undefined>>();
  readonly #jsonPathsInFlight = new Set<string>();
  readonly #recent = new Map<string, JsonCallerProfile>();
  readonly #jsonConfs = new WeakMap<ConfigTree, JsonCdrConf>();
  /** Index writes of this turn of the event loop, committed together (see #later). */
  readonly #ops: Array<{ run: () => void; done?: () => void; updates?: number; stores?: number }> = [];
  readonly #onHangupComplete = (ch: Channel) => {
    void this.record(ch);
  };
  #lastJsonConf: JsonCdrConf;
  #closing: Promise<void> | undefined;

  private constructor(opts: CdrWriterOptions, store: CdrStore, jsonConf: JsonCdrConf) {
    super();
    this.#lastJsonConf = jsonConf;
    this.#core = opts.core;
    this.#config = opts.config;
    this.#dataDir = opts.dataDir;
    this.#log = opts.logger.child({ mod: 'cdr' });
    this.store = store;
    this.#poster = new CdrPoster({ store, conf: () => this.#jsonConf(), logger: this.#log });
  }

  /**
   * Open the store, finish what a previous run left pending, subscribe to the core and resume
   * HTTP delivery. Throws ConfigError for a bad json_cdr.conf and CdrError for an unusable store.
   */
  static async open(opts: CdrWriterOptions): Promise<CdrWriter> {
    const jsonConf = readJsonCdrConf(opts.config());
    const store = CdrStore.open(opts.dbFile ?? join(opts.dataDir, 'db', 'cdr.db'));
    const writer = new CdrWriter(opts, store, jsonConf);
    try {
      const clean = store.getMeta(CLEAN_KEY) === '1';
      store.setMeta(CLEAN_KEY, '0');
      await writer.#recoverPending();
      if (!clean) await writer.#reindex();
    } catch (err) {
      store.close();
      throw err;
    }
    opts.core.on('hangupComplete', writer.#onHangupComplete);
    writer.#poster.kick();
    return writer;
  }

  #jsonConf(tree = this.#config()): JsonCdrConf {
    let conf = this.#jsonConfs.get(tree);
    if (!conf) {
      try {
        conf = readJsonCdrConf(tree);
      } catch (err) {
        // open() validated the first tree; a reloaded bad one keeps the last good settings.
        this.#log.error({ err }, 'json_cdr.conf is invalid, keeping the previous settings');
        conf = this.#lastJsonConf;
      }
      this.#jsonConfs.set(tree, conf);
      this.#lastJsonConf = conf;
    }
    return conf;
  }

  /** Look at the HTTP queue now (after a reload that added or changed the URL). */
  kickDelivery(): void {
    this.#poster.kick();
  }

  /** Records delivered over HTTP since the start. */
  get delivered(): number {
    return this.#poster.delivered;
  }

  /**
   * Write the CDR of a channel that completed (called for every hangupComplete). Everything
   * the records need is read synchronously, before the channel is destroyed. Resolves once
   * the files are fsynced (undefined when the leg writes no CDR); never rejects.
   */
  record(ch: Channel): Promise<StoredCdr | undefined> {
    if (this.#closing) return Promise.resolve(undefined);
    let built: { summary: CdrSummary; work: CdrWork; post: boolean } | undefined;
    try {
      built = this.#build(ch);
    } catch (err) {
      this.#log.error({ err, uuid: ch.uuid }, 'cannot build the CDR');
      return Promise.resolve(undefined);
    }
    this.#remember(ch);
    if (!built) return Promise.resolve(undefined);
    const { summary, work, post } = built;
    const p = this.#index(summary, work, post).then((id) => this.#write(id, summary, work)).then((stored) => {
      if (stored && post) this.#poster.kick();
      return stored;
    });
    const key = `${summary.uuid}/${summary.leg}`;
    this.#inFlight.set(key, p);
    void p.finally(() => {
      if (this.#inFlight.get(key) === p) this.#inFlight.delete(key);
      if (work.json) this.#jsonPathsInFlight.delete(work.json.path);
    });
    return p;
  }

  /** The CDR of `uuid` being written right now (resolves at once when none is). */
  whenStored(uuid: string): Promise<StoredCdr | undefined> {
    return this.#inFlight.get(`${uuid}/a`) ?? this.#inFlight.get(`${uuid}/b`) ?? Promise.resolve(undefined);
  }

  #build(ch: Channel): { summary: CdrSummary; work: CdrWork; post: boolean } | undefined {
    const isB = ch.originator !== undefined;
    if (cdrSkipped(ch, isB)) return undefined;
    const tree = this.#config();
    const csvConf = tree.cdrCsv;
    const jsonConf = this.#jsonConf(tree);
    const work: CdrWork = { csv: [] };
    const accountcode = variableAnyCase(ch, 'accountcode') ?? '';
    if (isB ? csvConf.legs.b : csvConf.legs.a) {
      const dir = ch.getVariable('cdr_csv_base') ?? join(this.#resolve(csvConf.logBase), 'cdr-csv');
      const masterTemplate = csvConf.templates.get(csvConf.defaultTemplate) ?? '';
      const expand = (text: string) => this.#core.expand(text, ch);
      const masterLine = `${expandCsvTemplate(this.#templates.get(masterTemplate.trim()), expand)}\n`;
      if (accountcode && !csvConf.masterFileOnly) {
        const own = csvConf.templates.get(accountcode);
        const line = own === undefined ? masterLine : `${expandCsvTemplate(this.#templates.get(own.trim()), expand)}\n`;
        work.csv.push({ path: join(dir, `${safeFileName(accountcode)}.csv`), line });
      }
      work.csv.push({ path: join(dir, 'Master.csv'), line: masterLine });
    }
    if (!isB || jsonConf.logBLeg) {
      const base = `${!isB && jsonConf.prefixALeg ? 'a_' : ''}${safeFileName(ch.uuid)}`;
      let path = join(jsonConf.logDir, `${base}.cdr.json`);
      for (let n = 1; this.#jsonPathsInFlight.has(path) || this.#known(path); n++) path = join(jsonConf.logDir, `${base}.${n}.cdr.json`);
      this.#jsonPathsInFlight.add(path);
      const text = buildJsonCdr({
        channel: ch,
        coreUuid: this.#core.bus.identity.coreUuid,
        switchname: this.#core.bus.identity.switchname,
        encodeValues: jsonConf.encodeValues,
        other: this.#otherLeg(ch, isB),
      });
      work.json = { path, text };
    }
    if (!work.json && work.csv.length === 0) return undefined;
    const v = (n: string) => ch.getVariable(n);
    const p = ch.profile;
    const summary: CdrSummary = {
      uuid: ch.uuid,
      leg: isB ? 'b' : 'a',
      startEpoch: num(v('start_epoch')),
      answerEpoch: num(v('answer_epoch')),
      endEpoch: num(v('end_epoch')),
      callerIdName: p.callerIdName,
      callerIdNumber: p.callerIdNumber,
      destinationNumber: p.destinationNumber,
      context: p.context,
      hangupCause: ch.hangupCause ?? 'NORMAL_CLEARING',
      duration: num(v('duration')),
      billsec: num(v('billsec')),
      accountcode,
      jsonPath: work.json?.path,
    };
    return { summary, work, post: jsonConf.urls.length > 0 };
  }

  #known(path: string): boolean {
    try {
      return this.store.hasJsonPath(path);
    } catch {
      return false;
    }
  }

  #resolve(dir: string): string {
    return isAbsolute(dir) ? dir : resolve(this.#dataDir, dir);
  }

  #otherLeg(ch: Channel, isB: boolean): { role: 'originator' | 'originatee'; profile: JsonCallerProfile } | undefined {
    if (isB) {
      const a = ch.originator!;
      return { role: 'originator', profile: jsonCallerProfile(a.uuid, a.name, a.profile) };
    }
    const bUuid = ch.getVariable('bleg_uuid');
    if (!bUuid) return undefined;
    const b = ch.partner?.uuid === bUuid ? ch.partner : this.#core.channel(bUuid);
    const profile = b ? jsonCallerProfile(b.uuid, b.name, b.profile) : this.#recent.get(bUuid);
    return profile ? { role: 'originatee', profile } : undefined;
  }

  /** Keep the profile of a finished leg for a while: its partner's CDR may come later. */
  #remember(ch: Channel): void {
    this.#recent.set(ch.uuid, jsonCallerProfile(ch.uuid, ch.name, ch.profile));
    if (this.#recent.size > RECENT_PROFILES) this.#recent.delete(this.#recent.keys().next().value!);
  }

  /** Write the files of one CDR; the CSV and JSON parts run side by side. */
  async #write(id: number | undefined, summary: CdrSummary, work: CdrWork): Promise<StoredCdr | undefined> {
    let csvDone = work.csv.length === 0;
    let jsonDone = work.json === undefined;
    const csvPart = async () => {
      if (csvDone) return;
      // Lines of one record go to their files in order: accountcode file first, then Master.csv.
      await Promise.all(work.csv.map((c) => this.#files.append(c.path, c.line)));
      csvDone = true;
      if (!jsonDone && id !== undefined) this.#later(() => this.store.updateWork(id, { json: work.json, csv: [] }), undefined, { updates: id });
    };
    const jsonPart = async () => {
      if (jsonDone) return;
      await writeFileDurable(work.json!.path, work.json!.text);
      jsonDone = true;
      if (!csvDone && id !== undefined) this.#later(() => this.store.updateWork(id, { csv: work.csv }), undefined, { updates: id });
    };
    const results = await Promise.allSettled([csvPart(), jsonPart()]);
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) {
      const err = failure.reason as Error;
      this.#log.error({ err, uuid: summary.uuid }, 'CDR write failed; kept pending for the next start');
      if (id !== undefined) this.#later(() => this.store.markWriteFailed(id, err.message));
      this.emit('failed', summary.uuid, err);
      return undefined;
    }
    if (id !== undefined) await new Promise<void>((done) => this.#later(() => this.store.markStored(id), done, { stores: id }));
    const stored: StoredCdr = { id, uuid: summary.uuid, leg: summary.leg, jsonPath: work.json?.path, csvPaths: work.csv.map((c) => c.path) };
    this.emit('stored', stored);
    return stored;
  }

  /**
   * The pending row of a CDR: its id, or undefined when the index refused it (the files are
   * still written: they are the durable copy, and the index catches up on reindex).
   */
  #index(summary: CdrSummary, work: CdrWork, post: boolean): Promise<number | undefined> {
    return new Promise((resolve) => {
      let id: number | undefined;
      this.#later(
        () => {
          id = undefined; // a rolled-back attempt's id is no id
          id = this.store.insertPending(summary, work, post);
        },
        () => resolve(id),
      );
    });
  }

  /**
   * Queue an index write; every write queued in one turn of the event loop is committed in one
   * transaction at the next (a commit costs far more than a row: a burst of hangups is one
   * commit, not three per leg). `done` runs after the commit, whether the write landed or not.
   * `updates`/`stores` name the row an update of pending work / a mark-stored is about.
   */
  #later(run: () => void, done?: () => void, about: { updates?: number; stores?: number } = {}): void {
    this.#ops.push({ run, done, ...about });
    if (this.#ops.length === 1) setImmediate(() => this.#commit());
  }

  #commit(): void {
    let ops = this.#ops.splice(0);
    if (ops.length === 0) return;
    // A row marked stored in this batch needs no update of its remaining work first (the
    // update rewrites the whole pending JSON document, only to be dropped a moment later).
    const stored = new Set<number>();
    for (const op of ops) if (op.stores !== undefined) stored.add(op.stores);
    if (stored.size > 0) ops = ops.filter((op) => op.updates === undefined || !stored.has(op.updates));
    if (!this.store.closed) {
      try {
        this.store.transaction(() => {
          for (const op of ops) op.run();
        });
      } catch {
        // One write failed and rolled the batch back: run them one by one so that the others land.
        for (const op of ops) this.#safely(op.run);
      }
    }
    for (const op of ops) op.done?.();
  }

  #safely(fn: () => void): void {
    try {
      if (!this.store.closed) fn();
    } catch (err) {
      this.#log.error({ err }, 'CDR index update failed');
    }
  }

  /** Rows a crash left pending: write their files again. */
  async #recoverPending(): Promise<void> {
    for (;;) {
      const batch = this.store.pending(200);
      if (batch.length === 0) return;
      let written = 0;
      for (const { row, work } of batch) {
        const stored = await this.#write(row.id, row, work);
        if (stored) written++;
      }
      this.#log.info({ count: batch.length, written }, 'CDRs left pending by the last run written');
      if (written === 0) return; // the disk still refuses: leave them for the next start
    }
  }

  /** After an unclean stop: index JSON documents that are on disk but not in the index. */
  async #reindex(): Promise<void> {
    const conf = this.#jsonConf();
    let names: string[];
    try {
      names = await readdir(conf.logDir);
    } catch {
      return;
    }
    let added = 0;
    for (const name of names) {
      const path = join(conf.logDir, name);
      if (name.startsWith('.') && name.endsWith('.tmp')) {
        await unlink(path).catch(() => {});
        continue;
      }
      if (!name.endsWith('.cdr.json') || this.store.hasJsonPath(path)) continue;
      const summary = await summaryFromFile(path).catch(() => undefined);
      if (!summary) {
        this.#log.warn({ path }, 'unreadable CDR file left out of the index');
        continue;
      }
      this.store.insertStored(summary, conf.urls.length > 0);
      added++;
    }
    if (added > 0) this.#log.info({ added }, 'CDR files re-indexed after an unclean stop');
  }

  /** Wait until every CDR started so far is on disk. */
  async flush(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight.values()]);
    await this.#files.drain();
  }

  /** Rotate the CSV files now (mod_cdr_csv's rotation); returns the new names. */
  rotate(): Promise<string[]> {
    return this.#files.rotate();
  }

  /** What `fsctl send_sighup` does: rotate when cdr_csv's rotate-on-hup is on. */
  async hup(): Promise<string[]> {
    return this.#config().cdrCsv.rotateOnHup ? this.rotate() : [];
  }

  /** Graceful stop: stop listening, finish every write, stop delivery, close the store. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#core.off('hangupComplete', this.#onHangupComplete);
      await this.flush();
      await this.#poster.close();
      await this.#files.close();
      this.#commit(); // index writes still queued (updates after a failed write)
      try {
        if (this.store.pending(1).length === 0) this.store.setMeta(CLEAN_KEY, '1');
      } catch (err) {
        this.#log.error({ err }, 'CDR store close failed');
      }
      this.store.close();
    })();
    return this.#closing;
  }
}

/** The index columns of a JSON CDR read back from disk. */
async function summaryFromFile(path: string): Promise<CdrSummary | undefined> {
  const st = await stat(path);
  if (!st.isFile() || st.size > MAX_REINDEX_FILE_BYTES) return undefined;
  const doc = JSON.parse(await readFile(path, 'utf8')) as {
    variables?: Record<string, string>;
    callflow?: Array<{ caller_profile?: Record<string, unknown> }>;
  };
  const vars = doc.variables ?? {};
  const v = (n: string) => (typeof vars[n] === 'string' ? decodePercent(vars[n]) : undefined);
  const cp = doc.callflow?.[0]?.caller_profile ?? {};
  const s = (x: unknown) => (typeof x === 'string' ? x : '');
  const uuid = s(cp.uuid) || v('uuid');
  if (!uuid) return undefined;
  return {
    uuid,
    leg: cp.originator !== undefined ? 'b' : 'a',
    startEpoch: num(v('start_epoch')),
    answerEpoch: num(v('answer_epoch')),
    endEpoch: num(v('end_epoch')),
    callerIdName: s(cp.caller_id_name),
    callerIdNumber: s(cp.caller_id_number),
    destinationNumber: s(cp.destination_number),
    context: s(cp.context),
    hangupCause: v('hangup_cause') ?? 'NORMAL_CLEARING',
    duration: num(v('duration')),
    billsec: num(v('billsec')),
    accountcode: v('accountcode') ?? '',
    jsonPath: path,
  };
}

function decodePercent(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
