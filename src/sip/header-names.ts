// Header names: compact forms (RFC 3261 §7.3.3 and later RFCs), the canonical lower-case long
// name used as the key everywhere, and the conventional spelling used when we write a header
// we created ourselves. Headers we parsed keep the spelling they arrived with.

const COMPACT: Record<string, string> = {
  i: 'call-id',
  m: 'contact',
  e: 'content-encoding',
  l: 'content-length',
  c: 'content-type',
  f: 'from',
  s: 'subject',
  k: 'supported',
  t: 'to',
  v: 'via',
  o: 'event', // RFC 6665
  u: 'allow-events', // RFC 6665
  r: 'refer-to', // RFC 3515
  b: 'referred-by', // RFC 3892
  x: 'session-expires', // RFC 4028
  y: 'identity', // RFC 8224
  a: 'accept-contact', // RFC 3841
  j: 'reject-contact', // RFC 3841
  d: 'request-disposition', // RFC 3841
};

const PRETTY: Record<string, string> = {
  'call-id': 'Call-ID',
  cseq: 'CSeq',
  'www-authenticate': 'WWW-Authenticate',
  'mime-version': 'MIME-Version',
  'rack': 'RAck',
  'rseq': 'RSeq',
  'p-asserted-identity': 'P-Asserted-Identity',
  'p-preferred-identity': 'P-Preferred-Identity',
  'remote-party-id': 'Remote-Party-ID',
  'sip-etag': 'SIP-ETag',
  'sip-if-match': 'SIP-If-Match',
};

/** Canonical key of a header name as written: lower case, compact forms expanded. */
export function canonicalHeaderName(written: string): string {
  if (written.length === 1) {
    const lower = written.toLowerCase();
    return COMPACT[lower] ?? lower;
  }
  return written.toLowerCase();
}

/** The conventional spelling for a canonical name (`call-id` → `Call-ID`, `x-foo` → `X-Foo`). */
export function prettyHeaderName(canonical: string): string {
  const known = PRETTY[canonical];
  if (known) return known;
  let out = '';
  let upper = true;
  for (let i = 0; i < canonical.length; i++) {
    const ch = canonical[i]!;
    out += upper ? ch.toUpperCase() : ch;
    upper = ch === '-';
  }
  return out;
}

/**
 * Headers whose grammar is a comma-separated list (RFC 3261 §7.3.1), which may therefore be
 * split into several values. Authorization and friends, Date, From/To and the like are not.
 */
export const MULTI_VALUE_HEADERS: ReadonlySet<string> = new Set([
  'via', 'contact', 'route', 'record-route', 'path', 'service-route',
  'allow', 'supported', 'require', 'proxy-require', 'unsupported',
  'accept', 'accept-encoding', 'accept-language', 'content-encoding', 'content-language',
  'allow-events', 'in-reply-to', 'alert-info', 'call-info', 'error-info', 'warning',
  'reason', 'p-asserted-identity', 'p-preferred-identity', 'accept-contact', 'reject-contact',
  'security-client', 'security-server', 'security-verify',
]);

/** Headers that must appear at most once in a message (RFC 3261 §7.3.1, §20). */
export const SINGLE_VALUE_HEADERS: ReadonlySet<string> = new Set([
  'to', 'from', 'call-id', 'cseq', 'max-forwards', 'content-length', 'content-type', 'expires',
]);
