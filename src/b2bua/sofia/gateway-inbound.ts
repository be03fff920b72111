// Who may call in on a trunk profile (the external one): an INVITE is let in when it comes from
// one of the profile's gateways (gateway.matchesSource: its proxy addresses, or where its
// registrar answered from) or when an `apply-inbound-acl` list admits its source; with
// auth-calls off, everything else gets 403 whatever number it dials — a trunk profile is not
// an open door into the dialplan. Calls from a gateway land in the gateway's context (the
// profile's by default) with the Request-URI user as destination (the DID), or the gateway's
// `extension` when they are addressed to our registration Contact (`gw+<name>` or `;gw=<name>`,
// spec §5.3); the gateway's inbound `<variables>` and `sip_gateway_name` are set on the channel.
// A Contact or Call-ID alone never lets a call in: both are easy to forge.

import type { Logger } from '../../common/index.js';
import type { SipProfileConf } from '../../config/index.js';
import { SipUri, unescapeUri, type ServerTransaction, type SipRequest } from '../../sip/index.js';
import type { Channel } from '../channel.js';
import type { Gateway } from './gateway.js';
import type { AuthorizedCaller, InviteAuthorizer } from './sofia-endpoint.js';

export interface GatewayInboundOptions {
  profile: SipProfileConf;
  /** The gateways of this profile, as they are now (killgw/rescan change them). */
  gateways: () => readonly Gateway[];
  /** The profile's own authorizer: digest with auth-calls, the inbound ACL lists. */
  base: InviteAuthorizer | undefined;
  logger: Logger;
}

export function createGatewayAuthorizer(o: GatewayInboundOptions): InviteAuthorizer {
  const authCalls = o.profile.bool('auth-calls', false);
  const hasInboundAcl = o.profile.list('apply-inbound-acl').length > 0;
  const log = o.logger.child({ mod: 'sofia.inbound', profile: o.profile.name });
  return {
    authorize(req: SipRequest, tx: ServerTransaction): AuthorizedCaller | undefined | Promise<AuthorizedCaller | undefined> {
      const src = req.source;
      const ip = src?.remoteAddress ?? '';
      const port = src?.remotePort ?? 0;
      const named = gatewayNamedIn(req);
      const from = o.gateways().filter((g) => g.started && g.matchesSource(ip, port));
      const gw = (named && from.find((g) => g.name.toLowerCase() === named.toLowerCase())) || from[0];
      if (gw) return gatewayCaller(gw, req, named !== undefined && gw.name.toLowerCase() === named.toLowerCase());
      if (authCalls || hasInboundAcl) {
        if (o.base) return o.base.authorize(req, tx);
      }
      log.info({ ip, port, ruri: req.uri }, 'INVITE from an address that is no gateway of this profile refused (403)');
      tx.reply(403);
      return undefined;
    },
    challenge: o.base?.challenge?.bind(o.base),
  };
}

/** The gateway a request is addressed to: Request-URI user `gw+<name>`, or a `gw=<name>` parameter. */
export function gatewayNamedIn(req: SipRequest): string | undefined {
  const uri = req.requestUri;
  if (!(uri instanceof SipUri)) return undefined;
  const param = uri.params.get('gw');
  if (param) return unescapeUri(param);
  const user = uri.user === undefined ? '' : unescapeUri(uri.user);
  return user.toLowerCase().startsWith('gw+') && user.length > 3 ? user.slice(3) : undefined;
}

function gatewayCaller(gw: Gateway, req: SipRequest, toContact: boolean): AuthorizedCaller {
  const variables: Record<string, string> = { sip_gateway_name: gw.name };
  for (const v of gw.conf.variables.list) if (v.direction !== 'outbound') variables[v.name] = v.value;
  let destination: string | undefined;
  if (toContact) {
    const ext = gw.conf.extension;
    const to = req.to?.parsedUri;
    destination = ext === 'auto_to_user' ? (to instanceof SipUri && to.user !== undefined ? unescapeUri(to.user) : undefined) : ext;
  }
  return {
    authenticated: false,
    variables,
    destination,
    context: gw.context,
    onChannel(channel: Channel) {
      gw.counters.callsIn++;
      channel.once('hangup', () => {
        if (!channel.answered) gw.counters.failedCallsIn++;
      });
    },
  };
}
