// Chinese first; English labels for every string. The choice is a display preference, kept in localStorage.
const KEY = 'jp.dashboard.lang';

const zh = {
  title: '联合惩戒督办台', subtitle: '发起—实施—反馈', signIn: '登录', signOut: '退出登录', token: '访问令牌 (Bearer token)',
  tokenHelp: '输入管理员或部门的 API 令牌。令牌只保存在本标签页内，关闭即清除。',
  expired: '令牌无效或已过期，请重新登录。', wrongToken: '令牌不正确，请检查后重试。', signedOut: '已退出登录。',
  overview: '总览', overdue: '逾期与督办', entries: '名单条目', rules: '备忘录与措施', jobs: '定时任务', myOrders: '本部门任务',
  orders: '惩戒任务', department: '部门', issued: '已发起', implemented: '已实施', notApplicable: '不适用', pending: '待反馈',
  overdueN: '逾期', escalated: '已督办', lifted: '已解除', feedbackRate: '反馈率', total: '合计', generatedAt: '统计时间',
  trend: '每周发起与反馈趋势', week: '周', fedBack: '已反馈', deskFeedback: '核查命中的窗口反馈', subject: '主体',
  measures: '措施', dueAt: '反馈期限', issuedAt: '发起时间', escalationLevel: '督办级别', daysOverdue: '逾期天数',
  listType: '名单类型', status: '状态', exportCsv: '导出 CSV', exportXlsx: '导出 Excel', print: '打印', next: '下一页',
  prev: '上一页', all: '全部', search: '查询', searchHelp: '统一社会信用代码或公民身份号码（结果中身份号码已脱敏）',
  uscc: '统一社会信用代码', reason: '列入事由', decisionNo: '决定文号', decidedAt: '决定日期', expiresAt: '到期日',
  authority: '列入机关', removal: '移出', history: '变更记录', at: '时间', actor: '操作者', action: '操作', details: '内容',
  feedback: '反馈', note: '说明', caseRef: '案卷号', submit: '提交反馈', outcome: '反馈结果', notFound: '未找到该记录。',
  noRows: '没有记录。', memoranda: '备忘录与法律', documentNo: '文号', verified: '已核实', provisional: '待核实',
  basis: '法律依据', provenance: '出处核实', measure: '措施', jobName: '任务', schedule: '计划 (北京时间)', lastRun: '最近一次运行',
  outcomeLabel: '结果', counts: '计数', never: '尚未运行', calendar: '工作日日历', calendarWarning: '工作日日历即将用尽，请更新节假日安排。',
  entry: '条目', order: '任务', openEntry: '查看条目', feedbackSaved: '反馈已提交。', language: 'English', loading: '加载中…',
  of: '共', items: '条', error: '出错了', lists: '名单', departments: '部门', scenarios: '适用场景', yes: '是', no: '否',
  orderFor: '致', rows: '行', signedInAs: '当前身份', admin: '管理员', supervisor: '督办部门', sortBy: '按此列排序',
  chooseMemorandum: '选择备忘录', person: '自然人', enterprise: '企业', relatedPersons: '相关人员', legalRep: '法定代表人',
};

const en = {
  title: 'Joint-punishment supervision desk', subtitle: 'initiate → implement → feedback', signIn: 'Sign in', signOut: 'Sign out',
  token: 'Access token (Bearer token)', tokenHelp: "Enter the administrator's or a department's API token. It is kept in this tab only and cleared when the tab closes.",
  expired: 'The token is not valid or has expired. Please sign in again.', wrongToken: 'The token is not correct; check it and try again.',
  signedOut: 'Signed out.', overview: 'Overview', overdue: 'Overdue & escalated', entries: 'List entries', rules: 'Memoranda & measures',
  jobs: 'Scheduled jobs', myOrders: 'Our orders', orders: 'Restriction orders', department: 'Department', issued: 'Issued',
  implemented: 'Implemented', notApplicable: 'Not applicable', pending: 'Pending', overdueN: 'Overdue', escalated: 'Escalated',
  lifted: 'Lifted', feedbackRate: 'Feedback rate', total: 'Total', generatedAt: 'As of', trend: 'Orders issued and fed back per week',
  week: 'Week', fedBack: 'Fed back', deskFeedback: 'Desk feedback on check hits', subject: 'Subject', measures: 'Measures',
  dueAt: 'Feedback due', issuedAt: 'Issued', escalationLevel: 'Escalation', daysOverdue: 'Days overdue', listType: 'List',
  status: 'Status', exportCsv: 'Export CSV', exportXlsx: 'Export Excel', print: 'Print', next: 'Next page', prev: 'Previous page',
  all: 'All', search: 'Search', searchHelp: 'USCC or citizen ID number (ID numbers are shown masked)', uscc: 'USCC',
  reason: 'Reason', decisionNo: 'Decision no.', decidedAt: 'Decided', expiresAt: 'Expires', authority: 'Listing authority',
  removal: 'Removal', history: 'History', at: 'When', actor: 'Who', action: 'What', details: 'Details', feedback: 'Feedback',
  note: 'Note', caseRef: 'Case reference', submit: 'Submit feedback', outcome: 'Outcome', notFound: 'Not found.',
  noRows: 'Nothing to show.', memoranda: 'Memoranda and laws', documentNo: 'Document no.', verified: 'verified',
  provisional: 'provisional', basis: 'Legal basis', provenance: 'Provenance', measure: 'Measure', jobName: 'Job',
  schedule: 'Schedule (China time)', lastRun: 'Last run', outcomeLabel: 'Outcome', counts: 'Counts', never: 'not run yet',
  calendar: 'Working-day calendar', calendarWarning: 'The working-day calendar is running out; add the coming holidays.',
  entry: 'Entry', order: 'Order', openEntry: 'Open entry', feedbackSaved: 'Feedback submitted.', language: '中文',
  loading: 'Loading…', of: 'of', items: 'items', error: 'Something went wrong', lists: 'Lists', departments: 'Departments',
  scenarios: 'Scenarios', yes: 'yes', no: 'no', orderFor: 'to', rows: 'rows', signedInAs: 'Signed in as', admin: 'Administrator',
  supervisor: 'supervisor', sortBy: 'Sort by this column', chooseMemorandum: 'Memorandum', person: 'Person',
  enterprise: 'Enterprise', relatedPersons: 'Related persons', legalRep: 'Legal representative',
};

const terms = {
  listType: {
    abnormal_operations: ['经营异常名录', 'Abnormal operations'],
    serious_violation: ['严重违法失信名单', 'Serious violation'],
    dishonest_debtor: ['失信被执行人', 'Dishonest judgment debtor'],
    license_revoked: ['吊销营业执照', 'Licence revoked'],
  },
  orderStatus: {
    issued: ['待反馈', 'Pending'], implemented: ['已实施', 'Implemented'], not_applicable: ['不适用', 'Not applicable'],
    lifted: ['已解除', 'Lifted'],
  },
  entryStatus: { active: ['在列', 'Active'], removed: ['已移出', 'Removed'], expired: ['已到期', 'Expired'] },
  auditAction: {
    'entry.created': ['列入名单', 'listed'], 'entry.removed': ['移出名单', 'removed'], 'entry.expired': ['期满移出', 'expired'],
    'order.issued': ['发起任务', 'order issued'], 'order.feedback': ['反馈', 'feedback'], 'order.escalated': ['逾期督办', 'escalated'],
    'order.lifted': ['解除任务', 'order lifted'],
  },
  jobOutcome: { running: ['运行中', 'running'], succeeded: ['成功', 'succeeded'], failed: ['失败', 'failed'], abandoned: ['中止', 'abandoned'] },
};

export let lang = localStorage.getItem(KEY) === 'en' ? 'en' : 'zh';

export function setLang(value) {
  lang = value === 'en' ? 'en' : 'zh';
  localStorage.setItem(KEY, lang);
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
}

export function t(key) {
  return (lang === 'en' ? en : zh)[key] ?? key;
}

/** A coded value in the current language, e.g. term('listType', 'serious_violation'). */
export function term(kind, code) {
  const pair = terms[kind]?.[code];
  return pair ? pair[lang === 'en' ? 1 : 0] : code;
}

export const termCodes = (kind) => Object.keys(terms[kind]);
