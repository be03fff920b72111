// Proxy-media SDP rewriting: put our relay's address and ports in place of the phone's and leave
// every other line byte for byte as the phone wrote it (codecs, fmtp, unknown attributes, their
// order), so the two phones negotiate end to end through us. Line-based on purpose: a parse and
// re-serialise would reorder attributes and round large o= numbers. ICE attributes are dropped
// by default: candidates would let the phones find each other around the relay.

export interface SdpRewriteOptions {
  /** The relay's address (IPv4 or IPv6 literal) for c=, o= and a=rtcp. */
  address: string;
  /** New port per m-line (by index); undefined keeps the line's port. Port-0 lines stay 0. */
  ports: ReadonlyArray<number | undefined>;
  /** New RTCP port per m-line for `a=rtcp:`; default: the new RTP port + 1. */
  rtcpPorts?: ReadonlyArray<number | undefined>;
  /** Drop a=candidate, a=ice-*, a=end-of-candidates, a=remote-candidates (default true). */
  stripIce?: boolean;
}

const ICE_ATTRIBUTES = /^a=(candidate|ice-ufrag|ice-pwd|ice-options|ice-lite|ice-mismatch|end-of-candidates|remote-candidates)(:|$)/i;
const NULL_ADDRESSES = new Set(['0.0.0.0', '::']);

/**
 * Rewrite addresses and ports of an SDP body, keeping its line endings. `c=` lines holding the
 * old hold address 0.0.0.0 are left alone: the far side must still see the hold.
 */
export function rewriteSdpAddresses(sdp: string, opts: SdpRewriteOptions): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const ipVer = opts.address.includes(':') ? 'IP6' : 'IP4';
  const stripIce = opts.stripIce ?? true;
  const lines = sdp.split(/\r?\n/);
  const out: string[] = [];
  let index = -1;
  let newPort: number | undefined;
  let declined = false;
  for (const line of lines) {
    if (line.startsWith('m=')) {
      index++;
      const m = /^m=(\S+) (\d+)(\/\d+)? (.*)$/.exec(line);
      declined = !m || m[2] === '0';
      newPort = declined ? undefined : opts.ports[index];
      if (m && newPort !== undefined) out.push(`m=${m[1]} ${newPort}${m[3] ?? ''} ${m[4]}`);
      else out.push(line);
      continue;
    }
    if (line.startsWith('c=')) {
      const c = /^c=IN IP[46] (\S+)(.*)$/.exec(line);
      if (c && !NULL_ADDRESSES.has(c[1]!) && !declined) out.push(`c=IN ${ipVer} ${opts.address}`);
      else out.push(line);
      continue;
    }
    if (line.startsWith('o=')) {
      const o = /^o=(\S+ \S+ \S+) IN IP[46] \S+(.*)$/.exec(line);
      out.push(o ? `o=${o[1]} IN ${ipVer} ${opts.address}${o[2]}` : line);
      continue;
    }
    if (line.startsWith('a=rtcp:') && index >= 0 && !declined) {
      const r = /^a=rtcp:(\d+)(.*)$/.exec(line);
      const rtp = opts.ports[index];
      const rtcp = opts.rtcpPorts?.[index] ?? (rtp !== undefined ? rtp + 1 : undefined);
      if (r && rtcp !== undefined) {
        out.push(r[2]!.trim() === '' ? `a=rtcp:${rtcp}` : `a=rtcp:${rtcp} IN ${ipVer} ${opts.address}`);
      } else out.push(line);
      continue;
    }
    if (stripIce && ICE_ATTRIBUTES.test(line)) continue;
    out.push(line);
  }
  return out.join(eol);
}
