import { describe, expect, it } from 'vitest';
import {
  NOTIFICATION_TEMPLATES,
  renderNotification,
  TemplateError,
  type NotificationTemplate,
} from '../../notifications/templates';
import { APPLICATION_STATUSES } from '../../domain/codes';

const sample: Record<NotificationTemplate, Record<string, string>> = {
  OTP: { code: '123456' },
  STATUS_CHANGED: { status: 'PENDING_REVIEW' },
  GUARDIAN_CONSENT_REQUESTED: {},
  REVIEW_REQUESTED: { applicationId: 'app-1' },
  REVIEW_REMINDER: { applicationId: 'app-1' },
  REVIEW_ESCALATION: { applicationId: 'app-1' },
  REVIEW_TIMEOUT: {},
  RESUBMISSION_REQUESTED: {},
  WALLET_ACTIVATED: { walletId: 'w_1', tier: 'STANDARD' },
  WALLET_FROZEN: {},
  WALLET_UNFROZEN: {},
  TRANSFER_RECEIVED: { amount: '12305' },
  DEREGISTRATION_STATUS: { status: 'CLOSED' },
};

describe('notification templates', () => {
  it('tells the payee the amount of a transfer received, in yuan', () => {
    expect(renderNotification('TRANSFER_RECEIVED', { amount: '12305' })).toContain('¥123.05');
    expect(renderNotification('TRANSFER_RECEIVED', { amount: '7' })).toContain('CNY 0.07');
    expect(() => renderNotification('TRANSFER_RECEIVED', { amount: '-1' })).toThrow(TemplateError);
  });

  it('puts the one-time code in the SMS, in Chinese and English', () => {
    const text = renderNotification('OTP', { code: '042917' });
    expect(text).toContain('验证码 042917');
    expect(text).toContain('Your code is 042917, valid for 5 minutes');
    expect(renderNotification('OTP', { code: '1', minutes: '10' })).toContain('10分钟');
  });

  it.each(NOTIFICATION_TEMPLATES)('renders %s', (template) => {
    const text = renderNotification(template, sample[template]);
    expect(text.length).toBeGreaterThan(10);
    expect(text).not.toMatch(/undefined|\$\{/);
  });

  it.each(APPLICATION_STATUSES)('has words for the status %s', (status) => {
    expect(renderNotification('STATUS_CHANGED', { status })).toMatch(/^【钱包】.+Your wallet/);
  });

  it('explains a reason code, and keeps free text as given', () => {
    expect(
      renderNotification('STATUS_CHANGED', { status: 'FAILED', reason: 'REVIEW_TIMEOUT' }),
    ).toContain('The review could not be completed in time.');
    expect(
      renderNotification('RESUBMISSION_REQUESTED', { reason: 'Please retake the photo' }),
    ).toContain('Please retake the photo');
  });

  it('refuses missing parameters, unknown statuses and unknown templates', () => {
    expect(() => renderNotification('OTP', {})).toThrow(TemplateError);
    expect(() => renderNotification('STATUS_CHANGED', { status: 'NOPE' })).toThrow(TemplateError);
    expect(() => renderNotification('NOPE' as NotificationTemplate, {})).toThrow(TemplateError);
  });
});
