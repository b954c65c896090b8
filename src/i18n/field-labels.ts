/**
 * The Chinese names of an entry's fields: the labels a credit office's spreadsheet uses for each column (the batch
 * header accepts them, src/batch/csv-rows.ts) and the names the service's Chinese messages call the fields by
 * (src/i18n/messages.ts). One source for both, so a message names a field as the file does.
 */

/** The extra column of a rejects file; accepted and ignored on input, so a corrected rejects file can be sent again. */
export const ERRORS_COLUMN = 'errors';

/**
 * Each column's Chinese labels, the first being the one messages use. One label names one column only, so a header
 * is never guessed.
 */
export const COLUMN_LABELS: Record<string, readonly string[]> = {
  listType: ['名单类型', '名单'],
  kind: ['主体类型'],
  uscc: ['统一社会信用代码', '社会信用代码'],
  idNumber: ['身份证号', '身份证号码', '公民身份号码', '证件号码'],
  name: ['主体名称', '企业名称', '名称', '姓名', '被执行人姓名/名称'],
  legalRepName: ['法定代表人', '法定代表人姓名'],
  legalRepIdNumber: ['法定代表人身份证号', '法定代表人身份证号码'],
  reason: ['列入原因', '列入事由'],
  decisionNo: ['决定文书号', '决定书文号', '列入决定文书号', '执行案号'],
  decidedAt: ['决定日期', '列入日期', '作出决定日期'],
  sourceRef: ['来源编号', '业务编号'],
  expiresAt: ['届满日期', '有效期至'],
  listingGround: ['列入依据', '列入情形'],
  termExtensionYears: ['延长年限', '延长期限（年）'],
  id: ['条目编号'],
  ground: ['移出依据', '移出情形'],
  [ERRORS_COLUMN]: ['错误', '错误原因'],
};

/**
 * A removal file's own names for the columns it shares with an entries file: its reason is why the entry leaves the
 * list (移出原因), and its decision the removal's. The entries' labels stay accepted after them, so a removal file
 * headed 列入原因 or 执行案号 still reads; the first label is the one messages use.
 */
export const REMOVAL_COLUMN_LABELS: Record<string, readonly string[]> = {
  ...COLUMN_LABELS,
  reason: ['移出原因', '移出事由', ...(COLUMN_LABELS.reason ?? [])],
  decisionNo: ['移出决定文书号', ...(COLUMN_LABELS.decisionNo ?? [])],
};

/** Field paths of the JSON form, as the CSV's column names (subject.uscc → uscc). */
const CSV_PATHS: Record<string, string> = {
  'subject.kind': 'kind',
  'subject.uscc': 'uscc',
  'subject.idNumber': 'idNumber',
  'subject.name': 'name',
  'subject.legalRepresentative': 'legalRepName',
  'subject.legalRepresentative.name': 'legalRepName',
  'subject.legalRepresentative.idNumber': 'legalRepIdNumber',
};
export const csvPathOf = (path: string): string => CSV_PATHS[path] ?? (path === 'subject' ? 'kind' : path);

/** Names of fields and places that are no spreadsheet column. */
const OTHER_LABELS: Record<string, string> = {
  row: '该行',
  header: '表头',
  body: '请求内容',
  relatedPersons: '关联人员',
  historical: '历史记录标记 historical',
  objectionId: '异议编号',
  subject: '主体',
  role: '身份',
  cursor: '翻页游标',
  limit: '条数',
  receivedAt: '收到时间',
  subjectName: '主体名称',
  legalRepresentativeName: '法定代表人姓名',
  remedy: '处理方式',
  correction: '更正内容',
  entry: '条目',
  // the fields of the other requests (checks, feedback, procedures, reports, tokens and webhooks), so that no Chinese
  // message names one by its API name
  changes: '更正内容',
  label: '令牌名称',
  status: '状态',
  channel: '提出渠道',
  grounds: '异议事由',
  statement: '陈述内容',
  evidence: '证明材料',
  commitment: '守信承诺',
  authority: '列入机关',
  department: '部门',
  overdue: '是否逾期',
  outcome: '处理结果',
  action: '处理措施',
  note: '备注',
  caseRef: '案件或项目编号',
  items: '反馈列表',
  feedback: '反馈情况',
  usccs: '统一社会信用代码列表',
  scenario: '应用场景',
  record: '是否留存记录',
  asOf: '查询时点',
  organisationKind: '拟任职单位类型',
  sort: '排序方式',
  dueFrom: '反馈期限起',
  dueTo: '反馈期限止',
  from: '起始日期',
  to: '截止日期',
  weeks: '周数',
  memorandum: '合作备忘录',
  url: '回调地址',
  secret: '签名密钥',
  stage: '阶段',
};

/**
 * A field's Chinese name for a message: `decidedAt` → 决定日期, `subject.uscc` → 统一社会信用代码,
 * `relatedPersons[1].idNumber` → 关联人员（第 2 人）的身份证号; a field without one is named by its API name.
 */
export function fieldLabel(path: string): string {
  const related = /^relatedPersons\[(\d+)\](?:\.(\w+))?$/.exec(path);
  if (related) {
    const who = `关联人员（第 ${Number(related[1]) + 1} 人）`;
    const part = related[2];
    return part ? `${who}的${part === 'name' ? '姓名' : fieldLabel(part)}` : who;
  }
  // an entry's fields as a correction (or an objection's correction) changes them
  const changed = /^(?:changes|correction)\.(.+)$/.exec(path);
  if (changed) return fieldLabel(changed[1] as string);
  const column = csvPathOf(path);
  return COLUMN_LABELS[column]?.[0] ?? OTHER_LABELS[column] ?? path;
}

/** How a request's messages name its fields (a field's API path in, its Chinese name out). */
export type FieldNamer = (path: string) => string;

/**
 * The names a request gives its own reason and decision. `fieldLabel` names an entry's fields, where `reason` is
 * 列入原因 (why the subject is listed); in a removal, a revocation or feedback the same key says why *that* is done,
 * and a message naming it 列入原因 sends the user to the wrong field. A correction's `changes.*` stay the entry's.
 */
const REMOVAL_NAMES = {
  reason: REMOVAL_COLUMN_LABELS.reason?.[0] ?? '',
  decisionNo: REMOVAL_COLUMN_LABELS.decisionNo?.[0] ?? '',
};
const REQUEST_FIELD_LABELS: Partial<Record<string, Readonly<Record<string, string>>>> = {
  removeListEntry: REMOVAL_NAMES,
  removeListEntriesBatch: REMOVAL_NAMES,
  revokeListEntry: { reason: '撤销原因', decisionNo: '撤销决定文书号' },
  correctListEntry: { reason: '更正原因', decisionNo: '更正决定文书号' },
  decideObjection: { reason: '异议处理理由', decisionNo: '异议处理决定文书号' },
  decideRestorationApplication: { reason: '信用修复决定理由', decisionNo: '信用修复决定文书号' },
  submitOrderFeedback: { reason: '不适用原因' },
  submitOrderFeedbackBatch: { reason: '不适用原因' },
  correctOrderFeedback: { reason: '不适用原因' },
  postCheckDecisionFeedback: { reason: '未予限制的原因' },
};

/**
 * The namer of an operation's fields: its own names first, then `fieldLabel`; an item of a batch body
 * (`items[2].reason`) by its place and its own field's name (第 3 项的不适用原因).
 */
export function fieldNamerOf(operationId: string | undefined): FieldNamer {
  const own = operationId ? REQUEST_FIELD_LABELS[operationId] : undefined;
  const name: FieldNamer = (path) => {
    const item = /^items\[(\d+)\]\.(.+)$/.exec(path);
    if (item) return `第 ${Number(item[1]) + 1} 项的${name(item[2] as string)}`;
    return own?.[path] ?? fieldLabel(path);
  };
  return name;
}
