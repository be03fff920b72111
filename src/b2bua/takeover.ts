// Bridging two channels that are already up, each taken off whatever it runs: uuid_bridge
// (spec §6.9), attended transfer (REFER with Replaces), call pickup (intercept). The core has
// no "take over" call, so a channel is transferred into an internal dialplan (`uuid_bridge`)
// that parks it and puts its caller profile back as it was (FS records the move as a `uuid_br`
// transfer_source and transfer_history entry, not as a new destination). Once both are parked
// they are bridged, media included (joined through the media layer, or the two phones pointed
// at each other with re-INVITEs in bypass mode). When one hangs up the other is hung up too,
// unless park_after_bridge keeps it parked or transfer_after_bridge sends it on.

import type { Channel } from './channel.js';
import type { CallCore } from './core.js';
import type { Dialplan, DialplanAction } from './interfaces.js';

export const UUID_BRIDGE_DIALPLAN = 'uuid_bridge';

interface Held {
  other: string;
  dialplan: string;
  rdnis: string;
  profileIndex: number;
  history: string | undefined;
  transfers: string | undefined;
  routed: () => void;
}

/** The internal dialplan that parks channels a takeover took. */
export class UuidBridgeHold implements Dialplan {
  readonly name = UUID_BRIDGE_DIALPLAN;
  readonly #held = new WeakMap<Channel, Held>();

  route(ch: Channel): DialplanAction[] {
    const held = this.#held.get(ch);
    if (!held) return [];
    this.#held.delete(ch);
    const p = ch.profile;
    p.dialplan = held.dialplan;
    p.rdnis = held.rdnis;
    p.profileIndex = held.profileIndex;
    ch.setVariable('session_transfers', held.transfers);
    const entry = `${Math.floor(Date.now() / 1000)}:${ch.uuid}:uuid_br:${held.other}`;
    p.transferSource = entry;
    ch.setVariable('transfer_history', held.history ? `${held.history}|${entry}` : entry);
    held.routed();
    return [{ app: 'park', data: '' }];
  }

  /**
   * Take `ch` off what it runs and park it. Resolves true once it is parked, false when it
   * hung up or did not get there within `timeoutMs` (it is then parked when it gets free).
   */
  hold(core: CallCore, ch: Channel, other: Channel, timeoutMs: number): Promise<boolean> {
    const p = ch.profile;
    return new Promise((resolve) => {
      let settled = false;
      const finish = (ok: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        ch.off('hangup', onHangup);
        resolve(ok);
      };
      const onHangup = () => finish(false);
      const timer = setTimeout(() => finish(false), timeoutMs);
      ch.once('hangup', onHangup);
      this.#held.set(ch, {
        other: other.uuid,
        dialplan: p.dialplan,
        rdnis: p.rdnis,
        profileIndex: p.profileIndex,
        history: ch.getVariable('transfer_history'),
        transfers: ch.getVariable('session_transfers'),
        routed: () => finish(true),
      });
      if (!core.transfer(ch, p.destinationNumber, UUID_BRIDGE_DIALPLAN, p.context)) finish(false);
    });
  }
}

/**
 * What the survivor of a takeover bridge does when the other side leaves: nothing when it is
 * gone or was itself transferred meanwhile (`uuid_transfer -both`), else as after any bridge.
 */
function afterBridge(core: CallCore, survivor: Channel, transferredAt: number): void {
  if (survivor.hungUp || survivor.times.transfer !== transferredAt || survivor.isTrue('park_after_bridge')) return;
  const next = survivor.getVariable('transfer_after_bridge');
  if (next) {
    const [dest, dialplan, context] = next.split(/[ :]/);
    core.transfer(survivor, dest ?? '', dialplan, context);
    return;
  }
  survivor.hangup('NORMAL_CLEARING');
}

/**
 * Join the media of two channels that were not bridged to each other: through the media layer
 * when either has media of ours, else (bypass) by offering each phone the other's SDP.
 */
export async function joinMedia(core: CallCore, a: Channel, b: Channel): Promise<void> {
  const media = core.media;
  if (!media) return;
  if (media.endpoint(a) || media.endpoint(b)) {
    media.join(a, b);
    return;
  }
  const offerToA = b.remoteSdp;
  if (!offerToA || !a.answered || !b.answered) return;
  const answerOfA = await a.driver.renegotiate?.(a, offerToA);
  if (answerOfA && !b.hungUp) await b.driver.renegotiate?.(b, answerOfA);
}

/**
 * Answer whichever of two channels about to be bridged is not answered yet, each with media
 * that reaches the other (the media layer's answer, else the other's SDP as is).
 * 'no-media': no media could be set up; 'gone': one of them hung up meanwhile.
 */
export async function answerEachOther(core: CallCore, a: Channel, b: Channel): Promise<'answered' | 'no-media' | 'gone'> {
  for (const [x, y] of [[a, b], [b, a]] as const) {
    if (x.answered) continue;
    let sdp: Buffer | undefined = y.remoteSdp;
    if (core.media) {
      try {
        sdp = await core.media.answerFor(x, y);
      } catch (err) {
        x.log.warn({ err }, 'no media to answer with');
        return 'no-media';
      }
    }
    if (x.hungUp || y.hungUp) return 'gone';
    x.answer(sdp);
  }
  return a.hungUp || b.hungUp ? 'gone' : 'answered';
}

/** Bridge two existing channels; false when they cannot be bridged. */
export async function uuidBridge(core: CallCore, hold: UuidBridgeHold, a: Channel | undefined, b: Channel | undefined, timeoutMs: number): Promise<boolean> {
  if (!a || !b || a === b || a.hungUp || b.hungUp) return false;
  if (!a.answered && !b.answered) return false;
  // An unanswered leg is answered here, which only an inbound leg can be.
  for (const ch of [a, b]) if (!ch.answered && ch.direction !== 'inbound') return false;
  if (a.partner === b) return true;
  const [heldA, heldB] = await Promise.all([hold.hold(core, a, b, timeoutMs), hold.hold(core, b, a, timeoutMs)]);
  if (!heldA || !heldB || a.hungUp || b.hungUp) return false;
  const media = core.media;
  media?.unjoin(a);
  media?.unjoin(b);
  if ((await answerEachOther(core, a, b)) !== 'answered') return false;
  await joinMedia(core, a, b);
  const transferred = new Map([[a, a.times.transfer], [b, b.times.transfer]]);
  void core.bridge(a, b).then(({ endedBy }) => {
    media?.unjoin(a);
    const survivor = endedBy === a ? b : a;
    afterBridge(core, survivor, transferred.get(survivor)!);
  });
  return true;
}
