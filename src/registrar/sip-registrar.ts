// The registrar of one SIP profile (RFC 3261 §10.3): takes the profile's out-of-dialog
// REGISTERs from its SipStack, authenticates them against the directory of the configuration
// in force (so a new user file + reloadxml works at once), decides NAT, applies the bindings
// to the location store and answers; publishes the sofia::* events and keeps the bindings
// alive, swept and reachable. It also answers the call layer's question "where is user@domain
// now" (lookup). The protocol-independent parts (digest, nonces, bans, binding logic, NAT
// rules, event headers) live beside it; this file wires them to SIP messages.

import { randomBytes } from 'node:crypto';
import type { EventBus, EventHeaders, Logger } from '../common/index.js';
import { parseBool, type AclEvaluator, type Directory, type MergedUser } from '../config/index.js';
import { SipUri, uriUser, type Hop, type NameAddr, type ServerTransaction, type SipRequest, type SipStack } from '../sip/index.js';
import { Authenticator, type AuthDecision, type DirectoryUser } from './auth.js';
import { authRequirement, type AclResult } from './auth-policy.js';
import { BanList } from './ban.js';
import { bareHost, splitSipUri } from './contact-key.js';
import {
  AUTH_BAN,
  authBanEventHeaders,
  authResultOf,
  expireEventHeaders,
  preRegisterEventHeaders,
  registerAttemptEventHeaders,
  registerEventHeaders,
  registerFailureEventHeaders,
  SOFIA_EXPIRE,
  SOFIA_PRE_REGISTER,
  SOFIA_REGISTER,
  SOFIA_REGISTER_ATTEMPT,
  SOFIA_REGISTER_FAILURE,
  SOFIA_UNREGISTER,
  unregisterEventHeaders,
  type RegisterRequestInfo,
} from './events.js';
import { RegistrationKeepalive } from './keepalive.js';
import { makeAor, type Binding, type ListFilter, type LocationStore, type SipTransport, type StoredBinding } from './location-store.js';
import { detectNat, reachAddress, registrationStatus, type AddressMatcher } from './nat.js';
import { NonceManager } from './nonce.js';
import { applyRegistration, responseContact, type RegisterInput } from './registrar.js';
import { checkSyntax, contactInput, headerLines, literalHop, pathUris, sourceText } from './register-request.js';
import type { RegistrarSettings } from './registrar-settings.js';

/** One way to reach a registered phone, for the call layer. */
export interface ReachableContact {
  /** The Request-URI of a request to this phone: its Contact URI as it registered it. */
  requestUri: string;
  /** Where to send it: the NAT source address, the registration's TCP connection, or the Contact. */
  hop: Hop;
  /** Route header values to add (the registration's Path, RFC 3327), usually empty. */
  route: string[];
  /** The binding itself (user agent, NAT flag, call-id, expiry…). */
  binding: StoredBinding;
}

export interface SipRegistrarOptions {
  stack: SipStack;
  settings: RegistrarSettings;
  /** The directory of the configuration in force, read on each request. */
  directory: () => Directory;
  /** The ACL evaluator in force (apply-register-acl, apply-nat-acl, local-network-acl). */
  acl?: () => AclEvaluator | undefined;
  store: LocationStore;
  bus?: EventBus | undefined;
  logger: Logger;
  /** HMAC key of the nonces (see loadOrCreateNonceSecret); default: random per process. */
  nonceSecret?: Buffer;
  /** Clock in ms since the epoch (tests). */
  now?: () => number;
  /** Keep-alive tick (default 1000 ms; tests shorten it). */
  keepaliveTickMs?: number;
}

/**
 * Connection ids are per process (`tcp-7`): stored with this token so that after a restart, or
 * on another switch sharing the store, a binding never rides a stranger's connection.
 */
const PROCESS_TOKEN = randomBytes(6).toString('hex');

/** Expired bindings removed per sweep batch, and batches per tick (bounds one tick's work). */
const SWEEP_BATCH = 1000;
const SWEEP_BATCHES_PER_TICK = 20;
/** Bound on the cached directory lookups per directory. */
const USER_CACHE_MAX = 10_000;
/** Bound on the cached ACL verdicts (addresses come from requests). */
const ACL_CACHE_MAX = 4096;
/** Bound on the connection → bindings index (one entry per TCP binding). */
const MAX_CONNECTION_INDEX = 100_000;

const EVENT_ORIGIN = { file: 'sofia_reg.c', func: 'sofia_reg_handle_register' };

export class SipRegistrar {
  readonly profileName: string;
  readonly settings: RegistrarSettings;
  readonly authenticator: Authenticator;
  readonly #o: SipRegistrarOptions;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #keepalive: RegistrationKeepalive | undefined;
  #sweepTimer: NodeJS.Timeout | undefined;
  #sweeping = false;
  #unwatch: (() => void) | undefined;
  /** TCP connection id → `aor\nkey` of the bindings registered over it. */
  readonly #byConnection = new Map<string, Set<string>>();
  /** The directory user of the authentication in progress (read right after authenticate()). */
  #lastUser: MergedUser | undefined;
  /** ACL verdicts per evaluator, list and address: the NAT check runs on every REGISTER. */
  #aclCache = new WeakMap<AclEvaluator, Map<string, boolean>>();
  #userCache = new WeakMap<Directory, Map<string, MergedUser | undefined>>();
  readonly counters = { registers: 0, challenged: 0, forbidden: 0, registered: 0, unregistered: 0, expired: 0 };

  constructor(opts: SipRegistrarOptions) {
    this.#o = opts;
    const s = opts.settings;
    this.settings = s;
    this.profileName = s.profileName;
    this.#log = opts.logger.child({ mod: 'registrar', profile: s.profileName });
    this.#now = opts.now ?? Date.now;
    this.authenticator = new Authenticator({
      lookupUser: (username, realm) => this.#authUser(username, realm),
      nonces: new NonceManager({ secret: opts.nonceSecret, ttlMs: s.nonceTtlSec * 1000, now: this.#now }),
      bans:
        s.authFailBanCount > 0
          ? new BanList({ maxFailures: s.authFailBanCount, windowMs: s.authFailWindowSec * 1000, banMs: s.authFailBanSec * 1000, now: this.#now })
          : null,
      forceMatchingUsername: s.forceMatchingUsername,
      logger: this.#log,
      profileName: s.profileName,
    });
    if (s.natOptionsPing || s.allRegOptionsPing) {
      this.#keepalive = new RegistrationKeepalive({
        stack: opts.stack,
        store: opts.store,
        profileName: s.profileName,
        all: s.allRegOptionsPing,
        intervalMs: s.pingIntervalSec * 1000,
        maxFailures: s.pingMaxFailures,
        hopFor: (b) => this.#reach(b)?.hop,
        onUnreachable: (b) => this.#dropUnreachable(b, 'no answer to OPTIONS'),
        logger: this.#log,
        tickMs: opts.keepaliveTickMs,
        now: this.#now,
      });
    }
  }

  /** Take the profile's REGISTERs, start the sweeper (and the keep-alive pings when configured). */
  start(): void {
    this.#o.stack.route('REGISTER', (req, tx) => this.#onRegister(req, tx));
    this.#unwatch ??= this.#o.stack.watchConnections((id) => this.#connectionClosed(id));
    if (!this.#sweepTimer) {
      this.#sweepTimer = setInterval(() => void this.sweep(), this.settings.sweepIntervalSec * 1000);
      this.#sweepTimer.unref();
      // Bindings that expired while the switch was down go now.
      void this.sweep();
    }
    this.#keepalive?.start();
  }

  /** Stop the timers. The store stays open (it is shared; its owner closes it). Idempotent. */
  stop(): void {
    if (this.#sweepTimer) clearInterval(this.#sweepTimer);
    this.#sweepTimer = undefined;
    this.#keepalive?.stop();
    this.#unwatch?.();
    this.#unwatch = undefined;
  }

  // ---- the call layer's view --------------------------------------------------------------

  /**
   * Every way to reach `user@domain` registered on this profile now, best first: highest `q`
   * (absent = 1.0), then most recently registered. Bindings past their expiry but within the
   * late margin still count (a phone a little late to refresh stays reachable), as in
   * FreeSWITCH. A binding whose only path is a closed TCP connection from behind NAT is left out.
   */
  async lookup(user: string, domain: string): Promise<ReachableContact[]> {
    const aor = makeAor(user, this.#dbDomain(domain));
    const bindings = await this.#o.store.lookup(aor, this.#nowSec() - this.settings.lateMarginSec);
    const out: ReachableContact[] = [];
    for (const b of bindings) {
      if (b.profile !== undefined && b.profile !== this.profileName) continue;
      const r = this.#reach(b);
      if (r) out.push(r);
    }
    out.sort((a, b) => (b.binding.q ?? 1) - (a.binding.q ?? 1) || b.binding.registeredAt - a.binding.registeredAt);
    return out;
  }

  /** True when `user@domain` has at least one reachable binding on this profile. */
  async isRegistered(user: string, domain: string): Promise<boolean> {
    return (await this.lookup(user, domain)).length > 0;
  }

  // ---- the console's view -----------------------------------------------------------------

  /** This profile's bindings (for `sofia status profile … reg`, `show registrations`). */
  async bindings(filter: Omit<ListFilter, 'profile'> = {}): Promise<StoredBinding[]> {
    return this.#o.store.list({ ...filter, profile: this.profileName });
  }

  /** How many bindings this profile holds. */
  async count(): Promise<number> {
    return this.#o.store.count({ profile: this.profileName });
  }

  /** Last keep-alive round trip of a binding in ms (undefined when not pinged or never answered). */
  pingTimeMs(b: StoredBinding): number | undefined {
    return this.#keepalive?.pingTimeMs(b);
  }

  /**
   * `sofia profile <p> flush_inbound_reg [call-id|user@domain]`: drop this profile's bindings
   * (all, one Call-ID's, or one AOR's). Publishes sofia::expire for each. Returns how many went.
   */
  async flush(what?: string): Promise<number> {
    let victims: StoredBinding[];
    if (what === undefined || what === '') victims = await this.bindings();
    else if (what.includes('@')) {
      const at = what.lastIndexOf('@');
      const aor = makeAor(what.slice(0, at), this.#dbDomain(what.slice(at + 1)));
      victims = (await this.#o.store.lookup(aor)).filter((b) => b.profile === undefined || b.profile === this.profileName);
    } else {
      victims = (await this.bindings()).filter((b) => b.callId === what);
    }
    let n = 0;
    for (const b of victims) {
      const removed = await this.#o.store.remove(b.aor, { key: b.key });
      for (const r of removed) {
        n++;
        this.#forgetConnection(r);
        this.#publish(SOFIA_EXPIRE, () => expireEventHeaders(r, this.profileName));
        this.#log.info({ user: r.user, domain: r.domain, contact: r.contactUri, callId: r.callId }, 'registration flushed');
      }
    }
    return n;
  }

  /** Remove bindings past expiry + late margin, publishing sofia::expire. Bounded per call. */
  async sweep(): Promise<number> {
    if (this.#sweeping) return 0;
    this.#sweeping = true;
    let total = 0;
    try {
      const cutoff = this.#nowSec() - this.settings.lateMarginSec;
      for (let i = 0; i < SWEEP_BATCHES_PER_TICK; i++) {
        const gone = await this.#o.store.expire(cutoff, SWEEP_BATCH, this.profileName);
        for (const b of gone) {
          this.#forgetConnection(b);
          this.#publish(SOFIA_EXPIRE, () => expireEventHeaders(b, this.profileName));
          this.#log.info({ user: b.user, domain: b.domain, contact: b.contactUri, callId: b.callId, source: sourceText(b) }, 'registration expired');
        }
        total += gone.length;
        this.counters.expired += gone.length;
        if (gone.length < SWEEP_BATCH) break;
      }
    } catch (err) {
      this.#log.error({ err }, 'registration sweep failed');
    } finally {
      this.#sweeping = false;
    }
    return total;
  }

  // ---- REGISTER -----------------------------------------------------------------------------

  #onRegister(req: SipRequest, tx: ServerTransaction): void {
    this.counters.registers++;
    this.#handleRegister(req, tx).catch((err) => {
      this.#log.error({ err, callId: req.callId }, 'REGISTER handling failed');
      if (tx.state === 'trying' || tx.state === 'proceeding') tx.reply(500);
    });
  }

  async #handleRegister(req: SipRequest, tx: ServerTransaction): Promise<void> {
    const s = this.settings;
    const src = req.source;
    if (!src) return;
    if (s.disableRegister) {
      tx.reply(403, { reason: 'Registration Disabled' });
      return;
    }
    const toUri = req.to?.parsedUri;
    const aorUser = toUri instanceof SipUri ? uriUser(toUri) : undefined;
    if (!(toUri instanceof SipUri) || aorUser === undefined || aorUser === '') {
      tx.reply(400, { reason: 'Invalid To Header' });
      return;
    }
    const bad = checkSyntax(req);
    if (bad !== undefined) {
      tx.reply(400, { reason: bad });
      return;
    }
    const fromUri = req.from?.parsedUri;
    const fromHost = fromUri instanceof SipUri ? fromUri.host : toUri.host;
    const fromUser = (fromUri instanceof SipUri ? uriUser(fromUri) : undefined) ?? aorUser;
    const ip = src.remoteAddress;
    const transport: SipTransport = src.transport;
    const domain = this.#dbDomain(toUri.host);
    const userAgent = req.get('user-agent') ?? '';
    const info: RegisterRequestInfo = {
      profileName: this.profileName,
      toUser: aorUser,
      toHost: toUri.host,
      fromUser,
      fromHost,
      contact: req.get('contact'),
      callId: req.callId,
      networkIp: ip,
      networkPort: src.remotePort,
      userAgent,
      status: registrationStatus({ transport, natted: false }),
    };

    // Authentication (spec §2.3): who may register, and as whom.
    let authUser = aorUser;
    let authRealm = domain;
    let variables: EventHeaders | undefined;
    let maxContacts = s.maxRegistrationsPerExtension;
    const acl = s.registerAcl !== undefined ? this.#aclResult(s.registerAcl, ip) : undefined;
    const credentials = headerLines(req, 'authorization');
    const need = authRequirement(
      { authCalls: false, acceptBlindReg: s.acceptBlindReg, disableRegister: s.disableRegister },
      { method: 'REGISTER', inDialog: false, hasCredentials: credentials.length > 0, acl },
    );
    if (need.kind === 'forbidden') {
      this.counters.forbidden++;
      tx.reply(403);
      return;
    }
    if (need.kind === 'acl' && need.user !== undefined) authUser = need.user.split('@')[0]!;
    if (need.kind === 'digest') {
      const realm = this.#realm(toUri.host, fromHost);
      const d = this.authenticator.authenticate({ method: 'REGISTER', credentials, realm, sourceIp: ip, toUser: aorUser });
      this.#authEvents(d, info);
      if (d.kind !== 'ok') {
        this.#refuse(d, tx);
        return;
      }
      authUser = d.username;
      authRealm = d.realm;
      // The user the Authenticator just looked up (synchronously, inside authenticate()).
      const found = this.#lastUser;
      this.#lastUser = undefined;
      if (found && found.id.toLowerCase() === d.username.toLowerCase()) {
        const perUser = found.params.get('max-registrations-per-extension');
        if (perUser !== undefined && /^\d+$/.test(perUser.trim()) && Number(perUser) > 0) maxContacts = Number(perUser);
        if (this.#o.bus?.hasSubscribers) variables = [...found.variables.winners()].map((e) => [e.name, e.value] as [string, string]);
      }
    }

    // NAT (spec §5.2), decided on the first Contact as FreeSWITCH does.
    const contacts = req.contacts as NameAddr[];
    const first = contacts.find((c) => !c.wildcard);
    let natted = false;
    if (first) {
      const cu = first.parsedUri as SipUri;
      const via = req.topVia!;
      natted = detectNat({
        contactHost: cu.host,
        contactPort: cu.port,
        viaHost: via.host,
        viaPort: via.port,
        viaReceived: via.received !== undefined && bareHost(via.received) !== bareHost(via.host) ? via.received : undefined,
        sourceIp: ip,
        sourcePort: src.remotePort,
        transport,
        aggressive: s.aggressiveNat,
        natNetworks: s.natAcl !== undefined ? this.#aclMatcher(s.natAcl) : undefined,
        localNetworks: s.localNetworkAcl !== undefined ? this.#aclMatcher(s.localNetworkAcl) : undefined,
        contactMismatch: s.natContactMismatch,
      }).natted;
    }

    const input: RegisterInput = {
      user: aorUser,
      domain,
      profile: this.profileName,
      contacts: contacts.map(contactInput),
      expiresHeader: req.get('expires'),
      callId: req.callId,
      cseq: req.cseq!.seq,
      source: { ip, port: src.remotePort, transport, connectionId: src.connectionId !== undefined ? `${PROCESS_TOKEN}/${src.connectionId}` : undefined },
      userAgent,
      path: pathUris(req),
      authUser,
      authRealm,
      natted,
      nowSec: this.#nowSec(),
    };
    const outcome = await applyRegistration(this.#o.store, input, {
      minExpiresSec: s.minExpiresSec,
      maxExpiresSec: s.maxExpiresSec,
      defaultExpiresSec: s.defaultExpiresSec,
      multipleRegistrations: s.multipleRegistrations,
      maxContactsPerAor: maxContacts,
    });
    if (outcome.status === 423) {
      tx.reply(423, { headers: [['Min-Expires', String(outcome.minExpiresSec)]] });
      return;
    }
    if (outcome.status !== 200) {
      tx.reply(outcome.status, { reason: outcome.reason });
      return;
    }

    const headers: Array<[string, string]> = outcome.bindings.map((b) => ['Contact', responseContact(b)] as [string, string]);
    // RFC 3327 §5.3: the registrar returns the Path it stored.
    for (const p of input.path ?? []) headers.push(['Path', `<${p}>`]);
    headers.push(['Date', new Date(this.#now()).toUTCString()]);
    tx.reply(200, { headers });

    const source = `${transport}:${ip}:${src.remotePort}`;
    const ctx = { profileName: this.profileName, presenceHosts: s.presenceHosts, fromUser, fromHost };
    for (const b of outcome.added) {
      this.counters.registered++;
      this.#indexConnection(b);
      this.#log.info({ user: b.user, domain: b.domain, contact: b.contactUri, source, expires: b.expiresSec, natted: b.natted }, 'registered');
      this.#publish(SOFIA_REGISTER, () => registerEventHeaders(b, { ...ctx, expiresSec: b.expiresSec, updateReg: false, variables }));
    }
    for (const b of outcome.refreshed) {
      this.#indexConnection(b);
      this.#log.debug({ user: b.user, domain: b.domain, contact: b.contactUri, source, expires: b.expiresSec }, 'registration refreshed');
      this.#publish(SOFIA_REGISTER, () => registerEventHeaders(b, { ...ctx, expiresSec: b.expiresSec, updateReg: true, variables }));
    }
    for (const b of outcome.removed) {
      this.counters.unregistered++;
      this.#forgetConnection(b);
      this.#log.info({ user: b.user, domain: b.domain, contact: b.contactUri, source }, 'unregistered');
      this.#publish(SOFIA_UNREGISTER, () => unregisterEventHeaders(b, ctx));
    }
  }

  /** Answer a REGISTER that did not authenticate: 401 (challenge, stale) or 403. */
  #refuse(d: Exclude<AuthDecision, { kind: 'ok' }>, tx: ServerTransaction): void {
    if (d.kind === 'challenge' || d.kind === 'stale') {
      this.counters.challenged++;
      tx.reply(d.status, { headers: d.headerValues.map((v) => [d.headerName, v] as [string, string]) });
      tx.forget(); // a challenge is cheap to give again: hold no state for it
      return;
    }
    this.counters.forbidden++;
    // The same 403 for an unknown user, a wrong password and a banned address (spec §2.3).
    tx.reply(403);
    if (d.kind === 'forbidden' && d.ban) this.#publish(AUTH_BAN, () => authBanEventHeaders(d.ban!, this.profileName));
  }

  #authEvents(d: AuthDecision, info: RegisterRequestInfo): void {
    const bus = this.#o.bus;
    if (!bus?.hasSubscribers) return;
    if (d.kind === 'challenge' || d.kind === 'stale') bus.publish('CUSTOM', preRegisterEventHeaders(info), { subclass: SOFIA_PRE_REGISTER, origin: EVENT_ORIGIN });
    const result = authResultOf(d);
    if (result !== undefined) {
      const username = d.kind === 'ok' || d.kind === 'forbidden' ? d.username : info.toUser;
      const realm = d.kind === 'ok' || d.kind === 'forbidden' ? d.realm : info.toHost;
      bus.publish('CUSTOM', registerAttemptEventHeaders(info, { username, realm, result }), { subclass: SOFIA_REGISTER_ATTEMPT, origin: EVENT_ORIGIN });
    }
    if (d.kind === 'forbidden') {
      bus.publish(
        'CUSTOM',
        registerFailureEventHeaders({ ...info, registrationType: 'REGISTER' }),
        { subclass: SOFIA_REGISTER_FAILURE, origin: EVENT_ORIGIN },
      );
    }
  }

  // ---- reaching a binding -------------------------------------------------------------------

  #reach(b: StoredBinding): ReachableContact | undefined {
    const found = (hop: Hop | undefined, route: string[] = []) => (hop ? { requestUri: b.contactUri, hop, route, binding: b } : undefined);
    if (b.path && b.path.length > 0) return found(this.#o.stack.hopForUri(b.path[0]!), [...b.path]);
    const r = reachAddress(b);
    if (r.transport !== 'udp' && r.transport !== 'tcp') return undefined;
    if (r.transport === 'tcp' && r.connectionId !== undefined) {
      const live = this.#liveConnection(r.connectionId);
      if (live !== undefined) return found({ protocol: 'tcp', address: r.host, port: r.port, connectionId: live });
      // The connection is gone. Behind NAT nothing else reaches the phone; otherwise open a new
      // connection to its Contact, where RFC 3261 §18 says a UA listens.
      if (b.natted) return undefined;
      const uri = splitSipUri(b.contactUri);
      return uri ? found(literalHop('tcp', uri.host, uri.port ?? 5060)) : undefined;
    }
    return found(literalHop(r.transport, r.host, r.port));
  }

  /** The stack's id of a stored connection id, when it is this process's and still open. */
  #liveConnection(stored: string): string | undefined {
    const slash = stored.indexOf('/');
    if (slash < 0 || stored.slice(0, slash) !== PROCESS_TOKEN) return undefined;
    const id = stored.slice(slash + 1);
    return this.#o.stack.hasConnection(id) ? id : undefined;
  }

  #indexConnection(b: Binding & { key: string }): void {
    if (b.connectionId === undefined || this.#byConnection.size >= MAX_CONNECTION_INDEX) return;
    let set = this.#byConnection.get(b.connectionId);
    if (!set) this.#byConnection.set(b.connectionId, (set = new Set()));
    set.add(`${b.aor}\n${b.key}`);
  }

  #forgetConnection(b: Binding & { key: string }): void {
    if (b.connectionId === undefined) return;
    const set = this.#byConnection.get(b.connectionId);
    set?.delete(`${b.aor}\n${b.key}`);
    if (set?.size === 0) this.#byConnection.delete(b.connectionId);
  }

  /**
   * A TCP connection closed. Its bindings from behind NAT cannot be reached any more and are
   * dropped (sofia::expire); the others stay, and a request to them opens a new connection to
   * their Contact. A phone that reconnects and registers again replaces either.
   */
  #connectionClosed(id: string): void {
    const stored = `${PROCESS_TOKEN}/${id}`;
    const set = this.#byConnection.get(stored);
    if (!set) return;
    this.#byConnection.delete(stored);
    for (const entry of set) {
      const nl = entry.indexOf('\n');
      const aor = entry.slice(0, nl);
      const key = entry.slice(nl + 1);
      void (async () => {
        const current = (await this.#o.store.lookup(aor)).find((b) => b.key === key);
        if (!current || current.connectionId !== stored) return;
        if (current.natted) await this.#dropUnreachable(current, 'TCP connection closed');
        else this.#log.info({ user: current.user, contact: current.contactUri }, 'TCP connection of a registration closed; later requests open a new one');
      })().catch((err) => this.#log.error({ err }, 'handling a closed connection failed'));
    }
  }

  async #dropUnreachable(b: StoredBinding, why: string): Promise<void> {
    if (!this.settings.unregisterOnOptionsFail && why !== 'TCP connection closed') {
      await this.#o.store.setPingStatus(b.aor, b.key, 'Unreachable', b.pingFailures);
      return;
    }
    // Atomically, and only if no REGISTER refreshed the binding meanwhile.
    const removed = await this.#o.store.update(b.aor, (current) => {
      const now = current.find((c) => c.key === b.key);
      if (!now || now.registeredAt > b.registeredAt || now.connectionId !== b.connectionId) return { result: undefined, upsert: [], removeKeys: [] };
      return { result: now, upsert: [], removeKeys: [b.key] };
    });
    if (!removed) return;
    this.#forgetConnection(removed);
    this.counters.expired++;
    this.#log.info({ user: removed.user, domain: removed.domain, contact: removed.contactUri, source: sourceText(removed), why }, 'registration dropped: phone unreachable');
    this.#publish(SOFIA_EXPIRE, () => expireEventHeaders(removed, this.profileName));
  }

  // ---- helpers ------------------------------------------------------------------------------

  #publish(subclass: string, headers: () => EventHeaders): void {
    const bus = this.#o.bus;
    if (!bus?.hasSubscribers) return;
    bus.publish('CUSTOM', headers(), { subclass, origin: EVENT_ORIGIN });
  }

  #nowSec(): number {
    return Math.floor(this.#now() / 1000);
  }

  /** The domain bindings live under (force-register-db-domain, else the one given). */
  #dbDomain(domain: string): string {
    return this.settings.forceRegisterDbDomain ?? domain;
  }

  /** The directory domain users are looked up in (force-register-domain, else the realm). */
  #lookupDomain(realm: string): string {
    return this.settings.forceRegisterDomain ?? realm;
  }

  /** The challenge realm (spec §2.3: auto_to = To host, auto_from = From host, else literal). */
  #realm(toHost: string, fromHost: string): string {
    const r = this.settings.challengeRealm;
    if (r.toLowerCase() === 'auto_to') return toHost;
    if (r.toLowerCase() === 'auto_from') return fromHost;
    return r;
  }

  #authUser(username: string, realm: string): DirectoryUser | undefined {
    const u = this.#findUser(username, this.#lookupDomain(realm));
    this.#lastUser = u;
    if (!u) return undefined;
    // A user barred from registering looks exactly like an unknown one.
    if (parseBool(u.params.get('sip-forbid-register') ?? 'false') === true) return undefined;
    return {
      password: u.params.get('password'),
      a1Hash: u.params.get('a1-hash'),
      hasParams: u.params.size > 0,
      allowEmptyPassword: parseBool(u.params.get('allow-empty-password') ?? 'true') !== false,
    };
  }

  /**
   * directory.findUser, remembered per directory: a Directory never changes (reloadxml builds a
   * new one), and merging a user's params and variables on every REGISTER is wasted work.
   */
  #findUser(id: string, domain: string): MergedUser | undefined {
    const dir = this.#o.directory();
    let cache = this.#userCache.get(dir);
    if (!cache) this.#userCache.set(dir, (cache = new Map()));
    const key = `${id.toLowerCase()}@${domain.toLowerCase()}`;
    if (cache.has(key)) return cache.get(key);
    const u = dir.findUser(id, domain);
    // Usernames come from requests: bound the cache (unknown ones are cached as misses too).
    if (cache.size >= USER_CACHE_MAX) cache.clear();
    cache.set(key, u);
    return u;
  }

  #aclResult(name: string, ip: string): AclResult {
    const r = this.#o.acl?.()?.check(name, ip);
    return { matched: r?.allowed ?? false, user: r?.user };
  }

  #aclMatcher(name: string): AddressMatcher {
    return {
      contains: (address: string) => {
        const acl = this.#o.acl?.();
        if (!acl) return false;
        // A reload brings a new evaluator, and with it an empty cache.
        let cache = this.#aclCache.get(acl);
        if (!cache) this.#aclCache.set(acl, (cache = new Map()));
        const key = `${name}\n${address}`;
        let hit = cache.get(key);
        if (hit === undefined) {
          hit = acl.check(name, bareHost(address)).allowed;
          if (cache.size >= ACL_CACHE_MAX) cache.clear();
          cache.set(key, hit);
        }
        return hit;
      },
    };
  }
}
