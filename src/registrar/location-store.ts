// The location service's storage contract: bindings of addresses-of-record to contacts,
// keyed per AOR by the binding key (contact-key.ts). SQLite implements it today
// (sqlite-location-store.ts); the methods return `Awaitable` values so that a PostgreSQL store
// shared by several switches can implement the same interface with promises. Callers `await`
// every call; the SQLite class narrows the types to plain values for synchronous users.
// Read-modify-write of one AOR goes through `update`, which the store runs atomically.

export type Awaitable<T> = T | Promise<T>;

export type SipTransport = 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';
export type PingStatus = 'Reachable' | 'Unreachable' | 'unknown';

/** One registered contact of an AOR. Times are epoch seconds. */
export interface Binding {
  /** `user@domain` (see makeAor). */
  aor: string;
  user: string;
  domain: string;
  /** SIP profile that accepted the registration (e.g. `internal`). */
  profile?: string | undefined;
  /** The Contact URI as the phone sent it (without `<>` and header params). */
  contactUri: string;
  /** The whole Contact header value for this contact, display name and params included. */
  contactRaw: string;
  displayName: string;
  expiresAt: number;
  /** Time of the last successful REGISTER that wrote this binding. */
  registeredAt: number;
  callId: string;
  cseq: number;
  /** `+sip.instance`, unquoted (`<urn:uuid:…>`). */
  instanceId?: string | undefined;
  /** RFC 5626 `reg-id`. */
  regId?: number | undefined;
  userAgent: string;
  /** Contact `q`, 0..1. */
  q?: number | undefined;
  /** Path header URIs (RFC 3327), in order. */
  path?: string[] | undefined;
  transport: SipTransport;
  sourceIp: string;
  sourcePort: number;
  /** For connection-oriented transports: the id of the connection the REGISTER came on. */
  connectionId?: string | undefined;
  natted: boolean;
  authUser: string;
  authRealm: string;
  pingStatus: PingStatus;
  pingFailures: number;
}

/** A binding as stored, with its key within the AOR. */
export interface StoredBinding extends Binding {
  readonly key: string;
}

/** Which bindings of an AOR to remove; no field = all of them. */
export interface RemoveMatch {
  key?: string;
  /** Compared after normalisation (same rule as the binding key). */
  contactUri?: string;
  callId?: string;
}

export interface ListFilter {
  aor?: string;
  user?: string;
  domain?: string;
  profile?: string;
  /** Substring of the Contact (raw), the AOR or the User-Agent (`sofia status … reg <str>`). */
  contains?: string;
  /** Only bindings with expiresAt > this. */
  unexpiredAt?: number;
  /** Only NATed (true) or only direct (false) bindings (keep-alive pings). */
  natted?: boolean;
  limit?: number;
  offset?: number;
}

/** What an `update` callback asks the store to do, and what `update` then returns. */
export interface AorChange<T> {
  result: T;
  upsert: readonly Binding[];
  removeKeys: readonly string[];
}

export interface LocationStore {
  /** Insert or replace the binding with the same (aor, key). */
  bind(binding: Binding): Awaitable<StoredBinding>;
  /** Bindings of an AOR; with `unexpiredAt`, only those with expiresAt > it. */
  lookup(aor: string, unexpiredAt?: number): Awaitable<StoredBinding[]>;
  /** Remove bindings of an AOR; returns what was removed. */
  remove(aor: string, match?: RemoveMatch): Awaitable<StoredBinding[]>;
  /**
   * Remove bindings with expiresAt <= cutoffSec (pass now − late margin), at most `limit`,
   * soonest first, only those of `profile` when given; returns them so the caller can publish
   * `sofia::expire`.
   */
  expire(cutoffSec: number, limit?: number, profile?: string): Awaitable<StoredBinding[]>;
  list(filter?: ListFilter): Awaitable<StoredBinding[]>;
  count(filter?: ListFilter): Awaitable<number>;
  /**
   * Read the AOR's bindings, let `fn` decide, apply its upserts and removals — all atomically
   * (one transaction; a shared store locks the AOR). `fn` must be synchronous and pure.
   */
  update<T>(aor: string, fn: (current: readonly StoredBinding[]) => AorChange<T>): Awaitable<T>;
  /** Record an OPTIONS ping result. Returns false when the binding no longer exists. */
  setPingStatus(aor: string, key: string, status: PingStatus, failures: number): Awaitable<boolean>;
  close(): Awaitable<void>;
}

/** `user@domain` with the domain lower-cased (hosts are case-insensitive, users are not). */
export function makeAor(user: string, domain: string): string {
  return `${user}@${domain.toLowerCase()}`;
}
