// Typed errors with stable, machine-readable codes. Callers branch on `code`, never on message text.

export type CairnErrorCode =
  | 'CAIRN_CORRUPT' // a checksum or framing failure that is not a torn tail
  | 'CAIRN_LOCKED' // the data directory is held by another process
  | 'CAIRN_CLOSED' // the store or connection was already closed
  | 'CAIRN_IO' // the disk refused an operation (full, read-only, permissions)
  | 'CAIRN_FORMAT' // an unknown file format version or record type
  | 'CAIRN_INVALID_ARGUMENT' // a caller passed a value outside the documented range
  | 'CAIRN_NOT_LEADER' // a proposal or read reached a node that is not the leader
  | 'CAIRN_TIMEOUT' // an operation did not complete within its deadline
  | 'CAIRN_CLUSTER_DOWN' // no leader was found within the wait: the write was never proposed (clients see CLUSTERDOWN)
  | 'CAIRN_ID_TAKEN' // a blank data dir started under an id the running cluster removed or holds log state for
  | 'CAIRN_BUSY' // a bounded queue is full (too many pending proposals or reads): retry later
  | 'CAIRN_REFUSED' // another server answered with an error, or not as a Cairn node would
  | 'CAIRN_TLS'; // a certificate, key or CA file is missing or unusable, or a TLS setting is invalid

export class CairnError extends Error {
  override name = 'CairnError';
  readonly code: CairnErrorCode;

  constructor(code: CairnErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function isCairnError(error: unknown, code?: CairnErrorCode): error is CairnError {
  return error instanceof CairnError && (code === undefined || error.code === code);
}

/** The message of anything thrown: an Error's own, or the thrown value as text. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The stack of anything thrown (its message when it has none), for reports of bugs. */
export function errorStack(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/** Anything thrown as an Error, for what rejects or stops with one. */
export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
