import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, parseDuration } from '../../config/config';

const dirs: string[] = [];
function dataDir() {
  const dir = mkdtempSync(join(tmpdir(), 'wallet-config-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('configuration', () => {
  it('runs on embedded defaults (SPEC §6)', () => {
    const dir = dataDir();
    const config = loadConfig({ DATA_DIR: dir });
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      dataDir: dir,
      databaseFile: join(dir, 'app.db'),
      temporal: { address: 'localhost:7233', namespace: 'default', taskQueue: 'wallet-onboarding' },
      review: {
        remindAfterMs: 2 * 3600_000,
        escalateAfterMs: 4 * 3600_000,
        expireAfterMs: 48 * 3600_000,
      },
      sandbox: true,
    });
    expect(config.temporal.tls).toBeUndefined();
    expect(config.piiKey).toHaveLength(32);
  });

  it('generates AUTH_SECRET and PII_KEY into DATA_DIR once, private to the owner', () => {
    const dir = dataDir();
    const first = loadConfig({ DATA_DIR: dir });
    const second = loadConfig({ DATA_DIR: dir });
    expect(second.authSecret).toBe(first.authSecret);
    expect(second.piiKey.equals(first.piiKey)).toBe(true);
    expect(readFileSync(join(dir, 'auth-secret'), 'utf8')).toBe(first.authSecret);
    expect(statSync(join(dir, 'pii-key')).mode & 0o777).toBe(0o600);
    const other = loadConfig({ DATA_DIR: dataDir() });
    expect(other.authSecret).not.toBe(first.authSecret);
  });

  it('prefers secrets from the environment', () => {
    const key = 'ab'.repeat(32);
    const config = loadConfig({ DATA_DIR: dataDir(), AUTH_SECRET: 'x'.repeat(40), PII_KEY: key });
    expect(config.authSecret).toBe('x'.repeat(40));
    expect(config.piiKey.toString('hex')).toBe(key);
  });

  it.each([
    ['PORT', 'eighty', /PORT/],
    ['PORT', '70000', /PORT/],
    ['TEMPORAL_ADDRESS', 'localhost', /TEMPORAL_ADDRESS/],
    ['REVIEW_REMIND_AFTER', 'soon', /REVIEW_REMIND_AFTER/],
    ['REVIEW_EXPIRE_AFTER', '1h', /REVIEW_REMIND_AFTER/],
    ['MIN_APP_VERSION', 'latest', /MIN_APP_VERSION/],
    ['SANDBOX', 'maybe', /SANDBOX/],
    ['SANDBOX', '0', /CORE_BANKING_URL/],
    ['PII_KEY', 'c2hvcnQ=', /PII_KEY/],
    ['AUTH_SECRET', 'short', /AUTH_SECRET/],
    ['WEBHOOK_URL', 'ftp://x', /WEBHOOK_URL/],
    ['WEBHOOK_URL', 'https://hooks.example/x', /WEBHOOK_SECRET/],
    ['TEMPORAL_TLS_CERT', '/tmp/cert.pem', /TEMPORAL_TLS_CERT/],
  ])('fails fast on %s=%s, naming the variable', (name, value, message) => {
    expect(() => loadConfig({ DATA_DIR: dataDir(), [name]: value })).toThrow(message);
  });

  it('reads durations with units', () => {
    expect(parseDuration('X', '2h')).toBe(7_200_000);
    expect(parseDuration('X', '90m')).toBe(5_400_000);
    expect(parseDuration('X', '45s')).toBe(45_000);
    expect(parseDuration('X', '500ms')).toBe(500);
    expect(parseDuration('X', '7d')).toBe(604_800_000);
    expect(parseDuration('X', '1500')).toBe(1500);
    expect(() => parseDuration('X', '0s')).toThrow(/X/);
    expect(() => parseDuration('X', '-1h')).toThrow(/X/);
  });

  it('turns on TLS for an API key (Temporal Cloud)', () => {
    const config = loadConfig({
      DATA_DIR: dataDir(),
      TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233',
      TEMPORAL_API_KEY: 'key',
    });
    expect(config.temporal.apiKey).toBe('key');
    expect(config.temporal.tls).toBeDefined();
  });
});
