// Wallet notices as both databases hand them to the relay.

/** A notice row as queued: without `params` when it has none. */
export function noticeOf<T extends { params?: Record<string, string> | null }>(row: T): T {
  const { params, ...notice } = row;
  return (params ? { ...notice, params } : notice) as T;
}
