// REFER (RFC 3515) and Replaces (RFC 3891) as the SIP endpoint needs them: reading a Refer-To
// (one, a SIP or SIPS URI, maybe carrying an escaped Replaces), reading a Replaces header,
// and the implicit subscription that reports the transfer's progress with NOTIFYs carrying
// message/sipfrag (RFC 4488: none when the REFER says `Refer-Sub: false`).

import { SipUri, parseNameAddr, unescapeUri, type ClientTransactionUser, type SipRequest } from '../../sip/index.js';
import type { SipLeg } from './sip-leg.js';

export interface ReplacesTarget {
  callId: string;
  toTag: string;
  fromTag: string;
  earlyOnly: boolean;
}

export type ReferTo =
  | { ok: true; uri: SipUri; raw: string; user: string; replaces: ReplacesTarget | undefined }
  | { ok: false; status: number; reason: string };

/** Validate the Refer-To of a REFER: exactly one, a SIP(S) URI; 400/403 otherwise. */
export function readReferTo(req: SipRequest): ReferTo {
  const values = req.getAll('refer-to');
  if (values.length === 0) return { ok: false, status: 400, reason: 'Missing Refer-To' };
  if (values.length > 1) return { ok: false, status: 400, reason: 'More Than One Refer-To' };
  const na = parseNameAddr(values[0]!);
  if (!na) return { ok: false, status: 400, reason: 'Malformed Refer-To' };
  const uri = na.parsedUri;
  if (!(uri instanceof SipUri)) return { ok: false, status: 403, reason: 'Refer-To Scheme Not Routed' };
  let replaces: ReplacesTarget | undefined;
  for (const [name, value] of uri.headers) {
    if (name.toLowerCase() !== 'replaces') continue;
    replaces = parseReplaces(unescapeUri(value));
    if (!replaces) return { ok: false, status: 400, reason: 'Malformed Replaces' };
  }
  const user = uri.user === undefined ? '' : unescapeUri(uri.user);
  return { ok: true, uri, raw: values[0]!, user, replaces };
}

/** `callid;to-tag=a;from-tag=b[;early-only]` (RFC 3891 §6.1); undefined when malformed. */
export function parseReplaces(value: string): ReplacesTarget | undefined {
  const parts = value.split(';').map((p) => p.trim());
  const callId = parts.shift();
  if (!callId) return undefined;
  let toTag: string | undefined;
  let fromTag: string | undefined;
  let earlyOnly = false;
  for (const p of parts) {
    const eq = p.indexOf('=');
    const name = (eq < 0 ? p : p.slice(0, eq)).trim().toLowerCase();
    const v = eq < 0 ? '' : p.slice(eq + 1).trim();
    if (name === 'to-tag') toTag = v;
    else if (name === 'from-tag') fromTag = v;
    else if (name === 'early-only') earlyOnly = true;
  }
  if (toTag === undefined || fromTag === undefined) return undefined;
  return { callId, toTag, fromTag, earlyOnly };
}

const QUIET: ClientTransactionUser = { onResponse() {}, onTimeout() {}, onTransportError() {} };

/**
 * The implicit subscription of a REFER: NOTIFYs in the REFER's dialog with `Event:
 * refer;id=<CSeq>` and a sipfrag body, the last one terminating the subscription.
 */
export class ReferSubscription {
  readonly #leg: SipLeg;
  readonly #id: number;
  readonly #enabled: boolean;
  #done = false;

  constructor(leg: SipLeg, refer: SipRequest) {
    this.#leg = leg;
    this.#id = refer.cseq?.seq ?? 1;
    // RFC 4488: `Refer-Sub: false` asks for no subscription (and so no NOTIFY).
    this.#enabled = (refer.get('refer-sub') ?? 'true').trim().toLowerCase() !== 'false';
  }

  get enabled(): boolean {
    return this.#enabled;
  }

  /** Report progress: `SIP/2.0 100 Trying` (final = false) … `SIP/2.0 200 OK` (final = true). */
  notify(status: number, reason: string, final: boolean): void {
    if (!this.#enabled || this.#done) return;
    const dialog = this.#leg.dialog;
    if (!dialog || dialog.state === 'terminated') return;
    if (final) this.#done = true;
    const req = dialog.createRequest('NOTIFY', {
      headers: [
        ['Event', `refer;id=${this.#id}`],
        ['Subscription-State', final ? 'terminated;reason=noresource' : 'active;expires=60'],
      ],
      body: `SIP/2.0 ${status} ${reason}\r\n`,
      contentType: 'message/sipfrag;version=2.0',
    });
    this.#leg.endpoint.stack.sendRequest(req, this.#leg.hop, QUIET);
  }
}
