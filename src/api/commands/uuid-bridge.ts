// `uuid_bridge <uuid> <other_uuid> [<fallback_uuid>]` (spec §6.9): bridge two existing
// channels. Each is first taken off whatever it runs: the core has no "take over" call, so
// the channel is transferred into an internal dialplan (`uuid_bridge`) that parks it and puts
// its caller profile back as it was (FS records the move as a `uuid_br` transfer_source and
// transfer_history entry, not as a new destination). Once both are parked they are bridged;
// when one hangs up the other is hung up too, unless park_after_bridge keeps it parked or
// transfer_after_bridge sends it on. Replies `+OK <uuid bridged to>` or `-ERR Invalid uuid`.
// A channel in another bridge leaves it (the transfer ends that bridge; its old partner is
// handled by whoever bridged it, e.g. hung up by the bridge app).

import type { CallCore, Channel, Dialplan, DialplanAction } from '../../b2bua/index.js';
import { splitArgs } from '../../dialplan/index.js';
import type { ApiCommand } from '../registry.js';

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

/** The internal dialplan that parks channels uuid_bridge took over. */
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
 * What the survivor of a uuid_bridge does when the other side leaves: nothing when it is gone
 * or was itself transferred meanwhile (`uuid_transfer -both`), else as after any bridge.
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

/** Bridge two channels; false when they cannot be bridged. */
export async function uuidBridge(core: CallCore, hold: UuidBridgeHold, a: Channel | undefined, b: Channel | undefined, timeoutMs: number): Promise<boolean> {
  if (!a || !b || a === b || a.hungUp || b.hungUp) return false;
  if (!a.answered && !b.answered) return false;
  // An unanswered leg is answered here, which only an inbound leg can be.
  for (const ch of [a, b]) if (!ch.answered && ch.direction !== 'inbound') return false;
  if (a.partner === b) return true;
  const [heldA, heldB] = await Promise.all([hold.hold(core, a, b, timeoutMs), hold.hold(core, b, a, timeoutMs)]);
  if (!heldA || !heldB || a.hungUp || b.hungUp) return false;
  if (!a.answered) a.answer(b.remoteSdp);
  if (!b.answered) b.answer(a.remoteSdp);
  const transferred = new Map([[a, a.times.transfer], [b, b.times.transfer]]);
  void core.bridge(a, b).then(({ endedBy }) => {
    const survivor = endedBy === a ? b : a;
    afterBridge(core, survivor, transferred.get(survivor)!);
  });
  return true;
}

export function uuidBridgeCommand(core: CallCore, hold: UuidBridgeHold, opts: { timeoutMs?: number } = {}): ApiCommand {
  const usage = '<uuid> <other_uuid>';
  const timeoutMs = opts.timeoutMs ?? 2000;
  return {
    description: 'Bridge call legs',
    usage,
    async handler(args) {
      const argv = splitArgs(args, 4);
      if (argv.length < 2) return `-USAGE: ${usage}\n`;
      const a = core.channel(argv[0]!);
      for (const other of argv.slice(1, 3)) {
        if (await uuidBridge(core, hold, a, core.channel(other), timeoutMs)) return `+OK ${other}\n`;
      }
      return '-ERR Invalid uuid\n';
    },
  };
}
