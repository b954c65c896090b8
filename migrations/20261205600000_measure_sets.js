// @ts-check
/**
 * Issue 23, bytes per entry (ADR 0009): an order's measures (names, memorandum, basis, reach, scenarios or roles) are
 * stored once per distinct content in measure_sets, and orders, restrictions and officer bans name the set instead of
 * each carrying a copy of the texts. The order keeps what is its own: each measure's `until`, in the set's order
 * (null when every one is null, as for almost all orders).
 * A set is content-addressed (digest = sha256 of its jsonb text, unique) and never changes, so an order keeps exactly
 * the measures it was issued with after a rule file changes: a changed rule writes a new set.
 *
 * No foreign key names measure_sets: every order would take a FOR KEY SHARE lock on one of a few dozen set rows, and
 * an import of 3,000 entries (30,000 orders) ran at 300 instead of 650 entries/s with it (measured, loaded machine).
 * What a key would guard is kept otherwise: a row gets its set id from the set's INSERT or SELECT in the same
 * transaction, and a trigger refuses UPDATE, DELETE and TRUNCATE on measure_sets (a set is never changed or removed).
 *
 * Up moves the rows written before: a restriction's or ban's texts must be those of the same measure in its order
 * (they were written from the same rule in the same transaction); if any row says otherwise the migration stops
 * rather than drop what it says. Down puts the copies back from the sets.
 * @param {import('knex').Knex} knex
 */
const DIGEST = (m) => `sha256(convert_to((${m})::text, 'UTF8'))`;

exports.up = async (knex) => {
  await knex.raw(`
    create table measure_sets (
      id integer generated always as identity primary key,
      digest bytea not null unique,
      measures jsonb not null
    );
    comment on table measure_sets is
      'The measures of an order as issued, without their until dates; one row per distinct content, never updated';
    comment on column measure_sets.digest is 'sha256 of measures::text: equal content, one row';
    create function measure_sets_immutable() returns trigger language plpgsql as $$
    begin
      raise exception 'measure_sets never change: % is not allowed', tg_op using errcode = 'insufficient_privilege';
    end
    $$;
    create trigger measure_sets_no_update_delete before update or delete on measure_sets
      for each row execute function measure_sets_immutable();
    create trigger measure_sets_no_truncate before truncate on measure_sets
      for each statement execute function measure_sets_immutable();

    alter table orders add column measure_set_id integer, add column measure_untils date[];
    alter table restrictions add column measure_set_id integer;
    alter table officer_bans add column measure_set_id integer;

    create temporary table order_sets on commit drop as
      select o.id, s.m, ${DIGEST('s.m')} as digest, s.untils
        from orders o,
             lateral (select coalesce(jsonb_agg(x.m - 'until' order by x.i), '[]'::jsonb) as m,
                             case when bool_or(x.m->>'until' is not null)
                                  then array_agg((x.m->>'until')::date order by x.i) end as untils
                        from jsonb_array_elements(o.measures) with ordinality x(m, i)) s;
    insert into measure_sets (digest, measures)
      select distinct on (digest) digest, m from order_sets order by digest
      on conflict (digest) do nothing;
    update orders o set measure_set_id = ms.id, measure_untils = os.untils
      from order_sets os join measure_sets ms on ms.digest = os.digest
     where os.id = o.id;
    update restrictions r set measure_set_id = o.measure_set_id from orders o where o.id = r.order_id;
    update officer_bans b set measure_set_id = o.measure_set_id from orders o where o.id = b.order_id;
  `);
  const stray = await knex.raw(`
    select (select count(*) from restrictions r
              where not exists (
                select 1 from measure_sets s, jsonb_array_elements(s.measures) m
                 where s.id = r.measure_set_id and m->>'code' = r.measure_code
                   and m->>'name' = r.measure_name and m->>'nameEn' = r.measure_name_en
                   and coalesce(array(select jsonb_array_elements_text(m->'scenarios')), '{}') = r.scenarios
                   and array(select b->>'document' || ' ' || (b->>'article')
                               from jsonb_array_elements(m->'basis') with ordinality y(b, i) order by i) = r.basis))
           + (select count(*) from officer_bans ob
              where not exists (
                select 1 from measure_sets s, jsonb_array_elements(s.measures) m
                 where s.id = ob.measure_set_id and m->>'code' = ob.code
                   and m->>'name' = ob.reason and m->>'nameEn' = ob.reason_en
                   and coalesce(array(select jsonb_array_elements_text(m->'roles')), '{}') = ob.roles
                   and array(select b->>'document' || ' ' || (b->>'article')
                               from jsonb_array_elements(m->'basis') with ordinality y(b, i) order by i) = ob.basis))
           as n`);
  const n = Number(stray.rows[0].n);
  if (n > 0)
    throw new Error(
      `${n} restriction or ban rows differ from their order's measure: not moved (see migration 20261205600000)`,
    );
  await knex.raw(`
    alter table orders alter column measure_set_id set not null, drop column measures;
    alter table restrictions alter column measure_set_id set not null,
                             drop column measure_name, drop column measure_name_en, drop column scenarios,
                             drop column basis;
    alter table officer_bans alter column measure_set_id set not null,
                             drop column roles, drop column reason, drop column reason_en, drop column basis;
    comment on column orders.measure_set_id is 'the measures as issued (measure_sets), with measure_untils';
    comment on column orders.measure_untils is
      'each measure''s last day in force, in the set''s order (null: while listed); null when all are null';
    comment on column restrictions.measure_set_id is 'its order''s measure set: name, scenarios, basis of measure_code';
    comment on column officer_bans.measure_set_id is 'its order''s measure set: reason, roles, basis of code';
  `);
};

/** @param {import('knex').Knex} knex */
exports.down = async (knex) => {
  const BASIS = `array(select b->>'document' || ' ' || (b->>'article')
                         from jsonb_array_elements(m->'basis') with ordinality y(b, i) order by i)`;
  const MEASURE = (row, code) => `(select m from measure_sets s, jsonb_array_elements(s.measures) m
                                    where s.id = ${row}.measure_set_id and m->>'code' = ${row}.${code})`;
  await knex.raw(`
    alter table orders add column measures jsonb;
    alter table restrictions add column measure_name text, add column measure_name_en text,
                             add column scenarios text[], add column basis text[];
    alter table officer_bans add column roles text[], add column reason text, add column reason_en text,
                             add column basis text[];
    update orders o set measures = (
      select coalesce(jsonb_agg(x.m || jsonb_build_object('until', o.measure_untils[x.i]) order by x.i), '[]'::jsonb)
        from measure_sets s, jsonb_array_elements(s.measures) with ordinality x(m, i) where s.id = o.measure_set_id);
    update restrictions r set (measure_name, measure_name_en, scenarios, basis) = (
      select m->>'name', m->>'nameEn', coalesce(array(select jsonb_array_elements_text(m->'scenarios')), '{}'), ${BASIS}
        from ${MEASURE('r', 'measure_code')} t);
    update officer_bans ob set (reason, reason_en, roles, basis) = (
      select m->>'name', m->>'nameEn', coalesce(array(select jsonb_array_elements_text(m->'roles')), '{}'), ${BASIS}
        from ${MEASURE('ob', 'code')} t);
    alter table orders alter column measures set not null, drop column measure_set_id, drop column measure_untils;
    alter table restrictions alter column measure_name set not null, alter column measure_name_en set not null,
                             alter column scenarios set not null, alter column basis set not null,
                             drop column measure_set_id;
    alter table officer_bans alter column roles set not null, alter column reason set not null,
                             alter column reason_en set not null, alter column basis set not null,
                             drop column measure_set_id;
    drop table measure_sets;
    drop function measure_sets_immutable();
  `);
};
