import { describe, expect, it } from 'vitest';
import { authRequirement, type AuthPolicy, type AuthPolicyRequest, type AuthRequirement } from '../../../src/registrar/index.js';

const internal: AuthPolicy = { authCalls: true, authSubscriptions: true };
const external: AuthPolicy = { authCalls: false };

const rows: Array<[string, AuthPolicy, AuthPolicyRequest, AuthRequirement]> = [
  ['REGISTER on internal needs digest', internal, { method: 'REGISTER', inDialog: false, hasCredentials: false }, { kind: 'digest' }],
  ['REGISTER with disable-register is refused', { ...internal, disableRegister: true }, { method: 'REGISTER', inDialog: false, hasCredentials: true }, { kind: 'forbidden', reason: 'register-disabled' }],
  ['REGISTER with accept-blind-reg needs nothing', { ...internal, acceptBlindReg: true }, { method: 'REGISTER', inDialog: false, hasCredentials: false }, { kind: 'none' }],
  ['REGISTER matching the register ACL is accepted as its user', internal, { method: 'REGISTER', inDialog: false, hasCredentials: false, acl: { matched: true, user: '1000' } }, { kind: 'acl', user: '1000' }],
  ['REGISTER outside the register ACL is refused', internal, { method: 'REGISTER', inDialog: false, hasCredentials: false, acl: { matched: false } }, { kind: 'forbidden', reason: 'acl-rejected' }],
  ['INVITE with auth-calls needs digest', internal, { method: 'INVITE', inDialog: false, hasCredentials: false }, { kind: 'digest' }],
  ['INVITE with auth-calls but not matching the inbound ACL still gets digest', internal, { method: 'INVITE', inDialog: false, hasCredentials: false, acl: { matched: false } }, { kind: 'digest' }],
  ['INVITE from a cidr user of the inbound ACL needs no digest', internal, { method: 'INVITE', inDialog: false, hasCredentials: false, acl: { matched: true, user: 'brian' } }, { kind: 'acl', user: 'brian' }],
  ['INVITE with accept-blind-auth needs nothing', { ...internal, acceptBlindAuth: true }, { method: 'INVITE', inDialog: false, hasCredentials: false }, { kind: 'none' }],
  ['INVITE on external needs nothing', external, { method: 'INVITE', inDialog: false, hasCredentials: false }, { kind: 'none' }],
  ['INVITE on external not matching a configured ACL is refused', external, { method: 'INVITE', inDialog: false, hasCredentials: false, acl: { matched: false } }, { kind: 'forbidden', reason: 'acl-rejected' }],
  ['re-INVITE in a dialog needs nothing', internal, { method: 'INVITE', inDialog: true, hasCredentials: false }, { kind: 'none' }],
  ['in-dialog request with credentials is verified under auth-all-packets', { ...internal, authAllPackets: true }, { method: 'BYE', inDialog: true, hasCredentials: true }, { kind: 'digest' }],
  ['in-dialog request without credentials passes under auth-all-packets', { ...internal, authAllPackets: true }, { method: 'BYE', inDialog: true, hasCredentials: false }, { kind: 'none' }],
  ['SUBSCRIBE with auth-subscriptions needs digest', internal, { method: 'SUBSCRIBE', inDialog: false, hasCredentials: false }, { kind: 'digest' }],
  ['SUBSCRIBE without auth-subscriptions needs nothing', { authCalls: true }, { method: 'SUBSCRIBE', inDialog: false, hasCredentials: false }, { kind: 'none' }],
  ['MESSAGE follows auth-calls by default', internal, { method: 'MESSAGE', inDialog: false, hasCredentials: false }, { kind: 'digest' }],
  ['MESSAGE follows auth-messages when set', { ...internal, authMessages: false }, { method: 'MESSAGE', inDialog: false, hasCredentials: false }, { kind: 'none' }],
  ['OPTIONS is never challenged', internal, { method: 'OPTIONS', inDialog: false, hasCredentials: false }, { kind: 'none' }],
  ['ACK and CANCEL cannot be challenged', internal, { method: 'CANCEL', inDialog: false, hasCredentials: false }, { kind: 'none' }],
  ['lower-case method names work', internal, { method: 'invite', inDialog: false, hasCredentials: false }, { kind: 'digest' }],
];

describe('authRequirement', () => {
  for (const [name, policy, req, expected] of rows) {
    it(name, () => {
      expect(authRequirement(policy, req)).toEqual(expected);
    });
  }
});
