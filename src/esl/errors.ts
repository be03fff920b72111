// Errors of the event socket, server and client side. Each has a stable code.

import { SoftswitchError } from '../common/index.js';

/** A packet that breaks the framing rules: header block or body over its cap. */
export class EslFramingError extends SoftswitchError {
  constructor(code: 'ERR_ESL_HEADER_TOO_LARGE' | 'ERR_ESL_BODY_TOO_LARGE', message: string) {
    super(code, message);
  }
}

/** The client could not reach the server, or the server refused the connection. */
export class EslConnectError extends SoftswitchError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_ESL_CONNECT', message, options);
  }
}

/** The server answered `auth` with something else than `+OK accepted`. */
export class EslAuthError extends SoftswitchError {
  readonly replyText: string;
  constructor(replyText: string) {
    super('ERR_ESL_AUTH', `authentication failed: ${replyText || 'connection closed'}`);
    this.replyText = replyText;
  }
}

/** No reply within the time asked for. */
export class EslTimeoutError extends SoftswitchError {
  constructor(message: string) {
    super('ERR_ESL_TIMEOUT', message);
  }
}

/** The connection closed before the reply came. */
export class EslClosedError extends SoftswitchError {
  constructor(message = 'event socket connection closed') {
    super('ERR_ESL_CLOSED', message);
  }
}
