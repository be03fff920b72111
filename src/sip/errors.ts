// Errors of the SIP layer. A parse error carries the status to answer with, so a transport can
// reply (400/413/416/505…) without guessing, and the partly parsed message when there is one.

import { SoftswitchError } from '../common/index.js';
import type { SipMessage } from './message.js';

export class SipParseError extends SoftswitchError {
  /** Status to answer a request with (responses with parse errors are dropped). */
  readonly status: number;
  /** Reason phrase for that answer: says what is wrong. */
  readonly reason: string;
  /** The message as far as it was parsed, when the start line and headers could be read. */
  readonly partial: SipMessage | undefined;
  /** The error breaks stream framing (Content-Length): a stream connection must close. */
  readonly framing: boolean;

  constructor(status: number, reason: string, partial?: SipMessage, framing = false) {
    super('ERR_SIP_PARSE', `${status} ${reason}`);
    this.status = status;
    this.reason = reason;
    this.partial = partial;
    this.framing = framing;
  }
}

/** A non-2xx final answer to a request we sent. */
export class SipStatusError extends SoftswitchError {
  constructor(readonly status: number, readonly reason: string) {
    super('ERR_SIP_STATUS', `${status} ${reason}`);
  }
}

/** A client transaction got no final response in time (Timer B or F). */
export class TransactionTimeoutError extends SoftswitchError {
  constructor(readonly method: string) {
    super('ERR_SIP_TRANSACTION_TIMEOUT', `no final response to ${method}`);
  }
}

/** A message could not be sent (connection refused, closed, no route). */
export class TransportError extends SoftswitchError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_SIP_TRANSPORT', message, options);
  }
}
