// The one place configuration is read (SPEC §6). Every value has an embedded default so that a
// fresh clone runs as is; a malformed value fails fast with the variable's name.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`Configuration error: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

export interface TemporalSettings {
  address: string;
  namespace: string;
  taskQueue: string;
  apiKey?: string;
  tls?: { serverName?: string; clientCertPath?: string; clientKeyPath?: string; caPath?: string };
}

export interface ReviewDurations {
  remindAfterMs: number;
  escalateAfterMs: number;
  expireAfterMs: number;
}

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  databaseFile: string;
  /** DATABASE_URL: the app database on PostgreSQL (SPEC §8); the SQLite file when unset. */
  databaseUrl?: string;
  /** DATABASE_POOL_SIZE: connections per process to PostgreSQL. */
  databasePoolSize: number;
  photosDir: string;
  /** tesseract.js workers per worker process; each holds ~280 MB and one core while reading. */
  ocrWorkers: number;
  temporal: TemporalSettings;
  authSecret: string;
  piiKey: Buffer;
  review: ReviewDurations;
  lifecycle: LifecycleDurations;
  minAppVersion: string;
  sandbox: boolean;
  coreBankingUrl?: string;
  /** Money movements at the bank (SPEC §2, docs/core-banking.md). */
  money: {
    /** BANK_RETRY_INITIAL_MS / BANK_RETRY_MAX_MS: the bank leg's retry backoff, never giving up. */
    bankRetry: { initialMs: number; maxMs: number; attemptTimeoutMs: number };
    /** MONEY_ANSWER_WITHIN_MS: how long a top-up or withdrawal request waits before 202. */
    answerWithinMs: number;
  };
  smsWebhookUrl?: string;
  webhookUrl?: string;
  webhookSecret?: string;
  /** Staff notifications (review reminders, escalations) POSTed here, signed under WEBHOOK_SECRET. */
  staffWebhookUrl?: string;
  temporalUiUrl: string;
  logLevel: string;
  /** RATE_LIMIT_SCALE: multiplies every request rate limit (api/plugins/rate-limit.ts). */
  rateLimitScale: number;
}

/** SPEC §1 and §9: how long applications wait on their applicant, and ended ones keep data. */
export interface LifecycleDurations {
  /** APPLICATION_IDLE_EXPIRE_AFTER (default 7 d). */
  idleExpireAfterMs: number;
  /** RETENTION_AFTER (default 30 d): a FAILED or CANCELLED application's personal data. */
  retentionAfterMs: number;
}

type Env = Record<string, string | undefined>;

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "2h", "90m", "45s", "500ms", "7d" or plain milliseconds. */
export function parseDuration(variable: string, raw: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(raw.trim());
  if (!match)
    throw new ConfigError(variable, `must be a duration like 2h, 30m, 45s or 500ms (got "${raw}")`);
  const value = Number(match[1]) * UNITS[match[2] ?? 'ms']!;
  if (!Number.isFinite(value) || value <= 0) throw new ConfigError(variable, 'must be positive');
  return Math.round(value);
}

function readString(env: Env, name: string, fallback: string): string {
  const value = env[name]?.trim();
  return value ? value : fallback;
}

function readOptional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function readPort(env: Env, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError(name, `must be a port number 0–65535 (got "${raw}")`);
  return port;
}

/** A whole number from `min` to `max`, `fallback` when unset (bench/process-priority.ts too). */
export function readWholeNumber(
  env: Env,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new ConfigError(name, `must be a whole number from ${min} to ${max} (got "${raw}")`);
  return value;
}

function readScale(env: Env, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > 1_000_000)
    throw new ConfigError(name, `must be a positive number (got "${raw}")`);
  return value;
}

function readBool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(name, `must be 1 or 0 (got "${raw}")`);
}

function readUrl(env: Env, name: string): string | undefined {
  const raw = readOptional(env, name);
  if (raw === undefined) return undefined;
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('protocol');
  } catch {
    throw new ConfigError(name, `must be an http(s) URL (got "${raw}")`);
  }
  return raw;
}

/**
 * Reads a secret from the environment or from a file in DATA_DIR, creating that file with a
 * fresh random value on first start. `wx` makes the first of several processes starting at
 * once win; the others read what it wrote.
 */
function readOrCreateSecret(
  dataDir: string,
  fileName: string,
  fromEnv: string | undefined,
): string {
  if (fromEnv) return fromEnv;
  const path = join(dataDir, fileName);
  try {
    writeFileSync(path, randomBytes(32).toString('base64'), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  for (let attempt = 0; ; attempt++) {
    const value = readFileSync(path, 'utf8').trim();
    if (value || attempt > 50) return value;
    // Another process created the file an instant ago and has not written it yet.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
}

function decodeKey(variable: string, raw: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
  if (key.length !== 32)
    throw new ConfigError(variable, 'must be 32 bytes, as 64 hex digits or base64');
  return key;
}

function readDatabaseUrl(env: Env): string | undefined {
  const raw = readOptional(env, 'DATABASE_URL');
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('DATABASE_URL', 'must be a postgres:// URL');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')
    throw new ConfigError('DATABASE_URL', `must be a postgres:// URL (got "${url.protocol}//…")`);
  return raw;
}

/** The app's SQLite file in a data directory (DATA_DIR). */
export function databaseFileIn(dataDir: string): string {
  return join(dataDir, 'app.db');
}

export function loadConfig(env: Env = process.env): Config {
  const dataDir = resolve(readString(env, 'DATA_DIR', './data'));
  mkdirSync(dataDir, { recursive: true });

  const authSecret = readOrCreateSecret(dataDir, 'auth-secret', readOptional(env, 'AUTH_SECRET'));
  if (authSecret.length < 32)
    throw new ConfigError('AUTH_SECRET', 'must be at least 32 characters');
  const piiKey = decodeKey(
    'PII_KEY',
    readOrCreateSecret(dataDir, 'pii-key', readOptional(env, 'PII_KEY')),
  );

  const review = {
    remindAfterMs: parseDuration(
      'REVIEW_REMIND_AFTER',
      readString(env, 'REVIEW_REMIND_AFTER', '2h'),
    ),
    escalateAfterMs: parseDuration(
      'REVIEW_ESCALATE_AFTER',
      readString(env, 'REVIEW_ESCALATE_AFTER', '4h'),
    ),
    expireAfterMs: parseDuration(
      'REVIEW_EXPIRE_AFTER',
      readString(env, 'REVIEW_EXPIRE_AFTER', '48h'),
    ),
  };
  if (!(
    review.remindAfterMs <= review.escalateAfterMs && review.escalateAfterMs <= review.expireAfterMs
  ))
    throw new ConfigError(
      'REVIEW_REMIND_AFTER',
      'must not exceed REVIEW_ESCALATE_AFTER, which must not exceed REVIEW_EXPIRE_AFTER',
    );

  const lifecycle: LifecycleDurations = {
    idleExpireAfterMs: parseDuration(
      'APPLICATION_IDLE_EXPIRE_AFTER',
      readString(env, 'APPLICATION_IDLE_EXPIRE_AFTER', '7d'),
    ),
    retentionAfterMs: parseDuration('RETENTION_AFTER', readString(env, 'RETENTION_AFTER', '30d')),
  };

  const minAppVersion = readString(env, 'MIN_APP_VERSION', '1.0.0');
  if (!/^\d+(\.\d+){0,3}$/.test(minAppVersion))
    throw new ConfigError(
      'MIN_APP_VERSION',
      `must be a version like 3.2.0 (got "${minAppVersion}")`,
    );

  const sandbox = readBool(env, 'SANDBOX', true);
  const coreBankingUrl = readUrl(env, 'CORE_BANKING_URL');
  const smsWebhookUrl = readUrl(env, 'SMS_WEBHOOK_URL');
  if (!sandbox && !coreBankingUrl)
    throw new ConfigError('CORE_BANKING_URL', 'is required when SANDBOX=0');
  if (!sandbox && !smsWebhookUrl)
    throw new ConfigError('SMS_WEBHOOK_URL', 'is required when SANDBOX=0');
  const webhookUrl = readUrl(env, 'WEBHOOK_URL');
  const webhookSecret = readOptional(env, 'WEBHOOK_SECRET');
  if (webhookUrl && !webhookSecret)
    throw new ConfigError('WEBHOOK_SECRET', 'is required when WEBHOOK_URL is set');
  const staffWebhookUrl = readUrl(env, 'STAFF_WEBHOOK_URL');
  if (staffWebhookUrl && !webhookSecret)
    throw new ConfigError('WEBHOOK_SECRET', 'is required when STAFF_WEBHOOK_URL is set');

  const address = readString(env, 'TEMPORAL_ADDRESS', 'localhost:7233');
  if (!/^[^\s:/]+:\d{1,5}$/.test(address))
    throw new ConfigError('TEMPORAL_ADDRESS', `must be host:port (got "${address}")`);
  const clientCertPath = readOptional(env, 'TEMPORAL_TLS_CERT');
  const clientKeyPath = readOptional(env, 'TEMPORAL_TLS_KEY');
  if (Boolean(clientCertPath) !== Boolean(clientKeyPath))
    throw new ConfigError('TEMPORAL_TLS_CERT', 'and TEMPORAL_TLS_KEY must be set together');
  const apiKey = readOptional(env, 'TEMPORAL_API_KEY');
  const tlsOn = readBool(env, 'TEMPORAL_TLS', Boolean(clientCertPath || apiKey));
  const temporal: TemporalSettings = {
    address,
    namespace: readString(env, 'TEMPORAL_NAMESPACE', 'default'),
    taskQueue: readString(env, 'TEMPORAL_TASK_QUEUE', 'wallet-onboarding'),
    ...(apiKey ? { apiKey } : {}),
    ...(tlsOn
      ? {
          tls: {
            serverName: readOptional(env, 'TEMPORAL_TLS_SERVER_NAME'),
            clientCertPath,
            clientKeyPath,
            caPath: readOptional(env, 'TEMPORAL_TLS_CA'),
          },
        }
      : {}),
  };

  return {
    host: readString(env, 'HOST', '127.0.0.1'),
    port: readPort(env, 'PORT', 3000),
    dataDir,
    databaseFile: databaseFileIn(dataDir),
    databaseUrl: readDatabaseUrl(env),
    databasePoolSize: readWholeNumber(env, 'DATABASE_POOL_SIZE', 10, 1, 1000),
    photosDir: join(dataDir, 'photos'),
    ocrWorkers: readWholeNumber(env, 'OCR_WORKERS', 1, 1, 16),
    temporal,
    authSecret,
    piiKey,
    review,
    lifecycle,
    minAppVersion,
    sandbox,
    coreBankingUrl,
    money: {
      bankRetry: {
        initialMs: readWholeNumber(env, 'BANK_RETRY_INITIAL_MS', 1_000, 10, 3_600_000),
        maxMs: readWholeNumber(env, 'BANK_RETRY_MAX_MS', 60_000, 10, 86_400_000),
        attemptTimeoutMs: readWholeNumber(env, 'BANK_ATTEMPT_TIMEOUT_MS', 30_000, 1_000, 300_000),
      },
      answerWithinMs: readWholeNumber(env, 'MONEY_ANSWER_WITHIN_MS', 3_000, 0, 30_000),
    },
    smsWebhookUrl,
    webhookUrl,
    webhookSecret,
    staffWebhookUrl,
    temporalUiUrl: readString(env, 'TEMPORAL_UI_URL', 'http://127.0.0.1:8233'),
    logLevel: readString(env, 'LOG_LEVEL', 'info'),
    rateLimitScale: readScale(env, 'RATE_LIMIT_SCALE', 1),
  };
}
