// What people read: every message the app sends, in Chinese then English. Pure, so the texts can
// be tested without a database and the workflow can import the template names as types.
import { APPLICATION_STATUSES, REASON_CODES, type ReasonCode } from '../domain/codes';
import { reasonMessage } from '../domain/messages';

export const NOTIFICATION_TEMPLATES = [
  'OTP',
  'STATUS_CHANGED',
  'GUARDIAN_CONSENT_REQUESTED',
  'REVIEW_REQUESTED',
  'REVIEW_REMINDER',
  'REVIEW_ESCALATION',
  'REVIEW_TIMEOUT',
  'RESUBMISSION_REQUESTED',
  'WALLET_ACTIVATED',
  'WALLET_FROZEN',
  'WALLET_UNFROZEN',
  'TRANSFER_RECEIVED',
  'DEREGISTRATION_STATUS',
] as const;
export type NotificationTemplate = (typeof NOTIFICATION_TEMPLATES)[number];

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

const STATUS_ZH: Record<(typeof APPLICATION_STATUSES)[number], string> = {
  AWAITING_PHONE_VERIFICATION: '待验证手机号',
  AWAITING_ID_PHOTO: '待上传身份证照片',
  AWAITING_GUARDIAN_CONSENT: '待监护人同意',
  PENDING_REVIEW: '审核中',
  REJECTED: '未通过审核',
  AWAITING_PAYMENT_PASSWORD: '待设置支付密码',
  ACTIVE: '已开通',
  FAILED: '已失败',
  CANCELLED: '已取消',
};

const STATUS_EN: Record<(typeof APPLICATION_STATUSES)[number], string> = {
  AWAITING_PHONE_VERIFICATION: 'waiting for phone verification',
  AWAITING_ID_PHOTO: 'waiting for your ID photo',
  AWAITING_GUARDIAN_CONSENT: "waiting for your guardian's consent",
  PENDING_REVIEW: 'under review',
  REJECTED: 'not approved',
  AWAITING_PAYMENT_PASSWORD: 'approved: please set your payment password',
  ACTIVE: 'active',
  FAILED: 'closed without a wallet',
  CANCELLED: 'cancelled',
};

const TIER_ZH: Record<string, string> = {
  STANDARD: '标准钱包',
  RESTRICTED: '受限钱包',
  GUARDIAN: '监护钱包',
};

function isStatus(value: string): value is (typeof APPLICATION_STATUSES)[number] {
  return (APPLICATION_STATUSES as readonly string[]).includes(value);
}

/** A reason code becomes its message; free text is kept as given. */
function reasonText(reason: string | undefined): string {
  if (!reason) return '';
  return (REASON_CODES as readonly string[]).includes(reason)
    ? reasonMessage(reason as ReasonCode)
    : reason;
}

type Params = Record<string, string>;

function need(params: Params, template: NotificationTemplate, ...names: string[]): string[] {
  return names.map((name) => {
    const value = params[name];
    if (value === undefined || value === '')
      throw new TemplateError(`Template ${template} needs the parameter "${name}"`);
    return value;
  });
}

const RENDER: Record<NotificationTemplate, (p: Params) => string> = {
  OTP: (p) => {
    const [code] = need(p, 'OTP', 'code');
    const minutes = p.minutes || '5';
    return `【钱包】验证码 ${code}，${minutes}分钟内有效，请勿告诉他人。Your code is ${code}, valid for ${minutes} minutes. Never share it.`;
  },
  STATUS_CHANGED: (p) => {
    const [status] = need(p, 'STATUS_CHANGED', 'status');
    if (!isStatus(status!)) throw new TemplateError(`Unknown application status "${status}"`);
    const reason = reasonText(p.reason);
    return (
      `【钱包】您的钱包开通申请状态：${STATUS_ZH[status]}。` +
      `Your wallet application is ${STATUS_EN[status]}${reason ? `: ${reason}` : '.'}`
    );
  },
  GUARDIAN_CONSENT_REQUESTED: () =>
    '【钱包】申请人未满16周岁，需监护人同意后方可继续。' +
    'As the applicant is under 16, a guardian must consent before the application continues.',
  REVIEW_REQUESTED: (p) => {
    const [id] = need(p, 'REVIEW_REQUESTED', 'applicationId');
    const risk = p.riskLevel ? ` (risk ${p.riskLevel})` : '';
    return `Application ${id} is waiting for review${risk}. 新申请待审核。`;
  },
  REVIEW_REMINDER: (p) => {
    const [id] = need(p, 'REVIEW_REMINDER', 'applicationId');
    const due = p.dueAt ? `; due ${p.dueAt}` : '';
    return `Reminder: application ${id} is still waiting for review${due}. 提醒：申请待审核。`;
  },
  REVIEW_ESCALATION: (p) => {
    const [id] = need(p, 'REVIEW_ESCALATION', 'applicationId');
    const due = p.dueAt ? `; it expires ${p.dueAt}` : '';
    return `Escalation: application ${id} has waited too long for review${due}. 升级：申请审核超时预警。`;
  },
  REVIEW_TIMEOUT: () =>
    '【钱包】很抱歉，您的钱包开通申请未能在规定时间内完成审核，申请已关闭，您可重新申请。' +
    'Sorry, your wallet application could not be reviewed in time and has been closed. You may apply again.',
  RESUBMISSION_REQUESTED: (p) => {
    const reason = reasonText(p.reason);
    const until = p.deadline ? ` by ${p.deadline}` : ' within 7 days';
    return (
      '【钱包】您的申请需要补正，请在7天内修改后重新提交。' +
      `Your application needs a correction${reason ? ` (${reason})` : ''}; please resubmit${until}.`
    );
  },
  WALLET_ACTIVATED: (p) => {
    const tier = p.tier ? (TIER_ZH[p.tier] ?? p.tier) : '';
    return (
      `【钱包】您的${tier || '钱包'}已开通，欢迎使用。` +
      `Your wallet is active${p.walletId ? ` (${p.walletId})` : ''}. Welcome!`
    );
  },
  // Risk monitoring or ops froze the wallet (SPEC §2). Says what to do, not which rule fired.
  WALLET_FROZEN: () =>
    '【钱包】为保障资金安全，您的钱包已被冻结，暂停充值、提现和支付。如非本人操作或需解冻，请联系客服。' +
    'For your security your wallet has been frozen: top-ups, withdrawals and payments are paused. ' +
    'Please contact customer service.',
  WALLET_UNFROZEN: () =>
    '【钱包】您的钱包已解冻，可正常使用。Your wallet has been unfrozen and can be used again.',
  // A transfer in (SPEC §2.1): the amount only; who sent it is in the app, not in an SMS.
  TRANSFER_RECEIVED: (p) => {
    const [amount] = need(p, 'TRANSFER_RECEIVED', 'amount');
    const fen = Number(amount);
    if (!Number.isSafeInteger(fen) || fen <= 0)
      throw new TemplateError(`TRANSFER_RECEIVED: bad amount "${amount}"`);
    const yuan = `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
    return `【钱包】您收到一笔转账，金额¥${yuan}。You received a transfer of CNY ${yuan}.`;
  },
  DEREGISTRATION_STATUS: (p) => {
    const [status] = need(p, 'DEREGISTRATION_STATUS', 'status');
    const text = DEREGISTRATION_TEXT[status!];
    if (!text) throw new TemplateError(`Unknown deregistration status "${status}"`);
    const reason = reasonText(p.reason);
    return `【钱包】${text[0]} ${text[1]}${reason ? ` (${reason})` : ''}`;
  },
};

const DEREGISTRATION_TEXT: Record<string, [string, string]> = {
  AWAITING_BALANCE_CLEARANCE: [
    '注销申请已受理，请在7天内将余额清零。',
    'We received your request to close the wallet: please bring the balance to zero within 7 days.',
  ],
  AWAITING_CONFIRMATION: [
    '请确认注销钱包，注销后记录无法恢复。这是下载交易明细的最后机会，请先在应用中下载。',
    'Please confirm the closure: the records cannot be recovered afterwards. This is your last chance to download your statement: do it in the app first.',
  ],
  CLOSED: [
    '您的钱包已注销，个人信息已删除。',
    'Your wallet is closed and your personal data erased.',
  ],
  CANCELLED: [
    '钱包注销已取消，钱包仍可使用。',
    'The closure was cancelled; your wallet stays open.',
  ],
};

export function isNotificationTemplate(value: string): value is NotificationTemplate {
  return (NOTIFICATION_TEMPLATES as readonly string[]).includes(value);
}

/** The text a person reads; TemplateError for an unknown template or a missing parameter. */
export function renderNotification(template: NotificationTemplate, params: Params): string {
  if (!isNotificationTemplate(template))
    throw new TemplateError(`Unknown template "${String(template)}"`);
  return RENDER[template](params);
}
