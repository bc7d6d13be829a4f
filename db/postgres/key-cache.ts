// The person-key rows one process keeps on PostgreSQL (issue #23): the wrapped key of a person
// and the subject row of a workflow (who it carries, and that person's wrapped key), read many
// times per application by the payload codec, the photo store and the sealed rows. Another
// process may erase a key at any moment (SPEC §8), so an entry lives only while this process
// hears every erasure: the erasing transaction NOTIFYs `person_key_erased` with the person's id
// (db/postgres/repositories/person-keys.ts), a dedicated connection per pool LISTENs, and each
// notification drops that person's entries. While that connection is down nothing is cached
// (and the cache is emptied), and every entry expires KEY_ROWS_TTL_MS after it was read, in case
// a notification was lost without the connection being seen to fail. So another process stops
// using an erased key within the notification's delivery (milliseconds), at most KEY_ROWS_TTL_MS
// later (docs/security.md).
import pg from 'pg';
import { forgetUnwrapped } from '../shared/person-key-cache';

export const PERSON_KEY_ERASED = 'person_key_erased';
/** How long an entry may be used after it was read, notification or not. */
export const KEY_ROWS_TTL_MS = 10_000;
const KEY_ROWS_KEPT = 10_000;
const RECONNECT_MS = [250, 1_000, 5_000];

interface Entry {
  personId: string;
  value: unknown;
  expiresAt: number;
}

export interface KeyRowsOptions {
  ttlMs?: number;
  now?: () => number;
}

/** One pool's cache of person-key rows (see the top of this file). */
export class KeyRows {
  private readonly entries = new Map<string, Entry>();
  /** Bumped whenever entries are dropped: a read that began before is not cached. */
  private epoch = 0;
  /** Whether this process is listening, so that it hears every erasure. */
  private listening = false;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(options: KeyRowsOptions = {}) {
    this.ttlMs = options.ttlMs ?? KEY_ROWS_TTL_MS;
    this.now = options.now ?? Date.now;
  }

  /**
   * The cached value of `key`, else `read()`'s, kept when `personOf` names whose key it is (a
   * value it does not name, an erased key or none, is read again every time).
   */
  async through<T>(
    key: string,
    read: () => Promise<T>,
    personOf: (value: T) => string | undefined,
  ): Promise<T> {
    const entry = this.entries.get(key);
    if (entry) {
      if (entry.expiresAt > this.now()) return entry.value as T;
      this.entries.delete(key);
    }
    const epoch = this.epoch;
    const value = await read();
    const personId = personOf(value);
    if (personId !== undefined && this.listening && epoch === this.epoch) {
      if (this.entries.size >= KEY_ROWS_KEPT)
        this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(key, { personId, value, expiresAt: this.now() + this.ttlMs });
    }
    return value;
  }

  /** Whether `key` is cached and fresh (for tests). */
  holds(key: string): boolean {
    const entry = this.entries.get(key);
    return entry !== undefined && entry.expiresAt > this.now();
  }

  /** Drops every entry of the person (their key was erased). */
  forget(personId: string): void {
    this.epoch++;
    for (const [key, entry] of this.entries)
      if (entry.personId === personId) this.entries.delete(key);
  }

  /** Starts or stops caching: only while listening for erasures. Empties the cache either way. */
  setListening(listening: boolean): void {
    this.epoch++;
    this.entries.clear();
    this.listening = listening;
  }
}

export interface ErasureListener {
  close(): Promise<void>;
}

/**
 * Listens for erasures on a connection of its own to `url` and keeps `rows` in step: drops a
 * person's entries on each notification, stops caching while the connection is down and
 * reconnects (the cache starts empty again once it is back).
 */
export async function listenForErasures(url: string, rows: KeyRows): Promise<ErasureListener> {
  let client: pg.Client | undefined;
  let closed = false;
  let attempt = 0;
  let timer: NodeJS.Timeout | undefined;

  const lost = (which: pg.Client) => {
    if (client !== which) return;
    client = undefined;
    rows.setListening(false);
    which.end().catch(() => undefined);
    if (closed) return;
    timer = setTimeout(
      () => void connect(),
      RECONNECT_MS[Math.min(attempt++, RECONNECT_MS.length - 1)],
    );
    timer.unref();
  };

  async function connect(): Promise<void> {
    const c = new pg.Client({ connectionString: url, keepAlive: true });
    client = c;
    c.on('error', () => lost(c));
    c.on('end', () => lost(c));
    c.on('notification', (message) => {
      if (message.channel !== PERSON_KEY_ERASED || !message.payload) return;
      rows.forget(message.payload);
      forgetUnwrapped(message.payload);
    });
    try {
      await c.connect();
      await c.query(`listen ${PERSON_KEY_ERASED}`);
      if (closed) await c.end();
      if (client !== c || closed) return;
      attempt = 0;
      rows.setListening(true);
    } catch {
      lost(c);
    }
  }

  await connect();
  return {
    async close() {
      closed = true;
      clearTimeout(timer);
      const c = client;
      client = undefined;
      rows.setListening(false);
      await c?.end().catch(() => undefined);
    },
  };
}
