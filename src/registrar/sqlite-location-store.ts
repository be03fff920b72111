// The location store on SQLite (better-sqlite3), in `<dataDir>/db/registrations.db`: one
// table keyed by (aor, binding_key) with an index on expires_at, WAL journal, prepared
// statements, and a schema_version table so later versions can migrate the file in place.
// Opening does no per-row work, so a store with 100,000 bindings opens in milliseconds and every
// unexpired registration survives a restart. All calls are synchronous (better-sqlite3 is);
// the class satisfies the Awaitable LocationStore interface with plain values. With
// `groupCommit`, the writes of one event-loop turn share one transaction committed right after
// it (as FreeSWITCH queues its registration SQL): a burst of REGISTERs costs one commit, not one
// each, and a crash can lose at most that turn's writes, which phones repair by re-registering.

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { InvalidStateError } from '../common/index.js';
import { bindingKey, normaliseUri } from './contact-key.js';
import { LocationStoreError } from './errors.js';
import type {
  AorChange,
  Binding,
  ListFilter,
  LocationStore,
  PingStatus,
  RemoveMatch,
  SipTransport,
  StoredBinding,
} from './location-store.js';

/** The schema this code writes. Bump it and append a migration to change the table. */
export const LOCATION_SCHEMA_VERSION = 1;

/** MIGRATIONS[v] moves a database from version v to v + 1. */
const MIGRATIONS: ReadonlyArray<(db: Database.Database) => void> = [
  (db) => {
    db.exec(`
      CREATE TABLE registrations (
        aor           TEXT NOT NULL,
        binding_key   TEXT NOT NULL,
        sip_user      TEXT NOT NULL,
        domain        TEXT NOT NULL,
        profile       TEXT,
        contact_uri   TEXT NOT NULL,
        contact_raw   TEXT NOT NULL,
        display_name  TEXT NOT NULL,
        expires_at    INTEGER NOT NULL,
        registered_at INTEGER NOT NULL,
        call_id       TEXT NOT NULL,
        cseq          INTEGER NOT NULL,
        instance_id   TEXT,
        reg_id        INTEGER,
        user_agent    TEXT NOT NULL,
        q             REAL,
        path          TEXT,
        transport     TEXT NOT NULL,
        source_ip     TEXT NOT NULL,
        source_port   INTEGER NOT NULL,
        connection_id TEXT,
        natted        INTEGER NOT NULL,
        auth_user     TEXT NOT NULL,
        auth_realm    TEXT NOT NULL,
        ping_status   TEXT NOT NULL,
        ping_failures INTEGER NOT NULL,
        PRIMARY KEY (aor, binding_key)
      ) WITHOUT ROWID;
      CREATE INDEX registrations_expires_at ON registrations (expires_at);
    `);
  },
];

interface Row {
  aor: string;
  binding_key: string;
  sip_user: string;
  domain: string;
  profile: string | null;
  contact_uri: string;
  contact_raw: string;
  display_name: string;
  expires_at: number;
  registered_at: number;
  call_id: string;
  cseq: number;
  instance_id: string | null;
  reg_id: number | null;
  user_agent: string;
  q: number | null;
  path: string | null;
  transport: string;
  source_ip: string;
  source_port: number;
  connection_id: string | null;
  natted: number;
  auth_user: string;
  auth_realm: string;
  ping_status: string;
  ping_failures: number;
}

function toRow(b: Binding, key: string): Row {
  return {
    aor: b.aor,
    binding_key: key,
    sip_user: b.user,
    domain: b.domain.toLowerCase(),
    profile: b.profile ?? null,
    contact_uri: b.contactUri,
    contact_raw: b.contactRaw,
    display_name: b.displayName,
    expires_at: Math.floor(b.expiresAt),
    registered_at: Math.floor(b.registeredAt),
    call_id: b.callId,
    cseq: b.cseq,
    instance_id: b.instanceId ?? null,
    reg_id: b.regId ?? null,
    user_agent: b.userAgent,
    q: b.q ?? null,
    path: b.path && b.path.length > 0 ? JSON.stringify(b.path) : null,
    transport: b.transport,
    source_ip: b.sourceIp,
    source_port: b.sourcePort,
    connection_id: b.connectionId ?? null,
    natted: b.natted ? 1 : 0,
    auth_user: b.authUser,
    auth_realm: b.authRealm,
    ping_status: b.pingStatus,
    ping_failures: b.pingFailures,
  };
}

function parsePath(text: string | null): string[] | undefined {
  if (text === null) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
  } catch {
    return undefined;
  }
}

/** A row as an array in COLUMNS order (statements run in raw mode: no per-row object from SQLite). */
type RawRow = [
  aor: string, bindingKey: string, user: string, domain: string, profile: string | null, contactUri: string,
  contactRaw: string, displayName: string, expiresAt: number, registeredAt: number, callId: string, cseq: number,
  instanceId: string | null, regId: number | null, userAgent: string, q: number | null, path: string | null,
  transport: string, sourceIp: string, sourcePort: number, connectionId: string | null, natted: number,
  authUser: string, authRealm: string, pingStatus: string, pingFailures: number,
];

function fromRaw(r: RawRow): StoredBinding {
  return {
    key: r[1],
    aor: r[0],
    user: r[2],
    domain: r[3],
    profile: r[4] ?? undefined,
    contactUri: r[5],
    contactRaw: r[6],
    displayName: r[7],
    expiresAt: r[8],
    registeredAt: r[9],
    callId: r[10],
    cseq: r[11],
    instanceId: r[12] ?? undefined,
    regId: r[13] ?? undefined,
    userAgent: r[14],
    q: r[15] ?? undefined,
    path: parsePath(r[16]),
    transport: r[17] as SipTransport,
    sourceIp: r[18],
    sourcePort: r[19],
    connectionId: r[20] ?? undefined,
    natted: r[21] !== 0,
    authUser: r[22],
    authRealm: r[23],
    pingStatus: r[24] as PingStatus,
    pingFailures: r[25],
  };
}

function allBindings(stmt: Database.Statement, ...params: unknown[]): StoredBinding[] {
  return (stmt.all(...params) as RawRow[]).map(fromRaw);
}

const COLUMNS = [
  'aor', 'binding_key', 'sip_user', 'domain', 'profile', 'contact_uri', 'contact_raw', 'display_name', 'expires_at',
  'registered_at', 'call_id', 'cseq', 'instance_id', 'reg_id', 'user_agent', 'q', 'path', 'transport', 'source_ip',
  'source_port', 'connection_id', 'natted', 'auth_user', 'auth_realm', 'ping_status', 'ping_failures',
] as const;

const SELECT_LIST = COLUMNS.join(', ');

const UPSERT_SQL =
  `INSERT INTO registrations (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => `@${c}`).join(', ')}) ` +
  `ON CONFLICT (aor, binding_key) DO UPDATE SET ` +
  COLUMNS.filter((c) => c !== 'aor' && c !== 'binding_key')
    .map((c) => `${c} = excluded.${c}`)
    .join(', ');

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export interface SqliteLocationStoreOptions {
  /** Database file, normally `<dataDir>/db/registrations.db`; its folder is created. */
  file: string;
  /** Commit the writes of one event-loop turn together (see the file header). Default false. */
  groupCommit?: boolean;
  /** Told when a group commit fails (its writes are rolled back); default: ignored. */
  onError?: (err: Error) => void;
}

export class SqliteLocationStore implements LocationStore {
  readonly file: string;
  #db: Database.Database;
  #closed = false;
  #upsert: Database.Statement;
  #selectAor: Database.Statement;
  #selectAorUnexpired: Database.Statement;
  #deleteKey: Database.Statement;
  #deleteAor: Database.Statement;
  #expire: Database.Statement;
  #expireProfile: Database.Statement;
  #setPing: Database.Statement;
  #filterStatements = new Map<string, Database.Statement>();
  readonly #groupCommit: boolean;
  readonly #onError: (err: Error) => void;
  #batchOpen = false;
  #updateTx: <T>(aor: string, fn: (current: readonly StoredBinding[]) => AorChange<T>) => T;
  #removeTx: (aor: string, match: RemoveMatch | undefined) => StoredBinding[];

  constructor(opts: SqliteLocationStoreOptions) {
    this.file = opts.file;
    this.#groupCommit = opts.groupCommit ?? false;
    this.#onError = opts.onError ?? (() => {});
    try {
      if (opts.file !== ':memory:') mkdirSync(dirname(opts.file), { recursive: true });
      this.#db = new Database(opts.file);
    } catch (err) {
      throw new LocationStoreError(`cannot open location database ${opts.file}: ${(err as Error).message}`, { cause: err });
    }
    try {
      this.#db.pragma('journal_mode = WAL');
      // WAL + NORMAL: a commit is durable across a process crash; only a power loss can lose the
      // last transactions, which phones repair by re-registering.
      this.#db.pragma('synchronous = NORMAL');
      this.#db.pragma('busy_timeout = 5000');
      this.#migrate();
      const db = this.#db;
      this.#upsert = db.prepare(UPSERT_SQL);
      this.#selectAor = db.prepare(`SELECT ${SELECT_LIST} FROM registrations WHERE aor = ? ORDER BY registered_at, binding_key`).raw();
      this.#selectAorUnexpired = db
        .prepare(`SELECT ${SELECT_LIST} FROM registrations WHERE aor = ? AND expires_at > ? ORDER BY registered_at, binding_key`)
        .raw();
      this.#deleteKey = db.prepare(`DELETE FROM registrations WHERE aor = ? AND binding_key = ? RETURNING ${SELECT_LIST}`).raw();
      this.#deleteAor = db.prepare(`DELETE FROM registrations WHERE aor = ? RETURNING ${SELECT_LIST}`).raw();
      this.#expire = db
        .prepare(
          'DELETE FROM registrations WHERE (aor, binding_key) IN ' +
            `(SELECT aor, binding_key FROM registrations WHERE expires_at <= ? ORDER BY expires_at LIMIT ?) RETURNING ${SELECT_LIST}`,
        )
        .raw();
      this.#expireProfile = db
        .prepare(
          'DELETE FROM registrations WHERE (aor, binding_key) IN ' +
            '(SELECT aor, binding_key FROM registrations WHERE expires_at <= ? AND profile = ? ORDER BY expires_at LIMIT ?) ' +
            `RETURNING ${SELECT_LIST}`,
        )
        .raw();
      this.#setPing = db.prepare('UPDATE registrations SET ping_status = ?, ping_failures = ? WHERE aor = ? AND binding_key = ?');
    } catch (err) {
      this.#db.close();
      if (err instanceof LocationStoreError) throw err;
      throw new LocationStoreError(`cannot prepare location database ${opts.file}: ${(err as Error).message}`, { cause: err });
    }

    this.#updateTx = this.#db.transaction(<T>(aor: string, fn: (current: readonly StoredBinding[]) => AorChange<T>): T => {
      const current = allBindings(this.#selectAor, aor);
      const change = fn(current);
      for (const key of change.removeKeys) this.#deleteKey.run(aor, key);
      for (const b of change.upsert) {
        if (b.aor !== aor) throw new LocationStoreError(`update of ${aor} tried to write a binding of ${b.aor}`);
        // computeRegistration hands StoredBindings whose key it already derived.
        const key = (b as Partial<StoredBinding>).key ?? bindingKey(b);
        this.#upsert.run(toRow(b, key));
      }
      return change.result;
    }) as <T>(aor: string, fn: (current: readonly StoredBinding[]) => AorChange<T>) => T;

    this.#removeTx = this.#db.transaction((aor: string, match: RemoveMatch | undefined): StoredBinding[] => {
      if (!match || (match.key === undefined && match.contactUri === undefined && match.callId === undefined)) {
        return allBindings(this.#deleteAor, aor);
      }
      const wantUri = match.contactUri === undefined ? undefined : normaliseUri(match.contactUri);
      const victims = allBindings(this.#selectAor, aor).filter(
        (b) =>
          (match.key === undefined || b.key === match.key) &&
          (match.callId === undefined || b.callId === match.callId) &&
          (wantUri === undefined || normaliseUri(b.contactUri) === wantUri),
      );
      const removed: StoredBinding[] = [];
      for (const b of victims) removed.push(...allBindings(this.#deleteKey, aor, b.key));
      return removed;
    });
  }

  /** Open (creating or migrating) the database at `file`. */
  static open(file: string, opts: Omit<SqliteLocationStoreOptions, 'file'> = {}): SqliteLocationStore {
    return new SqliteLocationStore({ ...opts, file });
  }

  /** With group commit: open this turn's transaction before a write (nested ones become savepoints). */
  #write(): void {
    if (!this.#groupCommit || this.#batchOpen || this.#db.inTransaction) return;
    this.#db.exec('BEGIN');
    this.#batchOpen = true;
    setImmediate(() => this.flush());
  }

  /** Commit the pending group of writes now (close() does it too). */
  flush(): void {
    if (!this.#batchOpen) return;
    this.#batchOpen = false;
    try {
      this.#db.exec('COMMIT');
    } catch (err) {
      try {
        if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      } catch {
        // nothing more to undo
      }
      this.#onError(new LocationStoreError(`cannot commit registrations to ${this.file}: ${(err as Error).message}`, { cause: err }));
    }
  }

  #migrate(): void {
    const db = this.#db;
    db.exec('CREATE TABLE IF NOT EXISTS schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)');
    const row = db.prepare('SELECT version FROM schema_version WHERE id = 1').get() as { version: number } | undefined;
    const from = row?.version ?? 0;
    if (from > LOCATION_SCHEMA_VERSION) {
      throw new LocationStoreError(
        `${this.file} has schema version ${from}, newer than this build understands (${LOCATION_SCHEMA_VERSION})`,
      );
    }
    if (from === LOCATION_SCHEMA_VERSION) return;
    db.transaction(() => {
      for (let v = from; v < LOCATION_SCHEMA_VERSION; v++) MIGRATIONS[v]!(db);
      db.prepare('INSERT INTO schema_version (id, version) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version').run(
        LOCATION_SCHEMA_VERSION,
      );
    })();
  }

  /** The schema version recorded in the file. */
  schemaVersion(): number {
    this.#check();
    const row = this.#db.prepare('SELECT version FROM schema_version WHERE id = 1').get() as { version: number } | undefined;
    return row?.version ?? 0;
  }

  bind(binding: Binding): StoredBinding {
    this.#check();
    this.#write();
    const key = bindingKey(binding);
    this.#upsert.run(toRow(binding, key));
    return { ...binding, key };
  }

  lookup(aor: string, unexpiredAt?: number): StoredBinding[] {
    this.#check();
    return unexpiredAt === undefined ? allBindings(this.#selectAor, aor) : allBindings(this.#selectAorUnexpired, aor, Math.floor(unexpiredAt));
  }

  remove(aor: string, match?: RemoveMatch): StoredBinding[] {
    this.#check();
    this.#write();
    return this.#removeTx(aor, match);
  }

  expire(cutoffSec: number, limit = -1, profile?: string): StoredBinding[] {
    this.#check();
    this.#write();
    // LIMIT -1 is SQLite for "no limit".
    if (profile !== undefined) return allBindings(this.#expireProfile, Math.floor(cutoffSec), profile, limit);
    return allBindings(this.#expire, Math.floor(cutoffSec), limit);
  }

  list(filter: ListFilter = {}): StoredBinding[] {
    this.#check();
    const { sql, params } = this.#where(filter);
    // The primary key's order: no sort step.
    let tail = ' ORDER BY aor, binding_key';
    if (filter.limit !== undefined || filter.offset !== undefined) {
      tail += ' LIMIT ? OFFSET ?';
      params.push(filter.limit ?? -1, filter.offset ?? 0);
    }
    return allBindings(this.#statement(`SELECT ${SELECT_LIST} FROM registrations${sql}${tail}`, true), ...params);
  }

  count(filter: ListFilter = {}): number {
    this.#check();
    const { sql, params } = this.#where(filter);
    const row = this.#statement(`SELECT count(*) AS n FROM registrations${sql}`, false).get(...params) as { n: number };
    return row.n;
  }

  update<T>(aor: string, fn: (current: readonly StoredBinding[]) => AorChange<T>): T {
    this.#check();
    this.#write();
    return this.#updateTx(aor, fn);
  }

  setPingStatus(aor: string, key: string, status: PingStatus, failures: number): boolean {
    this.#check();
    this.#write();
    return this.#setPing.run(status, failures, aor, key).changes > 0;
  }

  /** Close the database; later calls throw InvalidStateError. Closing twice is a no-op. */
  close(): void {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
    this.#db.close();
  }

  get closed(): boolean {
    return this.#closed;
  }

  #check(): void {
    if (this.#closed) throw new InvalidStateError(`location store ${this.file} is closed`);
  }

  #where(filter: ListFilter): { sql: string; params: Array<string | number> } {
    const clauses: string[] = [];
    const params: Array<string | number> = [];
    if (filter.aor !== undefined) {
      clauses.push('aor = ?');
      params.push(filter.aor);
    }
    if (filter.user !== undefined) {
      clauses.push('sip_user = ?');
      params.push(filter.user);
    }
    if (filter.domain !== undefined) {
      clauses.push('domain = ?');
      params.push(filter.domain.toLowerCase());
    }
    if (filter.profile !== undefined) {
      clauses.push('profile = ?');
      params.push(filter.profile);
    }
    if (filter.unexpiredAt !== undefined) {
      clauses.push('expires_at > ?');
      params.push(Math.floor(filter.unexpiredAt));
    }
    if (filter.natted !== undefined) {
      clauses.push('natted = ?');
      params.push(filter.natted ? 1 : 0);
    }
    if (filter.contains !== undefined && filter.contains !== '') {
      const like = `%${escapeLike(filter.contains)}%`;
      clauses.push("(contact_raw LIKE ? ESCAPE '\\' OR aor LIKE ? ESCAPE '\\' OR user_agent LIKE ? ESCAPE '\\')");
      params.push(like, like, like);
    }
    return { sql: clauses.length > 0 ? ` WHERE ${clauses.join(' AND ')}` : '', params };
  }

  /** Prepared statements for the few filter shapes in use, cached (bounded by the shapes). */
  #statement(sql: string, raw: boolean): Database.Statement {
    let stmt = this.#filterStatements.get(sql);
    if (stmt === undefined) {
      stmt = this.#db.prepare(sql);
      if (raw) stmt.raw();
      this.#filterStatements.set(sql, stmt);
    }
    return stmt;
  }
}
