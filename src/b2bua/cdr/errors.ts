// Errors of the CDR writer: a store that cannot be opened or is newer than this program.
import { SoftswitchError } from '../../common/index.js';

export class CdrError extends SoftswitchError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_CDR', message, options);
  }
}
