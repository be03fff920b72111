// Typed view of `autoload_configs/event_socket.conf.xml` (spec §7): where the event socket
// listens, its password, and the ACL that guards it. FreeSWITCH's built-in defaults apply to
// absent params (127.0.0.1:8021, ClueCon, and only local clients when no ACL is given).

import { ConfigError } from '../common/index.js';
import type { NameValueSet } from './name-value-set.js';
import { isIpAddress } from './values.js';
import type { SourcePosition, XmlElement } from './xml-element.js';
import { readParamsOf } from './xml-util.js';

export interface EventSocketConf {
  readonly params: NameValueSet;
  /** `listen-ip`, default 127.0.0.1; `::` means every address. */
  readonly listenIp: string;
  /** `listen-port`, default 8021 (0 = any free port). */
  readonly listenPort: number;
  /** `password`, default ClueCon. */
  readonly password: string;
  /** `apply-inbound-acl` list name; undefined means `loopback.auto` (local clients only). */
  readonly applyInboundAcl: string | undefined;
  /** `nat-map`, default false (we never map ports on a router; kept for compatibility). */
  readonly natMap: boolean;
  /** Seconds between HEARTBEAT events (switch.conf `event-heartbeat-interval`, default 20). */
  readonly heartbeatIntervalSec: number;
  readonly pos: SourcePosition | undefined;
}

export function readEventSocketConf(el: XmlElement | undefined, heartbeatIntervalSec: number): EventSocketConf {
  const params = readParamsOf(el, 'settings');
  const ip = params.entry('listen-ip');
  const listenIp = ip ? ip.value.trim() : '127.0.0.1';
  if (ip && !isIpAddress(listenIp)) {
    throw new ConfigError(`listen-ip must be an IP address (e.g. 127.0.0.1 or ::), got "${ip.value}"`, ip.pos);
  }
  const pw = params.entry('password');
  if (pw && pw.value === '') throw new ConfigError('password must not be empty', pw.pos);
  const acl = params.get('apply-inbound-acl')?.trim();
  return Object.freeze({
    params,
    listenIp,
    listenPort: params.int('listen-port', 8021, { min: 0, max: 65535 }),
    password: pw?.value ?? 'ClueCon',
    applyInboundAcl: acl === undefined || acl === '' ? undefined : acl,
    natMap: params.bool('nat-map', false),
    heartbeatIntervalSec,
    pos: el?.pos,
  });
}
