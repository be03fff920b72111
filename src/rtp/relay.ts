// Proxy media (`proxy_media=true`): two endpoints joined so that what A's phone sends goes to B's
// phone and back, RTP and RTCP, each datagram forwarded as the very Buffer that arrived: no
// parsing beyond the endpoint's validation and latching, no copy, no promise, no allocation in
// our code. Pause and resume per direction (hold, re-INVITE in progress), unbridge to let
// another relay or a bridge take the endpoints. Bypass media needs none of this. Not here:
// sequence/SSRC rewriting or transcoding (media-bridge.ts does that in default mode).

import { InvalidStateError } from '../common/index.js';
import type { MediaEndpoint } from './media-endpoint.js';
import type { RtpSink } from './media-types.js';

/** One direction of a relay: packets accepted on `from` leave through `to`. */
class RelayDirection implements RtpSink {
  paused = false;
  rtp = 0;
  rtcp = 0;
  constructor(readonly to: MediaEndpoint) {}

  onRtp(buf: Buffer): void {
    if (this.paused) {
      this.to.countDrop('paused');
      return;
    }
    this.rtp++;
    this.to.forwardRtp(buf);
  }

  onRtcp(buf: Buffer, len: number): void {
    if (this.paused) return;
    this.rtcp++;
    this.to.sendRtcp(buf, len);
  }
}

export interface ProxyRelayStats {
  active: boolean;
  aToB: { rtp: number; rtcp: number; paused: boolean };
  bToA: { rtp: number; rtcp: number; paused: boolean };
}

export class ProxyRelay {
  readonly a: MediaEndpoint;
  readonly b: MediaEndpoint;
  readonly #aToB: RelayDirection;
  readonly #bToA: RelayDirection;
  readonly #offClose: Array<() => void>;
  #active = true;

  /** Join `a` and `b` (MediaEngine.proxy). Either side closing ends the relay. */
  constructor(a: MediaEndpoint, b: MediaEndpoint) {
    if (a === b) throw new InvalidStateError('cannot relay an endpoint to itself');
    if (a.closed || b.closed) throw new InvalidStateError('cannot relay a closed media endpoint');
    this.a = a;
    this.b = b;
    this.#aToB = new RelayDirection(b);
    this.#bToA = new RelayDirection(a);
    a.setRelaySink(this.#aToB);
    b.setRelaySink(this.#bToA);
    this.#offClose = [a.onClose(() => this.unbridge()), b.onClose(() => this.unbridge())];
  }

  get active(): boolean {
    return this.#active;
  }

  /** Stop forwarding what `from`'s phone sends (both directions when omitted). Dropped packets are counted on the receiving endpoint as `paused`. */
  pause(from?: MediaEndpoint): void {
    this.#set(from, true);
  }

  resume(from?: MediaEndpoint): void {
    this.#set(from, false);
  }

  #set(from: MediaEndpoint | undefined, paused: boolean): void {
    if (from === undefined || from === this.a) this.#aToB.paused = paused;
    if (from === undefined || from === this.b) this.#bToA.paused = paused;
    if (from !== undefined && from !== this.a && from !== this.b) throw new InvalidStateError('endpoint is not part of this relay');
  }

  /** Separate the endpoints (each goes back to its own media, if any). Idempotent. */
  unbridge(): void {
    if (!this.#active) return;
    this.#active = false;
    for (const off of this.#offClose) off();
    this.a.clearRelaySink(this.#aToB);
    this.b.clearRelaySink(this.#bToA);
  }

  stats(): ProxyRelayStats {
    return {
      active: this.#active,
      aToB: { rtp: this.#aToB.rtp, rtcp: this.#aToB.rtcp, paused: this.#aToB.paused },
      bToA: { rtp: this.#bToA.rtp, rtcp: this.#bToA.rtcp, paused: this.#bToA.paused },
    };
  }
}
