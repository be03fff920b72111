// Reading SDP out of a SIPp message trace (-trace_msg): each message's body when it is SDP, with
// the message's first line and whether SIPp sent or received it.

export interface TracedSdp {
  start: string;
  direction: 'sent' | 'received';
  sdp: string;
}

/** The SDP bodies in a SIPp message trace, each with the first line of its message. */
export function sdpBodies(messages: string): TracedSdp[] {
  const out: TracedSdp[] = [];
  for (const block of messages.split(/^-{10,}.*$/m)) {
    const lines = block.replace(/\r/g, '').split('\n');
    const head = lines.findIndex((l) => /message (sent|received)/.test(l));
    if (head < 0) continue;
    const direction = /message sent/.test(lines[head]!) ? 'sent' : 'received';
    const rest = lines.slice(head + 1);
    const first = rest.findIndex((l) => l.trim() !== '');
    const blank = rest.findIndex((l, i) => i > first && l.trim() === '');
    if (first < 0 || blank < 0) continue;
    const body = rest.slice(blank + 1).join('\n').trim();
    if (body.startsWith('v=0')) out.push({ direction, start: rest[first]!.trim(), sdp: body });
  }
  return out;
}
