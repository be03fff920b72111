// Which requests need digest authentication on a profile, from FreeSWITCH's profile params:
// `auth-calls`, `auth-subscriptions`, `auth-messages`, `auth-all-packets`, `accept-blind-reg`,
// `accept-blind-auth`, `disable-register`, and the inbound / register ACLs (spec §5.1, §2.1).
// A pure function: the caller evaluates the ACL for the source address and passes the result;
// the Authenticator then does the digest part.

export interface AuthPolicy {
  /** `auth-calls`: challenge INVITEs (and out-of-dialog MESSAGE/REFER) unless an inbound ACL matches. */
  authCalls: boolean;
  /** `auth-subscriptions`: challenge SUBSCRIBE and PUBLISH. Default false. */
  authSubscriptions?: boolean;
  /** `auth-messages`: challenge out-of-dialog MESSAGE. Default: same as authCalls. */
  authMessages?: boolean;
  /** `auth-all-packets`: also verify in-dialog requests that carry credentials. */
  authAllPackets?: boolean;
  /** `accept-blind-reg`: accept any REGISTER without auth. */
  acceptBlindReg?: boolean;
  /** `accept-blind-auth`: treat calls as authorized without a challenge. */
  acceptBlindAuth?: boolean;
  /** `disable-register`: REGISTER → 403. */
  disableRegister?: boolean;
}

/** Outcome of an ACL for the source address; undefined when no ACL is configured. */
export interface AclResult {
  matched: boolean;
  /** The directory user the ACL entry stands for (a user's `cidr=`), if any. */
  user?: string | undefined;
}

export interface AuthPolicyRequest {
  method: string;
  /** Request inside an established dialog (has a To tag). */
  inDialog: boolean;
  /** The request carries Authorization / Proxy-Authorization. */
  hasCredentials: boolean;
  /** `apply-register-acl` result for REGISTER, `apply-inbound-acl` result for the rest. */
  acl?: AclResult | undefined;
}

export type AuthRequirement =
  /** Run the Authenticator (challenge, then verify). */
  | { kind: 'digest' }
  /** Let the request through unauthenticated. */
  | { kind: 'none' }
  /** Authorized by the ACL, as `user` when the ACL names one. */
  | { kind: 'acl'; user: string | undefined }
  /** Refuse with 403. */
  | { kind: 'forbidden'; reason: 'register-disabled' | 'acl-rejected' };

export function authRequirement(policy: AuthPolicy, req: AuthPolicyRequest): AuthRequirement {
  const method = req.method.toUpperCase();
  if (method === 'REGISTER') {
    if (policy.disableRegister) return { kind: 'forbidden', reason: 'register-disabled' };
    // FreeSWITCH: a register ACL that does not match is a 403; one that matches registers
    // without a challenge (REG_AUTO_REGISTER), unless accept-blind-reg makes it moot.
    if (req.acl && !req.acl.matched) return { kind: 'forbidden', reason: 'acl-rejected' };
    if (policy.acceptBlindReg) return { kind: 'none' };
    if (req.acl?.matched) return { kind: 'acl', user: req.acl.user };
    return { kind: 'digest' };
  }
  // ACK and CANCEL cannot be challenged (RFC 3261 §22.1); OPTIONS is answered to anyone.
  if (method === 'ACK' || method === 'CANCEL' || method === 'OPTIONS') return { kind: 'none' };
  if (req.inDialog) return policy.authAllPackets && req.hasCredentials ? { kind: 'digest' } : { kind: 'none' };

  let challenged: boolean;
  switch (method) {
    case 'SUBSCRIBE':
    case 'PUBLISH':
      challenged = policy.authSubscriptions ?? false;
      break;
    case 'MESSAGE':
      challenged = policy.authMessages ?? policy.authCalls;
      break;
    default:
      challenged = policy.authCalls;
  }
  if (req.acl?.matched) return { kind: 'acl', user: req.acl.user };
  if (challenged) return policy.acceptBlindAuth ? { kind: 'none' } : { kind: 'digest' };
  // Spec §5.1: without auth-calls, a configured inbound ACL that does not match is a 403.
  if (req.acl && !req.acl.matched) return { kind: 'forbidden', reason: 'acl-rejected' };
  return { kind: 'none' };
}
