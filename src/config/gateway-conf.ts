// Typed view of one `<gateway name="…">` (spec §5.6), found in a SIP profile's `<gateways>` or
// in a directory user's `<gateways>`. The derived fields apply FreeSWITCH's defaults (realm
// from the name, proxy from the realm, from-user from the username, clamps on the timers), so
// the gateway state machine reads values, not rules.

import { ConfigError } from '../common/index.js';
import { NameValueSet } from './name-value-set.js';
import type { SourcePosition, XmlElement } from './xml-element.js';
import { readParamsOf, readNameValues, requireAttr, firstChild } from './xml-util.js';

export type SipTransportName = 'udp' | 'tcp' | 'tls';

export interface GatewayConf {
  readonly name: string;
  readonly params: NameValueSet;
  /** `<variables>`: `direction` tells whether a variable applies to inbound or outbound calls. */
  readonly variables: NameValueSet;
  readonly pos: SourcePosition;
  /** `register`, default true. */
  readonly register: boolean;
  /** `username`; "FreeSWITCH" when absent and not registering. */
  readonly username: string;
  readonly password: string | undefined;
  /** `realm`: default the proxy if given, else the gateway name. */
  readonly realm: string;
  /** `proxy`: default the realm. Request-URI host for calls. */
  readonly proxy: string;
  /** `register-proxy`: default the proxy. */
  readonly registerProxy: string;
  readonly outboundProxy: string | undefined;
  /** `from-user`: default username. */
  readonly fromUser: string;
  /** `from-domain`: default proxy. */
  readonly fromDomain: string;
  /** `auth-username`: default username. */
  readonly authUsername: string;
  /** `extension`: default username; destination for calls arriving through this gateway. */
  readonly extension: string;
  readonly extensionInContact: boolean;
  readonly callerIdInFrom: boolean;
  readonly registerTransport: SipTransportName;
  /** `expire-seconds`, default 3600 (values below 5 become 3600). */
  readonly expireSeconds: number;
  /** `retry-seconds`, default 30 (values below 5 become 30). */
  readonly retrySeconds: number;
  /** `timeout-seconds`, default 60. */
  readonly timeoutSeconds: number;
  /** `ping`: seconds between OPTIONS pings, 0 = off. */
  readonly pingSec: number;
  /** `context`: undefined means the profile's context. */
  readonly context: string | undefined;
  readonly contactParams: string | undefined;
}

export function readGateway(el: XmlElement): GatewayConf {
  const name = requireAttr(el, 'name');
  // FreeSWITCH reads <param>s directly under <gateway>; accept a <params> wrapper too.
  const direct = readNameValues(el, 'param');
  const wrapped = readParamsOf(el, 'params');
  const params = wrapped.size === 0 ? direct : direct.size === 0 ? wrapped : new NameValueSet([...direct.list, ...wrapped.list]);
  const variables = readNameValues(firstChild(el, 'variables'), 'variable');

  const register = params.bool('register', true);
  const username = params.get('username')?.trim() || undefined;
  const password = params.get('password');
  if (register && (!username || password === undefined)) {
    throw new ConfigError(
      `gateway "${name}" registers (register is true by default) and so needs both a username and a password param; add them or set register=false`,
      el.pos,
    );
  }
  const user = username ?? 'FreeSWITCH';
  const proxyParam = params.get('proxy')?.trim() || undefined;
  const realm = params.get('realm')?.trim() || proxyParam || name;
  const proxy = proxyParam ?? realm;
  const transportEntry = params.entry('register-transport');
  const transport = (transportEntry?.value.trim().toLowerCase() || 'udp') as SipTransportName;
  if (!['udp', 'tcp', 'tls'].includes(transport)) {
    throw new ConfigError(`register-transport must be udp, tcp or tls, got "${transportEntry?.value}"`, transportEntry?.pos);
  }
  const expire = params.int('expire-seconds', 3600, { min: 0 });
  const retry = params.int('retry-seconds', 30, { min: 0 });
  return Object.freeze({
    name,
    params,
    variables,
    pos: el.pos,
    register,
    username: user,
    password,
    realm,
    proxy,
    registerProxy: params.get('register-proxy')?.trim() || proxy,
    outboundProxy: params.get('outbound-proxy')?.trim() || undefined,
    fromUser: params.get('from-user')?.trim() || user,
    fromDomain: params.get('from-domain')?.trim() || proxy,
    authUsername: params.get('auth-username')?.trim() || user,
    extension: params.get('extension')?.trim() || user,
    extensionInContact: params.bool('extension-in-contact', false),
    callerIdInFrom: params.bool('caller-id-in-from', false),
    registerTransport: transport,
    expireSeconds: expire < 5 ? 3600 : expire,
    retrySeconds: retry < 5 ? 30 : retry,
    timeoutSeconds: params.int('timeout-seconds', 60, { min: 1 }),
    pingSec: params.int('ping', 0, { min: 0 }),
    context: params.get('context')?.trim() || undefined,
    contactParams: params.get('contact-params') || undefined,
  });
}
