// Every code the console can show (an API problem's code, any reason code) has its zh-CN text:
// a refusal on a Chinese page is never a bare English sentence.
import { describe, expect, it } from 'vitest';
import { translator } from '../../api/console/i18n';
import { HTTP_ERROR_CODES, REASON_CODES } from '../../domain/codes';

const CODES = [
  ...REASON_CODES,
  ...HTTP_ERROR_CODES,
  'IDEMPOTENCY_KEY_REUSED',
  'HEADERS_TOO_LARGE',
  'REQUEST_TIMEOUT',
];

describe('console problem texts', () => {
  const zh = translator('zh-CN');
  it.each(CODES)('%s has a Chinese text', (code) => {
    const text = zh(`problem:${code}`);
    expect(text).not.toBe(`problem:${code}`);
    expect(text).toMatch(/\p{Script=Han}/u);
  });
});
