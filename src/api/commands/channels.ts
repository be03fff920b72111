// `show channels` and `show calls` (spec §6.3): FreeSWITCH's `channels` table (38 columns) and
// its `basic_calls` view (41 columns: the A-leg, then its bridged B-leg as b_*, then
// call_created_epoch), computed from the core's live channels instead of a SQL table. A
// bridged B-leg is not a row of its own in `show calls`; a leg that is not bridged (ringing,
// parked, in an IVR) is, with empty b_* columns. Rows come in creation order.

import type { CallCore, Channel } from '../../b2bua/index.js';
import { formatLocalStamp } from '../../common/index.js';
import type { ShowSource } from './show.js';

export const CHANNEL_COLUMNS = [
  'uuid', 'direction', 'created', 'created_epoch', 'name', 'state', 'cid_name', 'cid_num', 'ip_addr', 'dest',
  'application', 'application_data', 'dialplan', 'context', 'read_codec', 'read_rate', 'read_bit_rate', 'write_codec',
  'write_rate', 'write_bit_rate', 'secure', 'hostname', 'presence_id', 'presence_data', 'accountcode', 'callstate',
  'callee_name', 'callee_num', 'callee_direction', 'call_uuid', 'sent_callee_name', 'sent_callee_num',
  'initial_cid_name', 'initial_cid_num', 'initial_ip_addr', 'initial_dest', 'initial_dialplan', 'initial_context',
] as const;

/** The per-leg columns of `show calls` (the A-leg's; the B-leg's are the same without hostname and call_uuid, prefixed b_). */
const CALL_LEG_COLUMNS = [
  'uuid', 'direction', 'created', 'created_epoch', 'name', 'state', 'cid_name', 'cid_num', 'ip_addr', 'dest',
  'presence_id', 'presence_data', 'accountcode', 'callstate', 'callee_name', 'callee_num', 'callee_direction',
] as const;

export const CALL_COLUMNS = [
  ...CALL_LEG_COLUMNS, 'call_uuid', 'hostname', 'sent_callee_name', 'sent_callee_num',
  ...CALL_LEG_COLUMNS.map((c) => `b_${c}`), 'b_sent_callee_name', 'b_sent_callee_num', 'call_created_epoch',
] as const;

/** Bits per second of the codecs whose rate is fixed (Channel-*-Codec-Bit-Rate). */
const BIT_RATES: Readonly<Record<string, number>> = {
  PCMU: 64000, PCMA: 64000, G722: 64000, G729: 8000, GSM: 13200, L16: 128000, ILBC: 13330,
};

function bitRate(codec: string | undefined, explicit: string | undefined): string {
  if (explicit) return explicit;
  if (!codec) return '';
  const n = BIT_RATES[codec.toUpperCase()];
  return n === undefined ? '' : String(n);
}

interface Initial {
  cidName: string;
  cidNum: string;
  ipAddr: string;
  dest: string;
  dialplan: string;
  context: string;
}

/**
 * Keeps what each channel looked like when it was created (the initial_* columns): the caller
 * profile changes on transfer, the initial values must not.
 */
export class ChannelTables {
  readonly #core: CallCore;
  readonly #initial = new WeakMap<Channel, Initial>();
  readonly #onCreated = (ch: Channel) => this.#initial.set(ch, snapshot(ch));

  constructor(core: CallCore) {
    this.#core = core;
    core.on('channelCreated', this.#onCreated);
  }

  /** Stop watching channel creation. */
  close(): void {
    this.#core.off('channelCreated', this.#onCreated);
  }

  #hostname(): string {
    return this.#core.bus.identity.switchname;
  }

  /** One `show channels` row. */
  channelRow(ch: Channel): string[] {
    const v = (n: string) => ch.getVariable(n) ?? '';
    const p = ch.profile;
    const init = this.#initial.get(ch) ?? snapshot(ch);
    const readCodec = ch.getVariable('read_codec');
    const writeCodec = ch.getVariable('write_codec');
    return [
      ch.uuid, ch.direction, created(ch), createdEpoch(ch), ch.name, ch.state, p.callerIdName, p.callerIdNumber, p.networkAddr,
      p.destinationNumber, ch.application, ch.applicationData, p.dialplan, p.context,
      readCodec ?? '', readCodec ? (ch.getVariable('read_rate') ?? '8000') : '', bitRate(readCodec, ch.getVariable('read_bit_rate')),
      writeCodec ?? '', writeCodec ? (ch.getVariable('write_rate') ?? '8000') : '', bitRate(writeCodec, ch.getVariable('write_bit_rate')),
      v('secure'), this.#hostname(), v('presence_id'), v('presence_data'), v('accountcode'), ch.callState,
      p.calleeIdName, p.calleeIdNumber, v('callee_direction'), v('call_uuid') || ch.uuid,
      v('sent_callee_name'), v('sent_callee_num'),
      init.cidName, init.cidNum, init.ipAddr, init.dest, init.dialplan, init.context,
    ];
  }

  #legColumns(ch: Channel | undefined): string[] {
    if (!ch) return CALL_LEG_COLUMNS.map(() => '');
    const v = (n: string) => ch.getVariable(n) ?? '';
    const p = ch.profile;
    return [
      ch.uuid, ch.direction, created(ch), createdEpoch(ch), ch.name, ch.state, p.callerIdName, p.callerIdNumber, p.networkAddr,
      p.destinationNumber, v('presence_id'), v('presence_data'), v('accountcode'), ch.callState, p.calleeIdName,
      p.calleeIdNumber, v('callee_direction'),
    ];
  }

  /** One `show calls` row: the A-leg joined with its bridged B-leg, when it has one. */
  callRow(a: Channel, b: Channel | undefined): string[] {
    const va = (n: string) => a.getVariable(n) ?? '';
    const vb = (n: string) => b?.getVariable(n) ?? '';
    const bridgedUs = b ? a.times.bridged || b.times.bridged : 0;
    return [
      ...this.#legColumns(a), va('call_uuid') || a.uuid, this.#hostname(), va('sent_callee_name'), va('sent_callee_num'),
      ...this.#legColumns(b), vb('sent_callee_name'), vb('sent_callee_num'),
      bridgedUs ? String(Math.floor(bridgedUs / 1_000_000)) : '',
    ];
  }

  channelRows(): string[][] {
    const rows: string[][] = [];
    for (const ch of this.#core.channels()) rows.push(this.channelRow(ch));
    return rows;
  }

  callRows(): string[][] {
    const rows: string[][] = [];
    for (const ch of this.#core.channels()) {
      const partner = ch.partner;
      if (partner && isBSide(ch, partner)) continue;
      rows.push(this.callRow(ch, partner));
    }
    return rows;
  }

  /** The `show channels` source. */
  channelsSource(): ShowSource {
    return { columns: CHANNEL_COLUMNS, rows: () => this.channelRows(), count: () => this.#core.channelCount };
  }

  /** The `show calls` source. */
  callsSource(): ShowSource {
    return {
      columns: CALL_COLUMNS,
      rows: () => this.callRows(),
      count: () => {
        let n = 0;
        for (const ch of this.#core.channels()) if (!(ch.partner && isBSide(ch, ch.partner))) n++;
        return n;
      },
    };
  }
}

function snapshot(ch: Channel): Initial {
  const p = ch.profile;
  return { cidName: p.callerIdName, cidNum: p.callerIdNumber, ipAddr: p.networkAddr, dest: p.destinationNumber, dialplan: p.dialplan, context: p.context };
}

function created(ch: Channel): string {
  return formatLocalStamp(ch.times.created / 1000);
}

function createdEpoch(ch: Channel): string {
  return String(Math.floor(ch.times.created / 1_000_000));
}

/**
 * Whether `ch` is the B side of its bridge with `partner`: the core marks the A side with
 * bleg_uuid = partner's uuid (FreeSWITCH's Bridge-A-Unique-ID). When both or neither say so
 * (re-bridged channels), the older channel is the A side.
 */
export function isBSide(ch: Channel, partner: Channel): boolean {
  const chIsA = ch.getVariable('bleg_uuid') === partner.uuid;
  const partnerIsA = partner.getVariable('bleg_uuid') === ch.uuid;
  if (chIsA !== partnerIsA) return partnerIsA;
  return ch.times.created > partner.times.created || (ch.times.created === partner.times.created && ch.uuid > partner.uuid);
}
