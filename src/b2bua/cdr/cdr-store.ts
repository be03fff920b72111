// The CDR index and delivery queue on SQLite (better-sqlite3), `<data>/db/cdr.db`: one row per
// leg that produced a record. A row is written first, synchronously at hangup, with the CSV
// lines and JSON text it still has to write (state `pending`), so a process crash between the
// hangup and the fsync loses nothing: the next start writes them again. Once the files are on
// disk the row is `stored` and keeps only the summary and the JSON path; the HTTP queue
// (`post_status` queued → posted) lives in the same row. WAL with synchronous=NORMAL: commits
// cost no fsync on the hot path; the fsynced files are the durable copy, and after an unclean
// stop the JSON directory is re-indexed (see CdrWriter).

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { InvalidStateError } from '../../common/index.js';
import { CdrError } from './errors.js';

export const CDR_SCHEMA_VERSION = 1;

const MIGRATIONS: ReadonlyArray<(db: Database.Database) => void> = [
  (db) => {
    db.exec(`
      CREATE TABLE cdr (
        id                 INTEGER PRIMARY KEY AUTOINCREMENT,
        uuid               TEXT NOT NULL,
        leg                TEXT NOT NULL,
        start_epoch        INTEGER NOT NULL,
        answer_epoch       INTEGER NOT NULL,
        end_epoch          INTEGER NOT NULL,
        caller_id_name     TEXT NOT NULL,
        caller_id_number   TEXT NOT NULL,
        destination_number TEXT NOT NULL,
        context            TEXT NOT NULL,
        hangup_cause       TEXT NOT NULL,
        duration           INTEGER NOT NULL,
        billsec            INTEGER NOT NULL,
        accountcode        TEXT NOT NULL,
        json_path          TEXT UNIQUE,
        state              TEXT NOT NULL,
        pending_work       TEXT,
        post_status        TEXT NOT NULL,
        post_attempts      INTEGER NOT NULL DEFAULT 0,
        next_post_at       INTEGER NOT NULL DEFAULT 0,
        last_error         TEXT,
        created_at         INTEGER NOT NULL
      );
      CREATE INDEX cdr_uuid ON cdr (uuid);
      CREATE INDEX cdr_end_epoch ON cdr (end_epoch);
      CREATE INDEX cdr_post_queue ON cdr (post_status, next_post_at);
      CREATE INDEX cdr_state ON cdr (state);
      CREATE TABLE cdr_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
    `);
  },
];

/** What a CDR says in brief: the columns of the index. */
export interface CdrSummary {
  uuid: string;
  leg: 'a' | 'b';
  startEpoch: number;
  answerEpoch: number;
  endEpoch: number;
  callerIdName: string;
  callerIdNumber: string;
  destinationNumber: string;
  context: string;
  hangupCause: string;
  duration: number;
  billsec: number;
  accountcode: string;
  /** The JSON document's path, when this leg writes one. */
  jsonPath: string | undefined;
}

/** Files a pending row still has to write. */
export interface CdrWork {
  json?: { path: string; text: string };
  csv: Array<{ path: string; line: string }>;
}

export type CdrState = 'pending' | 'stored';
/** none: no URL when stored; queued: waiting for delivery; posted: delivered; lost: JSON file gone. */
export type CdrPostStatus = 'none' | 'queued' | 'posted' | 'lost';

export interface CdrRow extends CdrSummary {
  id: number;
  state: CdrState;
  postStatus: CdrPostStatus;
  postAttempts: number;
  /** ms since the epoch. */
  nextPostAt: number;
  lastError: string | undefined;
  /** ms since the epoch. */
  createdAt: number;
}

interface RawRow {
  id: number;
  uuid: string;
  leg: string;
  start_epoch: number;
  answer_epoch: number;
  end_epoch: number;
  caller_id_name: string;
  caller_id_number: string;
  destination_number: string;
  context: string;
  hangup_cause: string;
  duration: number;
  billsec: number;
  accountcode: string;
  json_path: string | null;
  state: string;
  pending_work: string | null;
  post_status: string;
  post_attempts: number;
  next_post_at: number;
  last_error: string | null;
  created_at: number;
}

function toRow(r: RawRow): CdrRow {
  return {
    id: r.id,
    uuid: r.uuid,
    leg: r.leg === 'b' ? 'b' : 'a',
    startEpoch: r.start_epoch,
    answerEpoch: r.answer_epoch,
    endEpoch: r.end_epoch,
    callerIdName: r.caller_id_name,
    callerIdNumber: r.caller_id_number,
    destinationNumber: r.destination_number,
    context: r.context,
    hangupCause: r.hangup_cause,
    duration: r.duration,
    billsec: r.billsec,
    accountcode: r.accountcode,
    jsonPath: r.json_path ?? undefined,
    state: r.state === 'pending' ? 'pending' : 'stored',
    postStatus: r.post_status as CdrPostStatus,
    postAttempts: r.post_attempts,
    nextPostAt: r.next_post_at,
    lastError: r.last_error ?? undefined,
    createdAt: r.created_at,
  };
}

export interface CdrListFilter {
  /** Newest first, at most this many (default 100, max 10,000). */
  limit?: number;
  /** Only rows with an id below this (paging backwards). */
  beforeId?: number;
  uuid?: string;
}

export class CdrStore {
  readonly file: string;
  readonly #db: Database.Database;
  readonly #insert: Database.Statement;
  /** Statements prepared on first use: preparing one costs more than running it. */
  readonly #statements = new Map<string, Database.Statement>();
  #closed = false;

  private constructor(file: string) {
    this.file = file;
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    try {
      this.#db = new Database(file);
      this.#db.pragma('journal_mode = WAL');
      this.#db.pragma('synchronous = NORMAL');
      this.#db.pragma('busy_timeout = 5000');
      this.#migrate();
    } catch (err) {
      throw new CdrError(`cannot open the CDR store ${file}: ${(err as Error).message}`, { cause: err });
    }
    this.#insert = this.#db.prepare(`
      INSERT INTO cdr (uuid, leg, start_epoch, answer_epoch, end_epoch, caller_id_name, caller_id_number, destination_number,
        context, hangup_cause, duration, billsec, accountcode, json_path, state, pending_work, post_status, next_post_at, created_at)
      VALUES (@uuid, @leg, @startEpoch, @answerEpoch, @endEpoch, @callerIdName, @callerIdNumber, @destinationNumber,
        @context, @hangupCause, @duration, @billsec, @accountcode, @jsonPath, @state, @work, @postStatus, 0, @createdAt)`);
  }

  static open(file: string): CdrStore {
    return new CdrStore(file);
  }

  #migrate(): void {
    const db = this.#db;
    db.exec('CREATE TABLE IF NOT EXISTS schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)');
    const row = db.prepare('SELECT version FROM schema_version WHERE id = 1').get() as { version: number } | undefined;
    const from = row?.version ?? 0;
    if (from > CDR_SCHEMA_VERSION) throw new CdrError(`the CDR store has schema version ${from}, newer than this program's ${CDR_SCHEMA_VERSION}`);
    if (from === CDR_SCHEMA_VERSION) return;
    db.transaction(() => {
      for (let v = from; v < CDR_SCHEMA_VERSION; v++) MIGRATIONS[v]!(db);
      db.prepare('INSERT INTO schema_version (id, version) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version').run(CDR_SCHEMA_VERSION);
    })();
  }

  #check(): void {
    if (this.#closed) throw new InvalidStateError('the CDR store is closed');
  }

  #stmt(sql: string): Database.Statement {
    let st = this.#statements.get(sql);
    if (!st) {
      st = this.#db.prepare(sql);
      this.#statements.set(sql, st);
    }
    return st;
  }

  #params(s: CdrSummary, state: CdrState, work: CdrWork | undefined, post: boolean) {
    return {
      ...s,
      jsonPath: s.jsonPath ?? null,
      state,
      work: work ? JSON.stringify(work) : null,
      postStatus: post && s.jsonPath ? 'queued' : 'none',
      createdAt: Date.now(),
    };
  }

  /** Record a CDR whose files are still to be written; returns its id. */
  insertPending(s: CdrSummary, work: CdrWork, post: boolean): number {
    this.#check();
    return Number(this.#insert.run(this.#params(s, 'pending', work, post)).lastInsertRowid);
  }

  /** Record a CDR whose files are already on disk (re-indexing); returns its id. */
  insertStored(s: CdrSummary, post: boolean): number {
    this.#check();
    return Number(this.#insert.run(this.#params(s, 'stored', undefined, post)).lastInsertRowid);
  }

  /** Update what a pending row still has to write (after part of it succeeded). */
  updateWork(id: number, work: CdrWork): void {
    this.#check();
    this.#stmt('UPDATE cdr SET pending_work = ? WHERE id = ?').run(JSON.stringify(work), id);
  }

  /** The files are on disk: drop the work, keep the summary. */
  markStored(id: number): void {
    this.#check();
    this.#stmt("UPDATE cdr SET state = 'stored', pending_work = NULL, last_error = NULL WHERE id = ?").run(id);
  }

  markWriteFailed(id: number, error: string): void {
    this.#check();
    this.#stmt('UPDATE cdr SET last_error = ? WHERE id = ?').run(error.slice(0, 500), id);
  }

  /** Rows whose files are not written yet, with their work. */
  pending(limit = 1000): Array<{ row: CdrRow; work: CdrWork }> {
    this.#check();
    const raws = this.#stmt("SELECT * FROM cdr WHERE state = 'pending' ORDER BY id LIMIT ?").all(limit) as RawRow[];
    return raws.map((r) => ({ row: toRow(r), work: parseWork(r.pending_work) }));
  }

  /** Queued rows due for delivery at `nowMs`, oldest first. */
  dueForPost(nowMs: number, limit: number): CdrRow[] {
    this.#check();
    const raws = this.#stmt("SELECT * FROM cdr WHERE post_status = 'queued' AND state = 'stored' AND next_post_at <= ? ORDER BY next_post_at, id LIMIT ?")
      .all(nowMs, limit) as RawRow[];
    return raws.map(toRow);
  }

  /** When the next queued row falls due (ms), or undefined when nothing is queued. */
  nextPostAt(): number | undefined {
    this.#check();
    const r = this.#stmt("SELECT MIN(next_post_at) AS t FROM cdr WHERE post_status = 'queued' AND state = 'stored'").get() as { t: number | null };
    return r.t ?? undefined;
  }

  queuedCount(): number {
    this.#check();
    return (this.#stmt("SELECT COUNT(*) AS n FROM cdr WHERE post_status = 'queued'").get() as { n: number }).n;
  }

  markPosted(id: number): void {
    this.#check();
    this.#stmt("UPDATE cdr SET post_status = 'posted', post_attempts = post_attempts + 1, last_error = NULL WHERE id = ?").run(id);
  }

  markPostFailed(id: number, nextPostAt: number, error: string): void {
    this.#check();
    this.#stmt('UPDATE cdr SET post_attempts = post_attempts + 1, next_post_at = ?, last_error = ? WHERE id = ?').run(nextPostAt, error.slice(0, 500), id);
  }

  markPostLost(id: number, error: string): void {
    this.#check();
    this.#stmt("UPDATE cdr SET post_status = 'lost', last_error = ? WHERE id = ?").run(error.slice(0, 500), id);
  }

  hasJsonPath(path: string): boolean {
    this.#check();
    return this.#stmt('SELECT 1 FROM cdr WHERE json_path = ?').get(path) !== undefined;
  }

  get(id: number): CdrRow | undefined {
    this.#check();
    const r = this.#stmt('SELECT * FROM cdr WHERE id = ?').get(id) as RawRow | undefined;
    return r ? toRow(r) : undefined;
  }

  /** CDRs newest first. */
  list(filter: CdrListFilter = {}): CdrRow[] {
    this.#check();
    const limit = Math.min(Math.max(1, Math.floor(filter.limit ?? 100)), 10_000);
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.beforeId !== undefined) {
      where.push('id < ?');
      args.push(filter.beforeId);
    }
    if (filter.uuid !== undefined) {
      where.push('uuid = ?');
      args.push(filter.uuid);
    }
    const sql = `SELECT * FROM cdr${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (this.#db.prepare(sql).all(...args, limit) as RawRow[]).map(toRow);
  }

  count(): number {
    this.#check();
    return (this.#stmt('SELECT COUNT(*) AS n FROM cdr').get() as { n: number }).n;
  }

  getMeta(key: string): string | undefined {
    this.#check();
    return (this.#stmt('SELECT value FROM cdr_meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  }

  setMeta(key: string, value: string): void {
    this.#check();
    this.#stmt('INSERT INTO cdr_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  /** Run `fn` in one transaction (re-indexing many files). */
  transaction<T>(fn: () => T): T {
    this.#check();
    return this.#db.transaction(fn)();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Close the database (a clean close checkpoints the WAL). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }
}

function parseWork(text: string | null): CdrWork {
  if (!text) return { csv: [] };
  try {
    const w = JSON.parse(text) as CdrWork;
    return { json: w.json, csv: Array.isArray(w.csv) ? w.csv : [] };
  } catch {
    return { csv: [] };
  }
}
