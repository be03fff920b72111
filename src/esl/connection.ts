// One inbound event socket connection: auth, then commands in order (spec §7.2, §7.3), events
// and log lines pushed as they happen. Inbound mode only: the connection never controls a
// channel, so `linger`, `divert_events`, `getvar`, `resume` and `connect` answer as FreeSWITCH
// answers them on an inbound socket.
//
// Memory stays bounded: the frame parser caps each packet, at most maxQueuedPackets commands
// wait (the socket is paused beyond that), background jobs per connection are capped, and a
// subscriber whose unsent output passes maxPendingWriteBytes is dropped.

import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:net';
import type { EventBus, EventHeaders, Logger, LogTap, LogTapSubscription, SwitchEvent } from '../common/index.js';
import { fsLogLevelName, parseFsLogLevel, type FsLogLevel } from '../common/index.js';
import type { ApiContext, ApiRegistry } from '../api/index.js';
import { DEFAULT_MAX_BODY_BYTES, EslFrameParser, frameHeader, type EslFrame } from './frame-parser.js';
import { EslFramingError } from './errors.js';
import { EventSubscription } from './event-subscription.js';
import { eventPacketCached } from './event-serializer.js';
import { canonicalEventName } from './event-names.js';
import type { AuthThrottle } from './auth-throttle.js';
import {
  apiResponsePacket,
  authRequestPacket,
  commandReplyPacket,
  DISCONNECT_GOODBYE,
  disconnectNoticePacket,
  logDataPacket,
} from './packets.js';

/** Bodies allowed before `auth`: nobody needs a big body to authenticate. */
const PRE_AUTH_MAX_BODY_BYTES = 64 * 1024;
const MAX_QUEUED_PACKETS = 256;
const RESUME_BELOW_PACKETS = 32;
const MAX_BACKGROUND_JOBS = 256;
const CLOSE_GRACE_MS = 2000;

export interface EslConnectionConfig {
  password: string;
  authTimeoutMs: number;
  bus: EventBus;
  api: ApiRegistry;
  logTap: LogTap | undefined;
  logger: Logger;
  throttle: AuthThrottle;
  maxPendingWriteBytes: number;
  channelExists?: (uuid: string) => boolean | Promise<boolean>;
  sendMsg?: (uuid: string, headers: EventHeaders, body: string | undefined) => boolean | Promise<boolean>;
}

type QueueItem = EslFrame | { error: string };

/** FreeSWITCH's switch_true(): yes/true/on/enabled/active/allow or a non-zero number. */
function isTrue(value: string | undefined): boolean {
  if (value === undefined) return false;
  const v = value.trim().toLowerCase();
  if (['yes', 'true', 'on', 'enabled', 'active', 'allow', 't', 'y'].includes(v)) return true;
  const n = Number(v);
  return v !== '' && Number.isFinite(n) && n !== 0;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

export class EslConnection {
  readonly id: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly #socket: Socket;
  readonly #cfg: EslConnectionConfig;
  readonly #log: Logger;
  readonly #parser = new EslFrameParser({ commandLine: true, maxBodyBytes: PRE_AUTH_MAX_BODY_BYTES });
  readonly #sub = new EventSubscription();
  readonly #onClosed: (conn: EslConnection) => void;
  #queue: QueueItem[] = [];
  #draining = false;
  #paused = false;
  #authed = false;
  #closing = false;
  #closed = false;
  #authTimer: NodeJS.Timeout | undefined;
  #graceTimer: NodeJS.Timeout | undefined;
  #busUnsubscribe: (() => void) | undefined;
  #logSub: LogTapSubscription | undefined;
  #backgroundJobs = 0;
  #corked = false;
  #closedWaiters: Array<() => void> = [];

  constructor(id: number, socket: Socket, cfg: EslConnectionConfig, onClosed: (conn: EslConnection) => void) {
    this.id = id;
    this.#socket = socket;
    this.#cfg = cfg;
    this.remoteAddress = socket.remoteAddress ?? '';
    this.remotePort = socket.remotePort ?? 0;
    this.#log = cfg.logger.child({ conn: id, peer: `${this.remoteAddress}:${this.remotePort}` });
    this.#onClosed = onClosed;
  }

  get authenticated(): boolean {
    return this.#authed;
  }

  get closed(): boolean {
    return this.#closed;
  }

  start(): void {
    const s = this.#socket;
    s.setNoDelay(true);
    s.on('data', (chunk: Buffer) => this.#onData(chunk));
    s.on('error', (err) => {
      this.#log.debug({ err: err.message }, 'socket error');
      this.#destroy();
    });
    s.on('close', () => this.#cleanup());
    this.#write(authRequestPacket());
    this.#authTimer = setTimeout(() => {
      if (this.#authed || this.#closing) return;
      this.#log.info('no auth in time, closing');
      this.closeWithNotice(DISCONNECT_GOODBYE);
    }, this.#cfg.authTimeoutMs);
    this.#authTimer.unref();
  }

  /** Send a disconnect notice, stop everything, end the socket (destroyed after a grace period). */
  closeWithNotice(message: string): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#unsubscribeAll();
    this.#write(disconnectNoticePacket(message));
    this.#socket.end();
    this.#graceTimer = setTimeout(() => this.#destroy(), CLOSE_GRACE_MS);
    this.#graceTimer.unref();
  }

  /** Resolves once the socket has closed. */
  whenClosed(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#closedWaiters.push(resolve));
  }

  destroy(): void {
    this.#destroy();
  }

  #destroy(): void {
    this.#closing = true;
    this.#unsubscribeAll();
    this.#socket.destroy();
  }

  #cleanup(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing = true;
    clearTimeout(this.#authTimer);
    clearTimeout(this.#graceTimer);
    this.#unsubscribeAll();
    this.#queue = [];
    this.#log.debug('connection closed');
    this.#onClosed(this);
    for (const w of this.#closedWaiters.splice(0)) w();
  }

  #unsubscribeAll(): void {
    this.#busUnsubscribe?.();
    this.#busUnsubscribe = undefined;
    this.#logSub?.unsubscribe();
    this.#logSub = undefined;
  }

  // --- input --------------------------------------------------------------------------------

  #onData(chunk: Buffer): void {
    if (this.#closing) return;
    try {
      this.#parser.push(chunk, (frame) => this.#queue.push(frame));
    } catch (err) {
      const message = err instanceof EslFramingError ? err.message : 'bad packet';
      this.#queue.push({ error: message });
      this.#socket.pause();
      this.#paused = true;
    }
    if (!this.#paused && this.#queue.length >= MAX_QUEUED_PACKETS) {
      this.#socket.pause();
      this.#paused = true;
    }
    if (!this.#draining) void this.#drain();
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      while (this.#queue.length > 0 && !this.#closing) {
        const item = this.#queue.shift() as QueueItem;
        if ('error' in item) {
          this.#log.warn({ reason: item.error }, 'framing error, closing');
          this.#reply(`-ERR ${item.error}`);
          this.closeWithNotice(DISCONNECT_GOODBYE);
          break;
        }
        try {
          await this.#handle(item);
        } catch (err) {
          this.#log.error({ err }, 'command failed');
          this.#reply(`-ERR ${err instanceof Error ? err.message : String(err)}`);
        }
        if (this.#paused && this.#queue.length < RESUME_BELOW_PACKETS && !this.#closing) {
          this.#paused = false;
          this.#socket.resume();
        }
      }
    } finally {
      this.#draining = false;
    }
  }

  // --- output -------------------------------------------------------------------------------

  #write(data: string): void {
    const s = this.#socket;
    if (this.#closed || s.destroyed || !s.writable) return;
    // Coalesce everything written in one tick (an event burst, a reply and its events) into
    // one writev instead of a syscall per packet.
    if (!this.#corked) {
      this.#corked = true;
      s.cork();
      process.nextTick(() => {
        this.#corked = false;
        s.uncork();
      });
    }
    s.write(data);
    if (s.writableLength > this.#cfg.maxPendingWriteBytes) {
      this.#log.warn({ pendingBytes: s.writableLength }, 'client does not read its events, dropping it');
      this.#destroy();
    }
  }

  #reply(text: string, extra?: EventHeaders): void {
    this.#write(commandReplyPacket(text, extra));
  }

  // --- commands -----------------------------------------------------------------------------

  async #handle(frame: EslFrame): Promise<void> {
    const line = frame.command;
    const sp = line.indexOf(' ');
    const word = (sp < 0 ? line : line.slice(0, sp)).toLowerCase();
    const rest = sp < 0 ? '' : line.slice(sp + 1);

    if (word === 'exit' || word === '...') {
      this.#reply('+OK bye');
      this.closeWithNotice(DISCONNECT_GOODBYE);
      return;
    }
    if (!this.#authed) {
      if (word === 'auth' && sp >= 0) await this.#auth(rest);
      else if (word === 'userauth') await this.#authFailed();
      else this.#reply('-ERR command not found');
      return;
    }
    switch (word) {
      case 'api':
        return this.#api(rest, frame);
      case 'bgapi':
        return this.#bgapi(rest, frame);
      case 'event':
        this.#reply(this.#sub.enable(rest));
        return this.#syncBus();
      case 'nixevent':
        this.#reply(this.#sub.nix(rest));
        return this.#syncBus();
      case 'noevents':
        this.#reply(this.#sub.disable());
        return this.#syncBus();
      case 'filter':
        return this.#reply(this.#sub.filter(rest));
      case 'myevents':
        return this.#myevents(rest);
      case 'log':
        return this.#logCommand(rest);
      case 'nolog':
        if (this.#logSub) {
          this.#logSub.unsubscribe();
          this.#logSub = undefined;
          return this.#reply('+OK no longer logging');
        }
        return this.#reply('-ERR not loging');
      case 'linger':
      case 'nolinger':
        return this.#reply('-ERR not controlling a session');
      case 'divert_events':
        return this.#reply('-ERR not controlling a session.');
      case 'sendevent':
        return this.#sendevent(rest, frame);
      case 'sendmsg':
        return this.#sendmsg(rest, frame);
      default:
        return this.#reply('-ERR command not found');
    }
  }

  async #auth(password: string): Promise<void> {
    // Compare digests: equal length, constant time, whatever the lengths of the inputs.
    if (timingSafeEqual(digest(password), digest(this.#cfg.password))) {
      this.#authed = true;
      clearTimeout(this.#authTimer);
      this.#cfg.throttle.recordSuccess(this.remoteAddress);
      this.#parser.setMaxBodyBytes(DEFAULT_MAX_BODY_BYTES);
      this.#reply('+OK accepted');
      this.#log.debug('authenticated');
      return;
    }
    await this.#authFailed();
  }

  async #authFailed(): Promise<void> {
    const delayMs = this.#cfg.throttle.recordFailure(this.remoteAddress);
    this.#log.warn({ delayMs }, 'event socket authentication failed');
    if (delayMs > 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, delayMs);
        t.unref();
        this.#socket.once('close', () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    this.#reply('-ERR invalid');
    this.closeWithNotice(DISCONNECT_GOODBYE);
  }

  #ctx(): ApiContext {
    return { source: 'esl', remoteAddress: this.remoteAddress };
  }

  async #api(rest: string, frame: EslFrame): Promise<void> {
    if (rest.trim() === '') return this.#reply('-ERR command not found');
    const consoleExecute = isTrue(frameHeader(frame, 'console_execute'));
    const out = consoleExecute
      ? await this.#cfg.api.executeConsole(rest, this.#ctx())
      : await this.#cfg.api.execute(rest, this.#ctx());
    this.#write(apiResponsePacket(out === '' ? '-ERR no reply\n' : out));
  }

  #bgapi(rest: string, frame: EslFrame): void {
    const line = rest.trim();
    if (line === '') return this.#reply('-ERR command not found');
    if (this.#backgroundJobs >= MAX_BACKGROUND_JOBS) return this.#reply('-ERR too many background jobs');
    const given = frameHeader(frame, 'Job-UUID')?.trim();
    const jobUuid = given ? given : randomUUID();
    this.#reply(`+OK Job-UUID: ${jobUuid}`, [['Job-UUID', jobUuid]]);
    const sp = line.search(/\s/);
    const command = sp < 0 ? line : line.slice(0, sp);
    const arg = sp < 0 ? '' : line.slice(sp + 1).trim();
    const owner = this.#sub.myUuid;
    const { api, bus } = this.#cfg;
    this.#backgroundJobs++;
    void api
      .execute(line, this.#ctx())
      .then((out) => {
        const headers: EventHeaders = [['Job-UUID', jobUuid]];
        if (owner !== undefined) headers.push(['Job-Owner-UUID', owner]);
        headers.push(['Job-Command', command]);
        if (arg !== '') headers.push(['Job-Command-Arg', arg]);
        bus.publish('BACKGROUND_JOB', headers, { body: out, origin: { file: 'esl/connection.ts', func: 'bgapi' } });
      })
      .catch((err: unknown) => this.#log.error({ err }, 'background job failed'))
      .finally(() => {
        this.#backgroundJobs--;
      });
  }

  #syncBus(): void {
    if (this.#closing) return;
    if (this.#sub.enabled && !this.#busUnsubscribe) {
      this.#busUnsubscribe = this.#cfg.bus.subscribe((event) => this.#onEvent(event));
    } else if (!this.#sub.enabled && this.#busUnsubscribe) {
      this.#busUnsubscribe();
      this.#busUnsubscribe = undefined;
    }
  }

  #onEvent(event: SwitchEvent): void {
    if (this.#closing || !this.#sub.matches(event)) return;
    this.#write(eventPacketCached(event, this.#sub.format));
  }

  async #myevents(rest: string): Promise<void> {
    const [uuid, format] = rest.split(/\s+/).filter((w) => w !== '');
    // Inbound sockets must name the channel (FS matches `myevents ` with the space).
    if (uuid === undefined) return this.#reply('-ERR command not found');
    if (this.#sub.myUuid !== undefined) return this.#reply('-ERR aready enabled.');
    const exists = this.#cfg.channelExists;
    if (exists && format !== undefined) {
      let known = false;
      try {
        known = await exists(uuid);
      } catch {
        known = false;
      }
      if (!known) return this.#reply('-ERR invalid uuid');
    }
    this.#reply(this.#sub.enableMyEvents(uuid, format));
    this.#syncBus();
  }

  #logCommand(rest: string): void {
    const arg = rest.trim();
    let level: FsLogLevel | undefined = 7;
    if (arg !== '') level = parseFsLogLevel(arg);
    if (level === undefined) return this.#reply('-ERR invalid log level');
    if (this.#logSub) this.#logSub.setLevel(level);
    else if (this.#cfg.logTap) this.#logSub = this.#cfg.logTap.subscribe(level, (entry) => this.#write(logDataPacket(entry)));
    this.#reply(`+OK log level ${arg} [${level}]`);
    this.#log.debug({ level: fsLogLevelName(level) }, 'log stream on');
  }

  #sendevent(rest: string, frame: EslFrame): void {
    const given = rest.trim();
    const name = canonicalEventName(given) ?? 'CLONE';
    const eventUuid = randomUUID();
    const stamped = new Set([
      'event-name', 'event-subclass', 'core-uuid', 'freeswitch-hostname', 'freeswitch-switchname',
      'freeswitch-ipv4', 'freeswitch-ipv6', 'event-date-local', 'event-date-gmt', 'event-date-timestamp',
      'event-calling-file', 'event-calling-function', 'event-calling-line-number', 'event-sequence',
      'content-length',
    ]);
    const headers: EventHeaders = [];
    for (const [k, v] of frame.headers) if (!stamped.has(k.toLowerCase())) headers.push([k, v]);
    headers.push(['Event-UUID', eventUuid]);
    const subclass = name === 'CUSTOM' ? frameHeader(frame, 'Event-Subclass') : undefined;
    this.#cfg.bus.publish(name, headers, {
      subclass,
      body: frame.body?.toString('utf8'),
      origin: { file: 'esl/connection.ts', func: 'sendevent' },
    });
    this.#reply(`+OK ${eventUuid}`);
  }

  async #sendmsg(rest: string, frame: EslFrame): Promise<void> {
    let uuid = rest.trim();
    if (uuid === '') uuid = frameHeader(frame, 'session-id')?.trim() ?? '';
    const hook = this.#cfg.sendMsg;
    if (uuid === '' || !hook) return this.#reply(`-ERR invalid session id [${uuid}]`);
    let delivered = false;
    try {
      delivered = await hook(uuid, frame.headers.slice(), frame.body?.toString('utf8'));
    } catch (err) {
      return this.#reply(`-ERR ${err instanceof Error ? err.message : String(err)}`);
    }
    this.#reply(delivered ? '+OK' : `-ERR invalid session id [${uuid}]`);
  }
}
