// What the console says in Chinese for every code an API answer can carry (reason codes, HTTP
// problem codes): staff read refusals in their language, never a bare English sentence. A code
// added to domain/codes.ts without a text here fails test/unit/console-problem-texts.test.ts.
import type { ProblemCode } from '../problem';

export const PROBLEM_TEXTS_ZH: Record<ProblemCode, string> = {
  // Review reasons.
  DOCUMENT_SUSPICIOUS: '证件可疑，无法受理。',
  INFORMATION_INCONSISTENT: '提供的信息与记录不一致。',
  WATCHLIST_MATCH: '与观察名单匹配。',
  OTHER: '其他原因。',
  // Fields and eligibility.
  INVALID_NAME: '姓名须为 2–50 个汉字，姓名各部分用 · 连接。',
  INVALID_ID_NUMBER: '身份证号不是有效的 18 位居民身份证号码。',
  INVALID_PHONE: '手机号须为以 13–19 开头的 11 位数字。',
  INVALID_BANK_CARD: '银行卡号无效。',
  BANK_ACCOUNT_NOT_FOUND: '未找到该银行卡对应的账户。',
  BANK_ACCOUNT_NOT_NORMAL: '银行账户已冻结或已销户。',
  BANK_ACCOUNT_HOLDER_MISMATCH: '银行卡不属于所填写的人。',
  REAL_NAME_NOT_VERIFIED: '银行账户未完成实名认证。',
  APP_VERSION_TOO_OLD: '应用版本过低，请更新后继续。',
  ALREADY_HAS_WALLET: '此人已有钱包。',
  APPLICATION_IN_PROGRESS: '此人已有进行中的申请。',
  // Phone verification.
  OTP_INVALID: '验证码错误。',
  OTP_EXPIRED: '验证码已过期。',
  OTP_ATTEMPTS_EXCEEDED: '验证码错误次数过多。',
  OTP_RESEND_TOO_SOON: '请稍后再重新发送验证码。',
  // ID photo.
  PHOTO_UNREADABLE: '无法读取照片。',
  PHOTO_UNSUPPORTED_FORMAT: '照片须为 JPEG、PNG 或 WebP 格式。',
  PHOTO_TOO_LARGE: '照片过大（最大 10 MB、4000 万像素）。',
  PHOTO_TOO_SMALL: '照片或其中的证件过小。',
  PHOTO_BLURRY: '照片模糊。',
  PHOTO_GLARE: '证件上有反光。',
  PHOTO_TOO_DARK: '照片过暗。',
  PHOTO_CARD_NOT_FOUND: '照片中未找到证件。',
  PHOTO_NO_ID_NUMBER: '照片中未识别到身份证号。',
  PHOTO_FIELDS_MISMATCH: '照片中的信息与填写的不一致。',
  PHOTO_ATTEMPTS_EXCEEDED: '照片上传次数已用完。',
  // Guardian, review, resubmission.
  GUARDIAN_INVALID: '监护人信息无效。',
  GUARDIAN_CONSENT_EXPIRED: '监护人同意已超时。',
  REVIEW_REJECTED: '审核未通过。',
  REVIEW_TIMEOUT: '审核超时。',
  RESUBMISSION_EXPIRED: '重新提交已超时。',
  APPLICATION_EXPIRED: '申请长时间未操作，已失效。',
  RESUBMISSION_LIMIT_REACHED: '重新提交次数已达上限。',
  // Wallet and money.
  PAYMENT_PASSWORD_WEAK: '支付密码过于简单。',
  PAYMENT_PASSWORD_INVALID: '支付密码错误。',
  PAYMENT_PASSWORD_LOCKED: '支付密码错误次数过多，已暂时锁定。',
  INVALID_LOGIN_PASSWORD: '登录密码不符合要求。',
  LIMIT_EXCEEDED: '超出限额。',
  INSUFFICIENT_BALANCE: '余额不足。',
  WALLET_FROZEN: '钱包已冻结。',
  BALANCE_NOT_ZERO: '余额不为零。',
  PENDING_TRANSACTIONS: '有未完成的交易。',
  // State and claims.
  INVALID_STATE: '当前状态下无法执行此操作。',
  CASE_CLAIMED_BY_OTHER: '该案件已被其他审核人认领。',
  // HTTP problems.
  VALIDATION_FAILED: '输入有误，请检查后重试。',
  MALFORMED_REQUEST: '请求格式有误。',
  UNAUTHORIZED: '请先登录。',
  FORBIDDEN: '您的角色无权执行此操作。',
  NOT_FOUND: '未找到。',
  CONFLICT: '操作冲突，请刷新后重试。',
  PAYLOAD_TOO_LARGE: '提交的内容过大。',
  UNSUPPORTED_MEDIA_TYPE: '不支持的内容类型。',
  TOO_MANY_REQUESTS: '请求过于频繁，请稍后再试。',
  TEMPORAL_UNAVAILABLE: '流程服务暂不可用，请稍后重试。',
  SERVICE_UNAVAILABLE: '暂时无法读取，请稍后重试。',
  REQUEST_PENDING: '请求仍在处理中，请稍后刷新。',
  INTERNAL_ERROR: '内部错误，请稍后重试。',
  IDEMPOTENCY_KEY_REUSED: '该幂等键已用于另一个请求。',
  HEADERS_TOO_LARGE: '请求头过大。',
  REQUEST_TIMEOUT: '请求超时，请重试。',
};
