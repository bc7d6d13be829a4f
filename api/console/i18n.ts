// The console's words: zh-CN by default, English with ?lang=en (remembered in a cookie). Controls
// carry their English name as aria-label whatever the language, so tests and screen readers
// find them by one stable name (SPEC §7).
import { PROBLEM_TEXTS_ZH } from './problem-texts';

export const LANGUAGES = ['zh-CN', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

const ZH: Record<string, string> = {
  Console: '后台',
  Queue: '审核队列',
  Notifications: '通知',
  Wallets: '钱包',
  'Watch list': '观察名单',
  Alerts: '风险提醒',
  Audit: '审计日志',
  'Sign in': '登录',
  'Sign out': '退出',
  Username: '用户名',
  Password: '密码',
  Application: '申请',
  Waiting: '已等待',
  'Time left': '剩余时间',
  Risk: '风险',
  Flags: '标记',
  Approvals: '批准数',
  'Claimed by': '认领人',
  Reminded: '已提醒',
  Escalated: '已升级',
  Claim: '认领',
  Release: '释放',
  Approve: '批准',
  Reject: '驳回',
  Filter: '筛选',
  All: '全部',
  Mine: '我认领的',
  Unclaimed: '未认领',
  Cases: '案件数',
  'First page': '第一页',
  'Next page': '下一页',
  Status: '状态',
  Submitted: '提交的信息',
  'Read by OCR': 'OCR 识别',
  Field: '字段',
  Name: '姓名',
  'ID number': '身份证号',
  Phone: '手机号',
  'Bank card': '银行卡',
  Differs: '不一致',
  Changed: '已修改',
  'Changes since the last rejection': '上次驳回后的修改',
  Rejected: '驳回时间',
  Resubmitted: '重新提交时间',
  Before: '修改前',
  Now: '现在',
  Replaced: '已更换',
  Unchanged: '未更换',
  'Photo metrics': '照片指标',
  Guardian: '监护人',
  Decisions: '审核记录',
  Reviewer: '审核人',
  Decision: '结论',
  'Reason code': '原因代码',
  'Reject type': '驳回类型',
  'Message to applicant': '给申请人的说明',
  'Internal note': '内部备注',
  'Approvals still needed': '仍需批准数',
  'Audit trail': '审计记录',
  When: '时间',
  Actor: '操作人',
  Action: '操作',
  Subject: '对象',
  Detail: '详情',
  'Look up': '查询',
  'Wallet or application id': '钱包或申请编号',
  Wallet: '钱包',
  Tier: '等级',
  Balance: '余额（分）',
  Reason: '原因',
  Freeze: '冻结',
  Unfreeze: '解冻',
  'Import watch list': '导入观察名单',
  'Birth date': '出生日期',
  Source: '来源',
  Aliases: '别名',
  Remove: '删除',
  Score: '分数',
  Entry: '名单条目',
  Search: '搜索',
  'Nothing here.': '暂无内容。',
  Template: '类型',
  Recipient: '接收人',
  'Temporal UI': 'Temporal 界面',
  Resubmissions: '重新提交次数',
  'Wrong username or password.': '用户名或密码错误。',
  'This account is locked for a while after repeated failures.': '多次失败，账户已暂时锁定。',
  'Too many sign-in attempts from this address. Try again in {minutes} min.':
    '此地址登录尝试次数过多，请 {minutes} 分钟后再试。',
  'Your role may not do this.': '您的角色无权执行此操作。',
  'Signed in as': '当前用户',
  Photo: '照片',
  yes: '是',
  no: '否',
};

const EN: Record<string, string> = {
  'problem:CASE_CLAIMED_BY_OTHER': 'Another reviewer has claimed this case.',
};

for (const [code, text] of Object.entries(PROBLEM_TEXTS_ZH)) ZH[`problem:${code}`] = text;

export function translator(language: Language): (text: string) => string {
  return language === 'en' ? (text) => EN[text] ?? text : (text) => ZH[text] ?? text;
}

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}
