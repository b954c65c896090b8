import type { FieldError } from '../errors';
import { fieldLabel } from './field-labels';

/**
 * The messages a list authority or a desk reads when something it sent is refused, in Chinese (the default) and
 * English (when Accept-Language prefers it). Each says what was expected in the sender's terms, never a schema
 * keyword, a regular expression or an internal path.
 *
 * A field message in English follows the field's API name, as clients have always read it (`decidedAt` + `must be
 * a date YYYY-MM-DD, e.g. 2026-10-10`); in Chinese it is a sentence naming the field by its label
 * (`决定日期应为 YYYY-MM-DD 格式的日期，例如 2026-10-10`), the label a credit office's spreadsheet uses.
 */
export type Language = 'zh' | 'en';

export type Params = Record<string, string | number>;

interface Texts {
  zh: (p: Params & { field: string }) => string;
  en: (p: Params) => string;
}

const t = (zh: Texts['zh'], en: Texts['en']): Texts => ({ zh, en });

const TYPE_NAMES: Record<string, [string, string]> = {
  string: ['文字', 'text'],
  integer: ['整数', 'a whole number'],
  number: ['数字', 'a number'],
  boolean: ['true 或 false', 'true or false'],
  array: ['列表', 'a list'],
  object: ['对象', 'an object'],
  null: ['空值', 'null'],
};
const typeName = (type: unknown, i: 0 | 1) => TYPE_NAMES[String(type)]?.[i] ?? String(type);

/** The lists and an entry's states by their Chinese names. */
const LIST_NAMES: Record<string, string> = {
  abnormal_operations: '经营异常名录',
  serious_violation: '严重违法失信名单',
  dishonest_debtor: '失信被执行人名单',
  license_revoked: '吊销营业执照名单',
};
const STATES: Record<string, string> = { active: '列入中', removed: '已移出', expired: '已届满', revoked: '已撤销' };
const ORDER_STATES: Record<string, string> = {
  issued: '已下发',
  implemented: '已落实',
  not_applicable: '不适用',
  lifted: '已解除',
  revoked: '已撤销',
  restricted: '已限制',
  not_restricted: '未限制',
};
const orderState = (code: unknown) => ORDER_STATES[String(code)] ?? String(code);
const UNITS: Record<string, [string, string]> = {
  working_days: ['个工作日', 'working days'],
  calendar_days: ['日', 'days'],
  months: ['个月', 'months'],
  years: ['年', 'years'],
};
const FROMS: Record<string, [string, string]> = {
  decided_at: ['列入决定', 'the listing decision'],
  receipt: ['收到申请', 'receipt'],
  accept_by: ['受理期限届满', 'the acceptance deadline'],
};
/** A procedure's deadline (`amount`, `unit`, `from` params): 自列入决定起 60 日 / 60 days from the listing decision. */
const deadline = (p: Params, i: 0 | 1) => {
  if (!p.amount) return i === 0 ? '自列入决定起' : 'the listing decision';
  const unit = UNITS[String(p.unit)]?.[i] ?? p.unit;
  const from = FROMS[String(p.from)]?.[i] ?? p.from;
  return i === 0 ? `自${from}起 ${p.amount} ${unit}` : `${p.amount} ${unit} from ${from}`;
};
const RECORDS: Record<string, string> = { objection: '异议', 'restoration application': '信用修复申请' };
const listName = (code: unknown) => LIST_NAMES[String(code)] ?? String(code);
const stateName = (code: unknown) =>
  String(code)
    .split(' or ')
    .map((s) => STATES[s] ?? s)
    .join('或');
const TRANSITIONS_ZH: Record<string, string> = {
  list: '列入',
  remove: '移出',
  expire: '届满',
  revoke: '撤销',
  correct: '更正',
  reissue: '重新下发',
  object: '提出异议',
  restore: '恢复',
  applyForRestoration: '申请信用修复',
};
const labels = (fields: unknown) => String(fields).split(', ').map(fieldLabel).join('、');

const CATALOGUE = {
  // what the request schema checks (src/http/request-errors.ts turns Ajv's errors into these)
  required: t(
    (p) => `缺少${p.field}，此项必填`,
    () => 'is required',
  ),
  unknown_field: t(
    (p) => `${p.field}不是可接受的字段，请删除`,
    () => 'is not a known field',
  ),
  one_of: t(
    (p) => `${p.field}应为以下之一：${p.values}`,
    (p) => `must be one of: ${p.values}`,
  ),
  date: t(
    (p) => `${p.field}应为 YYYY-MM-DD 格式的日期，例如 2026-10-10`,
    () => 'must be a date YYYY-MM-DD, e.g. 2026-10-10',
  ),
  date_time: t(
    (p) => `${p.field}应为带时区的日期时间，例如 2026-10-10T09:30:00+08:00`,
    () => 'must be a date and time with its offset, e.g. 2026-10-10T09:30:00+08:00',
  ),
  date_or_time: t(
    (p) => `${p.field}应为日期（2026-10-10）或带时区的日期时间（2026-10-10T09:30:00+08:00）`,
    () => 'must be a date (2026-10-10) or a date and time with its offset (2026-10-10T09:30:00+08:00)',
  ),
  uuid: t(
    (p) => `${p.field}应为本服务给出的编号（UUID，例如 0b6f3c1e-2d4a-4c5b-9e8f-1a2b3c4d5e6f）`,
    () => 'must be an id as this service gives them (a UUID, e.g. 0b6f3c1e-2d4a-4c5b-9e8f-1a2b3c4d5e6f)',
  ),
  uri: t(
    (p) => `${p.field}应为完整的网址，例如 https://example.gov.cn/hook`,
    () => 'must be a full URL, e.g. https://example.gov.cn/hook',
  ),
  uscc_shape: t(
    (p) => `${p.field}应为 18 位统一社会信用代码（数字和除 I、O、S、V、Z 以外的大写字母）`,
    () => 'must be an 18-character unified social credit code (digits and capitals except I, O, S, V, Z)',
  ),
  id_shape: t(
    (p) => `${p.field}应为 18 位居民身份证号码（17 位数字加一位数字或 X）`,
    () => 'must be an 18-character citizen ID number (17 digits and a digit or X)',
  ),
  code_shape: t(
    (p) => `${p.field}应为由小写字母、数字和下划线组成的代码，例如 evading_enforcement`,
    () => 'must be a code of lower-case letters, digits and underscores, e.g. evading_enforcement',
  ),
  bad_form: t(
    (p) => `${p.field}的格式不正确`,
    () => 'is not in the expected form',
  ),
  type: t(
    (p) => `${p.field}应为${typeName(p.type, 0)}`,
    (p) => `must be ${typeName(p.type, 1)}`,
  ),
  empty: t(
    (p) => `${p.field}不能为空`,
    () => 'must not be empty',
  ),
  min_length: t(
    (p) => `${p.field}至少应有 ${p.limit} 个字符`,
    (p) => `must have at least ${p.limit} characters`,
  ),
  max_length: t(
    (p) => `${p.field}最多 ${p.limit} 个字符`,
    (p) => `must have at most ${p.limit} characters`,
  ),
  minimum: t(
    (p) => `${p.field}应不小于 ${p.limit}`,
    (p) => `must be at least ${p.limit}`,
  ),
  maximum: t(
    (p) => `${p.field}应不大于 ${p.limit}`,
    (p) => `must be at most ${p.limit}`,
  ),
  min_items: t(
    (p) => `${p.field}至少应有 ${p.limit} 项`,
    (p) => `must hold at least ${p.limit} items`,
  ),
  max_items: t(
    (p) => `${p.field}最多 ${p.limit} 项`,
    (p) => `must hold at most ${p.limit} items`,
  ),
  too_many_items: t(
    (p) => `${p.field}最多 ${p.limit} 项，现有 ${p.count} 项`,
    (p) => `must hold at most ${p.limit} items; it holds ${p.count}`,
  ),
  unique_items: t(
    (p) => `${p.field}中有重复的项`,
    () => 'holds the same item twice',
  ),
  invalid: t(
    (p) => `${p.field}的值不正确`,
    () => 'is invalid',
  ),
  not_json: t(
    () => '请求内容不是有效的 JSON',
    () => 'is not valid JSON',
  ),
  not_json_detail: t(
    (p) => `请求内容不是有效的 JSON：${p.why}`,
    (p) => `the request body is not valid JSON: ${p.why}`,
  ),
  body_too_large: t(
    (p) => `请求内容超过 ${p.mb} MB 的上限；批量提交请拆分，或用 npm run import 导入文件`,
    (p) => `the request body is over the ${p.mb} MB limit`,
  ),
  more_errors: t(
    (p) => `另有 ${p.left} 处错误未列出，请先改正以上错误`,
    (p) => `and ${p.left} more errors, not listed; correct these first`,
  ),

  // text that cannot be what was meant (src/input)
  replacement_char: t(
    (p) => `${p.field}含有替换字符 �（未能解码的字节）；请将文件另存为 UTF-8 或 GBK 后重新提交`,
    () =>
      'holds the replacement character � (bytes that were not decoded); save the file as UTF-8 or GBK and send it again',
  ),
  control_char: t(
    (p) => `${p.field}含有控制字符（制表符${p.multiline ? '和换行' : ''}除外），请删除`,
    (p) => `holds a control character (other than tab${p.multiline ? ' and line breaks' : ''}); remove it`,
  ),
  mojibake: t(
    (p) => `${p.field}含有乱码（如“锟斤拷”或“Ã©”）：文字按错误的编码解读了，请按原样重新提交`,
    () => 'holds mojibake (such as 锟斤拷 or Ã©): the text was decoded in the wrong encoding; send it again as written',
  ),
  nul_char: t(
    (p) => `${p.field}含有 NUL 字符，请删除`,
    () => 'contains a NUL character',
  ),
  lone_surrogate: t(
    (p) => `${p.field}含有无法存储的字符（不成对的 UTF-16 代理项）`,
    () => 'contains an unpaired UTF-16 surrogate (not a character)',
  ),
  id_in_text: t(
    (p) => `${p.field}中含有居民身份证号码；身份证号只能填在身份证号字段`,
    () => 'contains a citizen ID number; put ID numbers only in idNumber fields',
  ),

  // identifiers (src/identity)
  uscc_length: t(
    (p) => `${p.field}应为 18 位`,
    () => 'must be 18 characters',
  ),
  uscc_chars: t(
    (p) => `${p.field}含有 GB 32100 不允许的字符（只允许数字和除 I、O、S、V、Z 以外的大写字母）`,
    () => 'has characters outside GB 32100 (digits and capitals except I, O, S, V, Z)',
  ),
  uscc_org_check: t(
    (p) => `${p.field}中的组织机构代码（第 9–17 位）校验位不正确（GB 11714），请核对`,
    () => 'the embedded organisation code (positions 9–17) fails its GB 11714 check character',
  ),
  uscc_check: t(
    (p) => `${p.field}的校验位（第 18 位）不正确，请核对`,
    () => 'the check character (position 18) is wrong',
  ),
  id_birth: t(
    (p) => `${p.field}中的出生日期不存在，请核对`,
    () => 'has an impossible birth date',
  ),
  id_check: t(
    (p) => `${p.field}的校验位（第 18 位）不正确，请核对`,
    () => 'the check character (position 18) is wrong',
  ),

  // an entry beyond its schema (src/lists/entry-input.ts)
  invalid_entry: t(
    () => '名单条目有误',
    () => 'invalid list entry',
  ),
  invalid_request: t(
    () => '请求有误',
    () => 'invalid request',
  ),
  not_a_date: t(
    (p) => `${p.field}不是日历上存在的日期`,
    () => 'is not a real calendar date',
  ),
  in_future: t(
    (p) => `${p.field}不能晚于今天`,
    () => 'is in the future',
  ),
  before_decided: t(
    (p) => `${p.field}早于决定日期`,
    () => 'is before decidedAt',
  ),
  enterprise_only_list: t(
    (p) => `${listName(p.list)}只列入企业，不列入个人`,
    (p) => `the ${p.list} list holds enterprises, not persons`,
  ),
  minor: t(
    (p) => `${p.field}属于未成年人，未成年人不得列入失信被执行人名单`,
    () => 'belongs to a minor, who may not be listed as a dishonest debtor',
  ),
  extension_needs_ground: t(
    (p) => `填写${p.field}须同时填写列入依据：只有期限可延长的列入依据才能延长`,
    () => 'needs listingGround: only a ground with an extendable term can be extended',
  ),
  ground_unknown: t(
    (p) => `${p.field}“${p.ground}”不是${listName(p.list)}的列入依据；可选：${p.known}`,
    (p) => `is not a ground of the ${p.list} list; known: ${p.known}`,
  ),
  ground_not_in_force: t(
    (p) => `${p.basis}只适用于 ${p.from}${p.until ? ` 至 ${p.until}` : ' 起'}作出的决定`,
    (p) => `${p.basis} applies to decisions from ${p.from}${p.until ? ` to ${p.until}` : ''}`,
  ),
  ground_no_term: t(
    (p) => `列入依据 ${p.ground} 的期限为“至移出时止”，没有可延长的期限`,
    (p) => `the ${p.ground} ground has no term to extend`,
  ),
  ground_no_expiry: t(
    (p) => `列入依据 ${p.ground} 列入至移出时止，不应填写${p.field}`,
    (p) => `the ${p.ground} ground lists until removal; it has no expiry date`,
  ),
  extension_range: t(
    (p) => `列入依据 ${p.ground} 的${p.field}应为 ${p.min}–${p.max} 年`,
    (p) => `must be ${p.min}–${p.max} years for the ${p.ground} ground`,
  ),
  extension_none: t(
    (p) => `列入依据 ${p.ground} 的期限不能延长`,
    (p) => `the ${p.ground} ground's term cannot be extended`,
  ),
  expiry_too_late: t(
    (p) => `${p.field}晚于 ${p.longest}，超出列入依据 ${p.ground} 允许的最长期限`,
    (p) => `is after ${p.longest}, the longest term the ${p.ground} ground allows`,
  ),
  term_ended: t(
    (p) =>
      `列入期限已于 ${p.end} 届满（${p.basisZh}），早于今天（${p.today}）；如需作为历史记录保存（状态为已届满，不下发措施），请同时提交 historical: true`,
    (p) =>
      `the listing term ended on ${p.end} (${p.basis}), before today (${p.today}); send historical: true to keep it as an expired record without orders`,
  ),
  term_basis: t(
    (p) =>
      `决定日期 ${p.decidedAt} 起 ${p.years} 年，依据${p.document}${p.article}（列入依据 ${p.ground}${p.ext ? `，延长 ${p.ext} 年` : ''}）`,
    (p) =>
      `${p.decidedAt} + ${p.years} years under ${p.document} ${p.article} (listingGround ${p.ground}${p.ext ? `, extended by ${p.ext}` : ''})`,
  ),
  term_given: t(
    () => '提交的届满日期',
    () => 'the expiresAt sent',
  ),
  historical_not_ended: t(
    (p) =>
      `只有期限在今天（${p.today}）之前已届满的条目才能作为历史记录保存；本条目${p.end ? `期限至 ${p.end}` : '没有届满日期'}`,
    (p) =>
      `only an entry whose term ended before today (${p.today}) is stored as a historical record; this one ${p.end ? `runs to ${p.end}` : 'has no end date'}`,
  ),

  // conflicts with what is stored (src/lists, src/batch)
  resubmission_conflict: t(
    (p) =>
      `来源编号 ${p.sourceRef} 已保存为条目 ${p.id}（状态：${stateName(p.status)}），以下内容不同：${labels(p.fields)}；更正该条目请使用 POST /v1/list-entries/${p.id}/corrections，不要重复提交`,
    (p) =>
      `sourceRef ${p.sourceRef} is already stored as entry ${p.id} (status ${p.status}) with other data (${p.fields}); correct that entry with POST /v1/list-entries/${p.id}/corrections, never by sending it again`,
  ),
  differs_from_stored: t(
    (p) => `${p.field}与来源编号 ${p.sourceRef} 下已保存的条目 ${p.id}（${stateName(p.status)}）不同`,
    (p) => `differs from entry ${p.id} (${p.status}) stored under sourceRef ${p.sourceRef}`,
  ),
  revoked_source_ref: t(
    (p) => `来源编号 ${p.sourceRef} 的条目已撤销；再次列入该主体请使用新的来源编号`,
    (p) => `the entry with sourceRef ${p.sourceRef} is revoked; list the subject again under a new sourceRef`,
  ),
  not_list_authority: t(
    (p) => `${p.authority} 不是${listName(p.list)}的列入机关；只有该名单的列入机关可以列入条目`,
    (p) =>
      `${p.authority} is not the authority for the ${p.list} list; only that list's authority may add entries to it`,
  ),
  not_entry_authority: t(
    (p) => `只有列入该条目的机关（${p.authority}）可以${p.verbZh}该条目`,
    (p) => `only the authority that listed the entry (${p.authority}) may ${p.verb} it`,
  ),
  not_entry_authority_removal: t(
    () => '只有列入该条目的机关可以移出该条目',
    () => 'only the authority that listed the entry may remove it',
  ),
  state_conflict: t(
    (p) =>
      `该条目当前状态为${stateName(p.state)}；${TRANSITIONS_ZH[String(p.transition)] ?? p.transition}只能在${p.allowed === 'a new sourceRef' ? '使用新的来源编号时' : `${stateName(p.allowed)}状态下`}进行`,
    (p) => `the entry is ${p.state}; ${p.transition} is allowed only from ${p.allowed}`,
  ),
  no_record_id: t(
    (p) => `没有编号为 ${p.id} 的${RECORDS[String(p.what)] ?? p.what}`,
    (p) => `no ${p.what} with id ${p.id}`,
  ),
  procedure_records_readers: t(
    () => '只有列入机关、监督部门或管理员可以查看异议和信用修复申请',
    () => 'only a list authority, a supervising department or the administrator reads these',
  ),
  own_procedure_records_only: t(
    () => '列入机关只能查看对本机关所列条目提出的异议和信用修复申请',
    () => "a list authority reads its own entries' records only",
  ),
  // the fields of the requests other than a listing: tokens, feedback, checks, reports, webhooks, procedures
  not_in_future: t(
    (p) => `${p.field}须晚于当前时间`,
    () => 'must be in the future',
  ),
  within_five_years: t(
    (p) => `${p.field}不得晚于五年之后`,
    () => 'must be within five years',
  ),
  before_other: t(
    (p) => `${p.field}早于${fieldLabel(String(p.other))}`,
    (p) => `is before ${p.other}`,
  ),
  not_after_other: t(
    (p) => `${p.field}须晚于${fieldLabel(String(p.other))}`,
    (p) => `must be after ${p.other}`,
  ),
  reason_for_not_applicable: t(
    (p) =>
      `反馈“不适用”时须填写${p.field}：no_business（在本部门无相关事项）、not_in_scope（措施不及于此类主体）、already_restricted（已在限制中）或 other（其他）`,
    () => 'is required when outcome is not_applicable: no_business, not_in_scope, already_restricted or other',
  ),
  only_for_not_applicable: t(
    (p) => `仅在反馈“不适用”时填写${p.field}`,
    () => 'is given only when outcome is not_applicable',
  ),
  note_for_other: t(
    (p) => `原因为“其他”（other）时须在${p.field}中写明`,
    () => 'is required when reason is other: say what',
  ),
  reason_for_not_restricted: t(
    (p) => `处理措施为“未限制”（not_restricted）时须填写${p.field}`,
    () => 'is required when action is not_restricted',
  ),
  only_for_not_restricted: t(
    (p) => `仅在处理措施为“未限制”（not_restricted）时填写${p.field}`,
    () => 'is given only when action is not_restricted',
  ),
  unknown_scenario: t(
    (p) => `没有“${p.scenario}”这一${p.field}${p.known ? `；可用：${p.known}` : ''}`,
    (p) => `unknown scenario "${p.scenario}"${p.known ? `; known: ${p.known}` : ''}`,
  ),
  unknown_department: t(
    (p) => `没有代码为“${p.code}”的部门`,
    (p) => `unknown department "${p.code}"`,
  ),
  not_a_cursor: t(
    (p) => `${p.field}无效：请使用上一页返回的 nextCursor`,
    () => 'is not a cursor this service issued',
  ),
  range_too_long: t(
    (p) => `${p.field}至截止日期最多 ${p.max} 周`,
    (p) => `at most ${p.max} weeks from from to to`,
  ),
  url_not_absolute: t(
    (p) => `${p.field}应为完整的网址，例如 https://example.gov.cn/hooks`,
    () => 'is not an absolute URL',
  ),
  url_not_http: t(
    (p) => `${p.field}应为 http 或 https 网址`,
    () => 'must be an http or https URL',
  ),
  url_credentials: t(
    (p) => `${p.field}不得含用户名或密码：投递以签名验证`,
    () => 'must not carry credentials; the signature authenticates deliveries',
  ),
  url_refused: t(
    (p) => `${p.field}被拒绝：${p.reason}`,
    (p) => `is refused: ${p.reason}`,
  ),
  secret_too_short: t(
    (p) => `${p.field}采用 ${p.prefix}<base64> 形式时，解码后应至少 16 字节`,
    (p) => `in the ${p.prefix}<base64> form must decode to at least 16 bytes`,
  ),
  no_department_code: t(
    (p) => `没有代码为“${p.code}”的部门`,
    (p) => `no department with code "${p.code}"`,
  ),
  no_token_id: t(
    (p) => `部门 ${p.department} 没有编号为 ${p.id} 的令牌`,
    (p) => `no token ${p.id} of department ${p.department}`,
  ),
  department_token_only: t(
    () => '只有部门令牌可以进行此操作（管理员令牌不能）',
    () => 'only a department token may do this',
  ),
  no_entry_id: t(
    (p) => `没有编号为 ${p.id} 的名单条目`,
    (p) => `no list entry with id ${p.id}`,
  ),
  no_entry_source_ref: t(
    (p) => `${p.authority} 没有来源编号为 ${p.sourceRef} 的名单条目`,
    (p) => `${p.authority} has no list entry with sourceRef ${p.sourceRef}`,
  ),
  one_of_id_source_ref: t(
    () => '请用条目编号（id）或来源编号（sourceRef）二者之一指明条目',
    () => 'name the entry by exactly one of id and sourceRef',
  ),
  store_bad_text: t(
    () => '该行无法保存：某个文字字段含有数据库无法存储的字符',
    () => 'could not be stored: a text field holds a character PostgreSQL cannot store',
  ),
  store_bad_date: t(
    () => '该行无法保存：日期或时间超出范围',
    () => 'could not be stored: a date or time is out of range',
  ),
  store_conflict: t(
    () => '该行无法保存：与已保存的条目冲突',
    () => 'could not be stored: it conflicts with a stored entry',
  ),
  store_bad_value: t(
    (p) => `该行无法保存：某个值超出范围或格式不正确（SQLSTATE ${p.code}）`,
    (p) => `could not be stored: a value is out of range or malformed (SQLSTATE ${p.code})`,
  ),

  // corrections, objections and credit restoration (src/lists/entry-correction.ts, src/procedures)
  identity_fields: t(
    (p) =>
      `${labels(p.fields)}用于识别主体及其名单，不能更正：请撤销该条目（POST /v1/list-entries/{id}/revocation），再以新的来源编号列入正确的主体`,
    (p) =>
      `${p.fields} identify the subject and its list and cannot be corrected: revoke the entry (POST /v1/list-entries/{id}/revocation) and list the right subject under a new sourceRef`,
  ),
  identity_field: t(
    (p) => `${p.field}是识别字段，不能更正：请撤销后重新列入`,
    () => 'is an identity field: revoke and list again',
  ),
  decision_date_changes_measures: t(
    (p) =>
      `决定日期由 ${p.was} 更正为 ${p.now} 后，适用的惩戒措施或其法律依据不同：已下发的措施不能据此更正，请撤销该条目（POST /v1/list-entries/{id}/revocation），再以正确的决定日期重新列入`,
    (p) =>
      `with its decision date corrected from ${p.was} to ${p.now} the entry would get other measures or cite other versions of their legal basis: the measures issued cannot be corrected to that; revoke the entry (POST /v1/list-entries/{id}/revocation) and list it again with the right date`,
  ),
  decision_date_changes_measures_field: t(
    () => '更正后的决定日期适用不同的措施或法律依据：请撤销后重新列入',
    () => 'would change the measures or their legal basis: revoke and list again',
  ),
  no_legal_rep: t(
    () => '该条目没有法定代表人，无法更正其姓名',
    () => 'the entry names no legal representative whose name could be corrected',
  ),
  no_legal_rep_field: t(
    () => '该条目没有法定代表人',
    () => 'the entry has no legal representative',
  ),
  before_decision_date: t(
    (p) => `${p.field}早于决定日期（${p.decidedAt}）`,
    (p) => `is before the decision date (${p.decidedAt})`,
  ),
  objection_not_of_entry: t(
    (p) => `异议编号 ${p.id} 不是对该条目提出的异议`,
    (p) => `objectionId ${p.id} names no objection to this entry`,
  ),
  objection_not_of_entry_field: t(
    (p) => `${p.field}不是对该条目提出的异议`,
    () => 'names no objection to this entry',
  ),
  received_before_decision: t(
    (p) => `${p.field}早于列入决定（${p.decidedAt}）`,
    (p) => `is before the listing decision (${p.decidedAt})`,
  ),
  objection_window_closed: t(
    (p) => `异议超出提出期限：${deadline(p, 0)}（${p.decidedAt}），已于 ${p.end} 届满（依据：${p.basis}）`,
    (p) =>
      `filed outside the objection window: ${deadline(p, 1)} (${p.decidedAt}), which ended on ${p.end} (${p.basis})`,
  ),
  objection_window_closed_field: t(
    (p) => `${p.field}晚于异议期限（已于 ${p.end} 届满）`,
    (p) => `after the objection window, which ended on ${p.end}`,
  ),
  restoration_not_allowed: t(
    (p) => `${listName(p.list)}不适用信用修复：${p.basis}`,
    (p) => `the ${p.list} list allows no credit restoration: ${p.basis}`,
  ),
  restoration_not_allowed_field: t(
    () => '该名单不适用信用修复',
    () => 'this list allows no credit restoration',
  ),
  restoration_ground: t(
    (p) =>
      `移出依据 credit_restored（信用修复）只能由批准的信用修复申请产生：请受理信用修复申请（POST /v1/list-entries/${p.id}/restoration-applications）并作出决定`,
    (p) =>
      `the ground credit_restored is set only by an approved restoration application: file it (POST /v1/list-entries/${p.id}/restoration-applications) and decide it`,
  ),
  restoration_ground_field: t(
    (p) => `${p.field}不能为 credit_restored（信用修复）：只能由批准的信用修复申请产生`,
    () => 'credit_restored is set only by an approved restoration application',
  ),
  restoration_too_early: t(
    (p) => `申请过早：自 ${p.eligibleFrom} 起方可申请（${deadline(p, 0)}；依据：${p.basis}）`,
    (p) => `too early: an application may be filed from ${p.eligibleFrom} (${deadline(p, 1)}; ${p.basis})`,
  ),
  restoration_too_early_field: t(
    (p) => `${p.field}早于 ${p.eligibleFrom}（最早可申请之日）`,
    (p) => `before ${p.eligibleFrom}, the first day an application may be filed`,
  ),
  already_decided: t(
    (p) => `已作出决定：当前状态为 ${p.status}`,
    (p) => `already decided: the status is ${p.status}`,
  ),
  decides_not_authority: t(
    (p) => `只有列入该条目的机关（${p.authority}）可以决定该${RECORDS[String(p.what)] ?? p.what}`,
    (p) => `only the authority that listed the entry (${p.authority}) decides this ${p.what}`,
  ),
  records_not_authority: t(
    (p) => `只有列入机关（${p.authority}）或监督部门（“信用中国”窗口）可以登记`,
    (p) => `only the listing authority (${p.authority}) or a supervising department (the 信用中国 window) records this`,
  ),
  remedy_needed: t(
    () => '维持异议须写明处理方式：更正（correction）或撤销（revocation）',
    () => 'an upheld objection names its remedy: correction or revocation',
  ),
  revocation_needs_decision_no: t(
    () => '撤销须写明撤销决定的文书号',
    () => 'a revocation needs the number of its decision',
  ),
  correction_needs_fields: t(
    () => '更正须写明更正的字段',
    () => 'a correction names the fields it changes',
  ),
  correction_only_with_correction: t(
    (p) => `只有处理方式为更正时才填写${p.field}`,
    () => 'is given only with remedy correction',
  ),
  only_when_upheld: t(
    (p) => `只有异议成立（upheld）时才填写${p.field}，本次为 ${p.outcome}`,
    (p) => `is given only when the objection is upheld, not ${p.outcome}`,
  ),

  // orders and desk decisions (src/orders, src/checks)
  no_order_id: t(
    (p) => `没有编号为 ${p.id} 的措施`,
    (p) => `no order with id ${p.id}`,
  ),
  no_decision_id: t(
    (p) => `没有编号为 ${p.id} 的核查结果记录`,
    (p) => `no decision with id ${p.id}`,
  ),
  other_department_orders: t(
    () => '只有监督部门或管理员可以查看其他部门的措施',
    () => "only a supervisor or the administrator may read another department's orders",
  ),
  order_lifted: t(
    () => '该措施已解除，无需再反馈',
    () => 'the order has been lifted; there is nothing left to feed back on',
  ),
  order_revoked: t(
    () => '该措施已撤销（其条目属错误列入）：请撤回已采取的措施',
    () => 'the order is revoked (its entry was a wrong listing): reverse what was done instead',
  ),
  order_has_final_feedback: t(
    (p) => `该措施已有最终反馈（${orderState(p.status)}）`,
    (p) => `the order already has its final feedback (${p.status})`,
  ),
  order_feedback_stays: t(
    (p) => `该措施${orderState(p.status)}，其反馈保持不变`,
    (p) => `the order has been ${p.status}; its feedback stays as given`,
  ),
  order_no_feedback_yet: t(
    () => '该措施尚无可更正的反馈',
    () => 'the order has no feedback to correct yet',
  ),
  feedback_not_yours: t(
    () => '只有作出反馈的部门可以更正该反馈',
    () => 'only the department that gave the feedback may correct it',
  ),
  feedback_window_closed: t(
    (p) => `反馈只能在作出后 5 个工作日内更正（截至 ${p.until}），更正期限已过`,
    (p) => `feedback may be corrected within 5 working days of giving it (until ${p.until}); that window has closed`,
  ),
  order_not_addressee: t(
    () => '只有该措施的承办部门可以反馈',
    () => 'only the department the order is addressed to may feed back on it',
  ),
  order_other_department: t(
    () => '该措施由其他部门承办',
    () => 'this order is addressed to another department',
  ),
  decision_not_yours: t(
    () => '只有发起核查的部门可以反馈其处理结果',
    () => 'only the department that asked may feed back on its decision',
  ),
  decision_clear: t(
    () => '核查结果为无命中：没有需要反馈的命中',
    () => 'the answer was clear: there is no hit to feed back on',
  ),
  decision_has_feedback: t(
    (p) => `该核查结果已有反馈${p.action ? `（${orderState(p.action)}）` : ''}`,
    (p) => `the decision already has its feedback${p.action ? ` (${p.action})` : ''}`,
  ),

  // files and batches (src/batch)
  must_be_empty_enterprise_id: t(
    (p) => `企业的${p.field}应留空（法定代表人填在“法定代表人”和“法定代表人身份证号”两列）`,
    () => 'must be empty for an enterprise (a legal representative goes in legalRepName and legalRepIdNumber)',
  ),
  must_be_empty_person: t(
    (p) => `个人的${p.field}应留空`,
    () => 'must be empty for a person',
  ),
  kind_required: t(
    (p) => `缺少${p.field}（或填写统一社会信用代码、身份证号之一）`,
    () => 'is required (or fill uscc or idNumber)',
  ),
  kind_one_of: t(
    (p) => `${p.field}应为 企业（enterprise）或 个人（person）`,
    () => 'must be one of: enterprise (企业), person (个人)',
  ),
  row_width: t(
    (p) => `该行有 ${p.count} 列，表头有 ${p.width} 列`,
    (p) => `has ${p.count} fields; the header has ${p.width}`,
  ),
  row_unparsable: t(
    (p) => `该行无法按 CSV 读取（${p.why}）：${p.raw}`,
    (p) => `could not be parsed as CSV (${p.why}): ${p.raw}`,
  ),
  unknown_column: t(
    (p) => `未知的列“${p.label}”`,
    (p) => `unknown column "${p.label}"`,
  ),
  repeated_column: t(
    (p) => `列 ${p.label} 出现了不止一次`,
    (p) => `column ${p.column} appears more than once`,
  ),
  missing_column: t(
    (p) => `缺少列 ${p.label}`,
    (p) => `column ${p.column} is missing`,
  ),
  bad_header: t(
    (p) => `表头有误。各列顺序不限，可用 API 字段名或中文列名：${p.accepted}`,
    (p) => `header: columns may come in any order, named by API name or Chinese label: ${p.accepted}`,
  ),
  bad_encoding: t(
    () => '文件编码无法识别',
    () => "the file's encoding could not be read",
  ),
  bad_bytes: t(
    (p) =>
      `${Number(p.row) >= 1 ? `第 ${p.row} 行数据（文件第 ${p.line} 行）` : '标题行'}含有${p.expected === 'mixed' ? '与其他行编码不同的字节（文件混用了 UTF-8 和 GBK）' : `不是 ${p.expected} 的字节`}；请另存为 UTF-8 或 GBK 后重新提交`,
    (p) =>
      `${Number(p.row) >= 1 ? `data row ${p.row} (line ${p.line} of the file)` : 'the header line'} holds bytes that are not ${p.expected === 'mixed' ? 'one encoding (it mixes UTF-8 with GBK)' : p.expected}`,
  ),
  not_a_workbook: t(
    () => '请求内容不是可以读取的 Excel 工作簿（.xlsx）',
    () => 'is not an Excel workbook (.xlsx) that can be read',
  ),
  no_sheet: t(
    () => '工作簿中没有工作表',
    () => 'the workbook has no sheet',
  ),
  too_many_rows: t(
    (p) => `一次批量提交最多 ${p.max} 行；请拆分，或用 npm run import 导入任意大小的文件`,
    (p) => `a batch holds at most ${p.max} rows; split it, or use npm run import for files of any size`,
  ),
  csv_empty: t(
    () => 'CSV 文件为空；第一行应为表头',
    () => 'the CSV is empty; the first line must be the header',
  ),
  header_unparsable: t(
    (p) => `表头行无法读取：${p.why}`,
    (p) => `the header line could not be parsed: ${p.why}`,
  ),
  body_required_csv: t(
    () => '缺少请求内容：应为第一行是表头的 CSV',
    () => 'is required: a CSV whose first line is the header',
  ),
  body_required_xlsx: t(
    () => '缺少请求内容：应为 Excel 工作簿',
    () => 'is required: a workbook',
  ),
  body_not_array: t(
    () => '请求内容应为由各行组成的 JSON 数组',
    () => 'must be a JSON array of rows',
  ),
} satisfies Record<string, Texts>;

export type MessageCode = keyof typeof CATALOGUE;

/**
 * A message by its code, and for a detail, whether the field errors follow it (`invalid list entry: decidedAt is
 * in the future; …`).
 */
export interface MessageRef {
  code: MessageCode;
  params?: Params;
  listErrors?: boolean;
}

/**
 * The header line of the overdue export (GET /v1/reports/overdue/export), column for column as the dashboard's own
 * exports label them (dashboard/js/pages/overdue.js columns(), its xlsx still built in the browser), so a sheet
 * made either way reads the same; `order id` is the dashboard's label in both languages.
 */
export const OVERDUE_EXPORT_HEADERS: Record<Language, readonly string[]> = {
  zh: [
    '反馈期限',
    '逾期天数',
    '部门',
    '主体',
    '统一社会信用代码 / ID',
    '名单类型',
    '措施',
    '督办级别',
    '发起时间',
    'order id',
  ],
  en: [
    'Feedback due',
    'Days overdue',
    'Department',
    'Subject',
    'USCC / ID',
    'List',
    'Measures',
    'Escalation',
    'Issued',
    'order id',
  ],
};

/** The language a request prefers among those the service speaks: Chinese unless English is preferred. */
export function languageOf(req: { acceptsLanguages(...langs: string[]): string | false }): Language {
  return req.acceptsLanguages('zh', 'en') === 'en' ? 'en' : 'zh';
}

/** A message's text; `path` (a field's API name) gives the Chinese label the message names, unless `label` is given. */
export function textOf(
  ref: Omit<MessageRef, 'listErrors'>,
  lang: Language,
  path = '',
  label = fieldLabel(path),
): string {
  const texts = CATALOGUE[ref.code];
  return lang === 'en' ? texts.en(ref.params ?? {}) : texts.zh({ ...ref.params, field: label });
}

/** A field error by code, its message (the English text, as a fallback) filled in. */
export function fieldError(path: string, code: MessageCode, params?: Params): FieldError {
  return { path, message: textOf({ code, params }, 'en', path), code, ...(params ? { params } : {}) };
}

/**
 * A field error in `lang`, the field named by `label`; one without a code (a message not in the catalogue) keeps its
 * English text.
 */
export function localiseFieldError(e: FieldError, lang: Language, label = fieldLabel(e.path)): FieldError {
  return {
    path: e.path,
    message: e.code ? textOf({ code: e.code, params: e.params }, lang, e.path, label) : e.message,
  };
}

/** A field error as one line of a detail or a rejects file: `decidedAt is in the future` / `决定日期不能晚于今天`. */
export function fieldLine(e: FieldError, lang: Language, label = fieldLabel(e.path)): string {
  if (lang === 'en') return `${e.path} ${e.message}`;
  if (!e.code) return `${label}：${e.message}`;
  return CATALOGUE[e.code].zh({ ...e.params, field: label });
}

/** A detail in `lang`: its own text, then (listErrors) every field error, each field named by `label`. */
export function detailText(ref: MessageRef, errors: FieldError[], lang: Language, label = fieldLabel): string {
  const head = textOf(ref, lang);
  if (!ref.listErrors || errors.length === 0) return head;
  const lines = errors.map((e) => fieldLine(e, lang, label(e.path)));
  return lang === 'en' ? `${head}: ${lines.join('; ')}` : `${head}：${lines.join('；')}`;
}
