/** Reads until `ok` holds or `ms` pass; returns the last reading for the caller to assert on. */
export async function eventually<T>(
  read: () => Promise<T> | T,
  ok: (value: T) => boolean,
  ms = 15_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
}
