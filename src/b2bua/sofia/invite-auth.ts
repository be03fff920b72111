// Who may place a call (spec §2.3, §5.1, §5.3): an INVITE from a source the profile's
// apply-inbound-acl matches is that ACL's user without a challenge; with auth-calls every
// other INVITE is challenged (407 Proxy-Authenticate) and must prove a directory identity
// with digest — sharing the registrar's nonces and brute-force bans, and the same 403 for a
// wrong password as for an unknown user. Without auth-calls an unmatched ACL is a 403 and
// everyone else calls unauthenticated into the profile's context.

import type { AclEvaluator, Directory, SipProfileConf } from '../../config/index.js';
import { SipUri, unescapeUri, type ServerTransaction, type SipRequest } from '../../sip/index.js';
import { authRequirement, type Authenticator } from '../../registrar/index.js';
import type { AuthorizedCaller, InviteAuthorizer } from './sofia-endpoint.js';

export interface InviteAuthOptions {
  profile: SipProfileConf;
  /** The registrar's authenticator of this profile (shared nonces and bans). */
  authenticator: Authenticator;
  directory: () => Directory;
  acl: () => AclEvaluator;
}

export function createInviteAuthorizer(o: InviteAuthOptions): InviteAuthorizer {
  const conf = o.profile;
  const authCalls = conf.bool('auth-calls', false);
  const acceptBlindAuth = conf.bool('accept-blind-auth', false);
  const inboundAcls = conf.list('apply-inbound-acl');
  const challengeRealm = conf.param('challenge-realm') ?? 'auto_to';
  const forceDomain = conf.param('force-register-domain');

  const realmFor = (req: SipRequest): string => {
    const host = (na: SipRequest['from']) => (na?.parsedUri instanceof SipUri ? na.parsedUri.host : '');
    const r = challengeRealm.toLowerCase();
    if (r === 'auto_from') return host(req.from);
    if (r === 'auto_to') return host(req.to);
    return challengeRealm;
  };

  const callerFor = (id: string, domain: string | undefined, extra: Record<string, string>): AuthorizedCaller | undefined => {
    const dir = o.directory();
    const user = dir.findUser(id, forceDomain ?? domain);
    if (!user) return undefined;
    const variables: Record<string, string> = {};
    for (const e of user.variables.winners()) variables[e.name] = e.value;
    for (const e of user.params.winners()) if (e.name.startsWith('sip-') || e.name === 'register-gateway') variables[e.name] = e.value;
    const domainName = user.domain;
    Object.assign(variables, {
      user_name: user.id,
      domain_name: domainName,
      sip_auth_username: id,
      sip_auth_realm: extra.sip_auth_realm ?? domainName,
      number_alias: user.numberAlias ?? '',
      sip_number_alias: user.numberAlias ?? '',
      ...extra,
    });
    if (!variables.user_context) variables.user_context = 'default';
    return { authenticated: true, user: user.id, domain: domainName, variables };
  };

  return {
    authorize(req: SipRequest, tx: ServerTransaction): AuthorizedCaller | undefined {
      const ip = req.source?.remoteAddress ?? '';
      // The first inbound ACL that lets the source in decides (FreeSWITCH checks them in order).
      let acl: { matched: boolean; user?: string } | undefined;
      if (inboundAcls.length > 0) {
        acl = { matched: false };
        for (const name of inboundAcls) {
          const r = o.acl().check(name, ip);
          if (r.allowed) {
            acl = { matched: true, user: r.user };
            break;
          }
        }
      }
      const credentials = req.headers.filter((h) => h.name === 'proxy-authorization').map((h) => h.value);
      const need = authRequirement(
        { authCalls, acceptBlindAuth },
        { method: 'INVITE', inDialog: false, hasCredentials: credentials.length > 0, acl },
      );
      switch (need.kind) {
        case 'forbidden':
          tx.reply(403);
          return undefined;
        case 'none':
          return { authenticated: false, variables: {} };
        case 'acl': {
          if (!need.user) return { authenticated: false, variables: {} };
          const at = need.user.indexOf('@');
          const who = callerFor(at < 0 ? need.user : need.user.slice(0, at), at < 0 ? undefined : need.user.slice(at + 1), { sip_acl_authed_by: need.user });
          return who ?? { authenticated: false, variables: {} };
        }
        case 'digest': {
          const realm = realmFor(req);
          const d = o.authenticator.authenticate({ method: 'INVITE', credentials, realm, sourceIp: ip });
          if (d.kind === 'challenge' || d.kind === 'stale') {
            tx.reply(d.status, { headers: d.headerValues.map((v) => [d.headerName, v] as [string, string]) });
            tx.forget(); // challenges hold no state: a retransmitted INVITE is challenged again
            return undefined;
          }
          if (d.kind !== 'ok') {
            tx.reply(403); // unknown user, wrong password, banned: the same answer
            return undefined;
          }
          const who = callerFor(d.username, d.realm, { sip_auth_realm: d.realm });
          if (!who) {
            tx.reply(403);
            return undefined;
          }
          return who;
        }
      }
    },

    challenge(req: SipRequest, status: number): Array<[string, string]> {
      const c = o.authenticator.challenge(status === 401 ? 'REGISTER' : 'INVITE', realmFor(req));
      return c.headerValues.map((v) => [c.headerName, v] as [string, string]);
    },
  };
}

/** The From user of a request, unescaped (caller id for unauthenticated calls). */
export function fromUser(req: SipRequest): string {
  const u = req.from?.parsedUri;
  return u instanceof SipUri && u.user !== undefined ? unescapeUri(u.user) : '';
}
