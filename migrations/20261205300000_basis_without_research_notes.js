// @ts-check
/**
 * Issue 20: the basis handed to desks, orders and pages is the citation (and the quoted text), nothing else. The rule
 * files used to carry research notes inside the article ("（措施表未读到）" …); they now sit in each basis's `gap`,
 * i.e. the rule's provenance. Rows written before keep the old strings, and checks resolve stored strings to the
 * rules' citations by exact text, so the stored articles are rewritten to the new citations here. Decision records
 * (check_decisions.answer) and the audit log keep what was answered then: they are evidence, never rewritten.
 * @param {import('knex').Knex} knex
 */
const REWRITES = [
  ['2014年文本第十八条的对应条款（修订后条号未核对）', '2014年文本第十八条的对应条款'],
  ['联合惩戒措施（措施表未读到）', '联合惩戒措施'],
  ['二（一）从事特定行业或项目限制（该项原文未读到，只读到类别标题）', '二（一）从事特定行业或项目限制'],
  ['二（二）政府支持或补贴限制（该项原文未读到，只读到类别标题）', '二（二）政府支持或补贴限制'],
  ['二（三）任职资格限制（该项原文未读到，只读到类别标题）', '二（三）任职资格限制'],
  ['二（五）（类别标题；各项原文未读到）', '二（五）荣誉和授信限制'],
  ['二（八）（类别标题；条文在“车辆信息,”之后中断）', '二（八）协助查询、控制及出境限制'],
];

/** @param {import('knex').Knex} knex @param {[string, string][]} pairs */
async function rewrite(knex, pairs) {
  for (const [from, to] of pairs) {
    for (const table of ['restrictions', 'officer_bans']) {
      await knex.raw(
        `update ?? set basis = (select array_agg(replace(b, ?, ?) order by i) from unnest(basis) with ordinality u(b, i))
          where exists (select 1 from unnest(basis) b where strpos(b, ?) > 0)`,
        [table, from, to, from],
      );
    }
    // orders.measures[].basis[] = {document, article}: the article is a whole JSON string value.
    await knex.raw(
      `update orders set measures = replace(measures::text, ?, ?)::jsonb where strpos(measures::text, ?) > 0`,
      [JSON.stringify(from), JSON.stringify(to), JSON.stringify(from)],
    );
  }
}

exports.up = async function up(knex) {
  await rewrite(knex, /** @type {[string, string][]} */ (REWRITES));
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await rewrite(knex, /** @type {[string, string][]} */ (REWRITES.map(([a, b]) => [b, a])));
};
