// Whether an error means "the database cannot be reached right now" rather than a fault in the
// request or in our code: the API answers those 503 with Retry-After, activities retry them.

/** PostgreSQL SQLSTATE classes and codes of a server that is down, restarting or refusing. */
const UNAVAILABLE_SQLSTATE = /^(08|53|57P0[1-3])/;
/** Node socket errors of a server that is not there (any database over the network). */
const UNAVAILABLE_SOCKET = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EAI_AGAIN',
]);
/** What `pg` says when a pooled connection dies or the pool cannot get one in time. */
const UNAVAILABLE_MESSAGE =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting up|shutting down)/i;
/** SQLite codes of a file another process holds locked past busy_timeout. */
const UNAVAILABLE_SQLITE = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED']);

export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    if (typeof e !== 'object') return false;
    const { code, message, cause } = e as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof code === 'string') {
      if (UNAVAILABLE_SOCKET.has(code) || UNAVAILABLE_SQLITE.has(code)) return true;
      if (/^[0-9A-Z]{5}$/.test(code) && UNAVAILABLE_SQLSTATE.test(code)) return true;
    }
    if (typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message)) return true;
    // drizzle wraps driver errors ("Failed query: …") with the driver's error as the cause.
    e = cause;
  }
  return false;
}
