// Build a response to a request (RFC 3261 §8.2.6): Via values, From, To (with our tag on
// anything but 100), Call-ID and CSeq copied from the request, reason phrases from the table.

import { SipResponse, type SipHeader, type SipRequest } from './message.js';
import { newTag } from './ids.js';

export const REASON_PHRASES: Readonly<Record<number, string>> = {
  100: 'Trying', 180: 'Ringing', 181: 'Call Is Being Forwarded', 182: 'Queued', 183: 'Session Progress',
  200: 'OK', 202: 'Accepted', 204: 'No Notification',
  300: 'Multiple Choices', 301: 'Moved Permanently', 302: 'Moved Temporarily', 305: 'Use Proxy', 380: 'Alternative Service',
  400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 406: 'Not Acceptable', 407: 'Proxy Authentication Required', 408: 'Request Timeout',
  410: 'Gone', 412: 'Conditional Request Failed', 413: 'Request Entity Too Large', 414: 'Request-URI Too Long',
  415: 'Unsupported Media Type', 416: 'Unsupported URI Scheme', 420: 'Bad Extension', 421: 'Extension Required',
  422: 'Session Interval Too Small', 423: 'Interval Too Brief', 428: 'Use Identity Header', 429: 'Provide Referrer Identity',
  480: 'Temporarily Unavailable', 481: 'Call/Transaction Does Not Exist', 482: 'Loop Detected', 483: 'Too Many Hops',
  484: 'Address Incomplete', 485: 'Ambiguous', 486: 'Busy Here', 487: 'Request Terminated', 488: 'Not Acceptable Here',
  489: 'Bad Event', 491: 'Request Pending', 493: 'Undecipherable',
  500: 'Server Internal Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable',
  504: 'Server Time-out', 505: 'Version Not Supported', 513: 'Message Too Large',
  600: 'Busy Everywhere', 603: 'Decline', 604: 'Does Not Exist Anywhere', 606: 'Not Acceptable', 607: 'Unwanted',
};

export function reasonPhrase(status: number): string {
  return REASON_PHRASES[status] ?? (status < 200 ? 'Progress' : status < 300 ? 'OK' : 'Error');
}

export interface ResponseOptions {
  reason?: string;
  /** To-tag to add when the request has none (default: a fresh one for status > 100). */
  toTag?: string;
  /** Extra headers appended after the copied ones. */
  headers?: Array<[string, string]>;
}

export function createResponse(req: SipRequest, status: number, opts: ResponseOptions = {}): SipResponse {
  const headers: SipHeader[] = [];
  for (const h of req.headers) {
    switch (h.name) {
      case 'via':
      case 'from':
      case 'call-id':
      case 'cseq':
        headers.push({ name: h.name, written: h.written, value: h.value });
        break;
      case 'to': {
        let value = h.value;
        if (status > 100 && req.toTag === undefined) value += `;tag=${opts.toTag ?? newTag()}`;
        headers.push({ name: h.name, written: h.written, value });
        break;
      }
      case 'timestamp':
        if (status === 100) headers.push({ name: h.name, written: h.written, value: h.value });
        break;
      default:
        break;
    }
  }
  const res = new SipResponse(status, opts.reason ?? reasonPhrase(status), headers);
  if (opts.headers) for (const [n, v] of opts.headers) res.addHeader(n, v);
  return res;
}
