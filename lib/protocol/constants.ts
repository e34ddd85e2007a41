// The protocol's plain constants, apart from the schemas so that the server reads them without loading typebox.

/** The protocol version this gateway speaks. */
export const PROTOCOL_VERSION = 1;

/** The header that carries an anonymous thread's secret. */
export const THREAD_SECRET_HEADER = "x-chatwire-thread-secret";
