// The statement's CSV (SPEC §2.1): RFC 4180 quoting and no cell a spreadsheet would run as a
// formula; the deregistration's confirmation step and its SMS say it is the last chance.
import { describe, expect, it } from 'vitest';
import { csvCell, csvRow } from '../../api/statement-csv';
import { deregistrationNextStep } from '../../domain/deregistration-steps';
import { renderNotification } from '../../notifications/templates';

describe('statement CSV cells', () => {
  it.each([
    ['=HYPERLINK("http://x")', `"'=HYPERLINK(""http://x"")"`],
    ['+1+1', "'+1+1"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\t=1', "'\t=1"],
    ['a,b', '"a,b"'],
    ['line\nbreak', '"line\nbreak"'],
    ['plain', 'plain'],
    [1200, '1200'],
    [null, ''],
  ])('%j → %s', (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });

  it('ends rows with CRLF', () => {
    expect(csvRow(['a', 1, null])).toBe('a,1,\r\n');
  });
});

describe('the last chance to download the statement', () => {
  it('is the next action while the closure awaits confirmation', () => {
    expect(deregistrationNextStep('AWAITING_CONFIRMATION', 'w_1')).toEqual({
      nextAction: 'DOWNLOAD_STATEMENT_AND_CONFIRM',
      message: expect.stringContaining('Last chance to download your statement'),
      statementUrl: '/v1/wallets/w_1/statement?format=csv',
    });
    expect(deregistrationNextStep('CLOSED', 'w_1')).toEqual({ nextAction: 'NONE' });
    expect(deregistrationNextStep('AWAITING_BALANCE_CLEARANCE', 'w_1').nextAction).toBe(
      'CLEAR_BALANCE',
    );
  });

  it('is in the confirmation SMS, in Chinese and English', () => {
    const text = renderNotification('DEREGISTRATION_STATUS', { status: 'AWAITING_CONFIRMATION' });
    expect(text).toContain('下载交易明细的最后机会');
    expect(text).toContain('last chance to download your statement');
  });
});
