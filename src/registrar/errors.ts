// Errors the registrar raises. Authentication outcomes (challenge, forbidden, banned) are not
// errors but decisions (see auth.ts); these are for things that stop the registrar working:
// a location database that cannot be opened or migrated, a nonce secret that cannot be read.

import { SoftswitchError } from '../common/index.js';

/** The location database could not be opened, migrated or written. */
export class LocationStoreError extends SoftswitchError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_LOCATION_STORE', message, options);
  }
}

/** The persisted nonce secret could not be read or created. */
export class NonceSecretError extends SoftswitchError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_NONCE_SECRET', message, options);
  }
}
