// Who may connect to the event socket. FreeSWITCH's vanilla conf applies `loopback.auto` when no
// inbound ACL is configured: only local clients. Non-loopback peers need an explicit ACL, which
// the lead turns into an `isAllowed(ip)` function.

/** 127.0.0.0/8, ::1 and IPv4-mapped ::ffff:127.x.x.x. */
export function isLoopbackAddress(ip: string): boolean {
  if (ip === '::1' || ip === '0:0:0:0:0:0:0:1') return true;
  const v4 = ip.toLowerCase().startsWith('::ffff:') ? ip.slice(7) : ip;
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(v4);
  return m !== null && m.slice(1).every((p) => Number(p) <= 255);
}
