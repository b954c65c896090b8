import type { Knex } from 'knex';
import { actingDepartment, actorOf, type CallContext } from '../auth/principal';
import type { Db } from '../db/knex';
import type { DepartmentDirectory } from '../departments/department-directory';
import { capped } from '../http/request-errors';
import { UnprocessableError, ValidationError, type FieldError } from '../errors';
import type { components } from '../generated/openapi';
import { entryTextAndIdentifierErrors, type ListEntryInput, withSourceRefAsMeant } from '../lists/entry-input';
import { COPY_WRITER } from '../lists/copy-writer';
import { removeEntries, writeEntries, type PreparedEntry } from '../lists/entry-writer';
import type { EntryPlanner } from '../lists/entry-planner';
import { relistProblem, removalGroundProblem, sourceRefState } from '../lists/entry-lifecycle';
import type { ListEntryService } from '../lists/list-entry-service';
import { lockEntries } from '../lists/list-entry-store';
import { resubmissionConflict } from '../lists/resubmission';
import { fieldError, type MessageRef } from '../i18n/messages';
import type { Clock } from '../time/clock';
import type { BatchRow } from './csv-rows';
import { unsafeTextFieldsOf, type RowValidator } from './row-validator';

export type EntryRowResult = components['schemas']['BatchRowResult'];
export type RemovalRowResult = components['schemas']['RemovalBatchResult']['results'][number];
type RemovalItem = components['schemas']['RemovalBatchItem'];

export interface BatchServiceDeps {
  db: Db;
  entries: ListEntryService;
  planner: EntryPlanner;
  departments: DepartmentDirectory;
  clock: Clock;
  entryValidator: RowValidator;
  removalValidator: RowValidator;
}

/** Rows per transaction: big enough for multi-row statements to pay off, small enough to keep locks and memory short. */
export const DEFAULT_CHUNK_ROWS = 2000;
/** The most rows one HTTP batch may carry (the CLI streams files of any size). */
export const MAX_HTTP_ROWS = 10_000;

/**
 * Bulk ingestion and removal: the one code path behind POST /v1/list-entries/batch, the removal batch and
 * `npm run import`. Every row is checked exactly as the single endpoint checks a body (schema, then
 * normaliseEntry and the rules through EntryPlanner.plan); good rows of a chunk are written in one
 * transaction with writeEntries (COPY into each table, after one lookup of the sourceRefs already stored),
 * idempotent on (authority, sourceRef).
 */
export class BatchService {
  constructor(private readonly d: BatchServiceDeps) {}

  /** The list authority the caller acts as; the administrator is no list authority (403 for the whole batch). */
  authorityOf(ctx: CallContext): string {
    return actingDepartment(ctx.principal);
  }

  /** Checks and stores one chunk of rows (one transaction, or a few if a row fails in the database). */
  async ingestChunk(ctx: CallContext, rows: BatchRow[]): Promise<EntryRowResult[]> {
    const authority = this.authorityOf(ctx);
    const results = new Map<number, EntryRowResult>();
    const ready: { row: number; prepared: PreparedEntry }[] = [];
    for (const r of rows) {
      const checked = await this.checkEntry(authority, r);
      if ('errors' in checked) results.set(r.row, { row: r.row, status: 'rejected', errors: checked.errors });
      else ready.push({ row: r.row, prepared: checked.prepared });
    }
    // One lock order for every writer, so two concurrent batches with overlapping sourceRefs cannot deadlock.
    // The sort is stable: of two rows with one sourceRef, the earlier still comes first and is the one created.
    ready.sort((a, b) =>
      a.prepared.input.sourceRef < b.prepared.input.sourceRef
        ? -1
        : a.prepared.input.sourceRef > b.prepared.input.sourceRef
          ? 1
          : 0,
    );
    for (const res of await this.writeIsolatingFailures(ctx, authority, ready)) results.set(res.row, res);
    return rows.map((r) => results.get(r.row) as EntryRowResult);
  }

  /** Chunks of any size, for the HTTP endpoint: one result per row, in order. */
  async ingest(ctx: CallContext, rows: BatchRow[], chunkRows = DEFAULT_CHUNK_ROWS): Promise<EntryRowResult[]> {
    this.authorityOf(ctx);
    const out: EntryRowResult[] = [];
    for (let i = 0; i < rows.length; i += chunkRows)
      out.push(...(await this.ingestChunk(ctx, rows.slice(i, i + chunkRows))));
    return out;
  }

  private async checkEntry(
    authority: string,
    r: BatchRow,
  ): Promise<{ errors: FieldError[] } | { prepared: PreparedEntry }> {
    // every error of the row at once: its shape, the schema, text that may not be stored, and (when the schema
    // already failed, so normaliseEntry will not run) wrongly decoded text and bad check characters; a row with an oversized array is
    // refused for that alone, unread (src/http/array-limits.ts)
    const schema = this.d.entryValidator.errorsOf(r.input);
    const unread = schema.some((e) => e.code === 'too_many_items');
    const errors = [
      ...(r.errors ?? []),
      ...schema,
      ...(unread ? [] : unsafeTextFieldsOf(r.input)),
      ...(schema.length && !unread ? entryTextAndIdentifierErrors(r.input) : []),
    ];
    if (errors.length) return { errors: capped(dedupe(errors)) };
    const input = withSourceRefAsMeant(r.input as ListEntryInput);
    if (!this.d.departments.isAuthorityFor(authority, input.listType)) {
      return { errors: [fieldError('listType', 'not_list_authority', { authority, list: input.listType })] };
    }
    try {
      const { normalised, plan } = await this.d.planner.plan(input);
      return { prepared: { input, normalised, plan } };
    } catch (e) {
      if (e instanceof ValidationError || e instanceof UnprocessableError)
        return { errors: e.errors.length ? e.errors : [asFieldError('row', e)] };
      throw e;
    }
  }

  /**
   * Writes the chunk in one transaction. Should the database refuse it for a row's data (a class 22 or 23 error
   * that the checks above did not foresee), the chunk is halved until the row is found and rejected alone: the
   * good rows are stored all the same. Deadlocks and serialization failures are retried.
   */
  private async writeIsolatingFailures(
    ctx: CallContext,
    authority: string,
    ready: { row: number; prepared: PreparedEntry }[],
  ): Promise<EntryRowResult[]> {
    if (ready.length === 0) return [];
    try {
      const written = await retrying(() =>
        this.d.db.transaction((trx) =>
          writeEntries(
            trx,
            // every table by COPY (src/lists/copy-writer.ts): the rows are those of the single endpoint
            // a batch answers with ids and states: the entries' order views are not built
            { ...this.d.entries.writeContext(ctx, authority), writer: COPY_WRITER, withOrders: false },
            ready.map((r) => r.prepared),
          ),
        ),
      );
      return written.map((w, i): EntryRowResult => {
        const row = (ready[i] as { row: number; prepared: PreparedEntry }).row;
        // a revoked entry's sourceRef is refused, row by row (src/lists/entry-lifecycle.ts)
        const refused = w.created ? undefined : relistProblem(sourceRefState(w.entry));
        if (refused)
          return { row, status: 'rejected', errors: [fieldError('sourceRef', refused.code, refused.params)] };
        if (w.created || !w.conflict) {
          const also = w.entry.alsoActive;
          return {
            row,
            status: w.created ? 'created' : 'unchanged',
            id: w.entry.id,
            ...(also ? { alsoActive: also } : {}),
          };
        }
        const sourceRef = (ready[i] as { prepared: PreparedEntry }).prepared.input.sourceRef;
        return { row, status: 'rejected', errors: resubmissionConflict(sourceRef, w.entry, w.conflict).errors };
      });
    } catch (e) {
      if (!isDataError(e)) throw e;
      if (ready.length === 1)
        return [
          {
            row: (ready[0] as { row: number }).row,
            status: 'rejected',
            errors: [rowStoreProblem(e)],
          },
        ];
      const half = Math.ceil(ready.length / 2);
      return [
        ...(await this.writeIsolatingFailures(ctx, authority, ready.slice(0, half))),
        ...(await this.writeIsolatingFailures(ctx, authority, ready.slice(half))),
      ];
    }
  }

  /**
   * Removes one chunk in one transaction: the named entries are locked in id order (no deadlock with a concurrent
   * batch), then each is ended with endEntry, exactly as the single removal does.
   */
  async removeChunk(ctx: CallContext, rows: BatchRow[]): Promise<RemovalRowResult[]> {
    const authority = this.authorityOf(ctx);
    const results = new Map<number, RemovalRowResult>();
    const ready: { row: number; item: RemovalItem }[] = [];
    for (const r of rows) {
      let errors = dedupe([
        ...(r.errors ?? []),
        ...this.d.removalValidator.errorsOf(r.input),
        ...unsafeTextFieldsOf(r.input),
      ]);
      // the entry named by its sourceRef as meant, as it was stored
      const item = withSourceRefAsMeant(r.input as RemovalItem);
      if (!errors.length && (item.id === undefined) === (item.sourceRef === undefined))
        errors = [fieldError('sourceRef', 'one_of_id_source_ref')];
      else if (!errors.length && item.sourceRef === '') errors = [fieldError('sourceRef', 'required')];
      const groundProblem = errors.length ? undefined : removalGroundProblem(item.ground);
      if (groundProblem) errors = [groundProblem];
      if (errors.length) results.set(r.row, { row: r.row, status: 'rejected', errors });
      else ready.push({ row: r.row, item });
    }
    if (ready.length) {
      const write = (trx: Knex.Transaction) => this.removeLocked(trx, ctx, authority, ready);
      for (const res of await retrying(() => this.d.db.transaction(write))) results.set(res.row, res);
    }
    return rows.map((r) => results.get(r.row) as RemovalRowResult);
  }

  async remove(ctx: CallContext, rows: BatchRow[], chunkRows = DEFAULT_CHUNK_ROWS): Promise<RemovalRowResult[]> {
    this.authorityOf(ctx);
    const out: RemovalRowResult[] = [];
    for (let i = 0; i < rows.length; i += chunkRows)
      out.push(...(await this.removeChunk(ctx, rows.slice(i, i + chunkRows))));
    return out;
  }

  private async removeLocked(
    trx: Knex.Transaction,
    ctx: CallContext,
    authority: string,
    ready: { row: number; item: RemovalItem }[],
  ): Promise<RemovalRowResult[]> {
    const ids = ready.flatMap((r) => (r.item.id ? [r.item.id] : []));
    const refs = ready.flatMap((r) => (r.item.sourceRef ? [r.item.sourceRef] : []));
    const found = await lockEntries(trx, authority, ids, refs);
    const byId = new Map(found.map((e) => [e.id, e]));
    const byRef = new Map(found.filter((e) => e.authority === authority).map((e) => [e.source_ref, e]));
    const by = {
      authority,
      actor: actorOf(ctx.principal),
      at: this.d.clock.now(),
      requestId: ctx.requestId,
      // a chunk's ~8,000 audit rows (the entry's and one per order lifted) by COPY, as a chunk of new entries writes them
      writer: COPY_WRITER,
    };
    const named = ready.map(({ row, item }) => ({
      row,
      item,
      path: item.id ? 'id' : 'sourceRef',
      entry: item.id ? byId.get(item.id) : byRef.get(item.sourceRef as string),
    }));
    // every entry found is removed in one set-based step (removeEntries); refusals come back row by row
    const removals = await removeEntries(
      trx,
      by,
      named.flatMap(({ entry, item }) => (entry ? [{ row: entry, input: item }] : [])),
    );
    let next = 0;
    const out: RemovalRowResult[] = [];
    for (const { row, item, path, entry } of named) {
      if (!entry) {
        out.push({
          row,
          status: 'rejected',
          errors: [
            item.id
              ? fieldError(path, 'no_entry_id', { id: item.id })
              : fieldError(path, 'no_entry_source_ref', { authority, sourceRef: item.sourceRef ?? '' }),
          ],
        });
        continue;
      }
      const r = removals[next++];
      if (!r) throw new Error('removeEntries returned fewer results than it was given');
      out.push(
        'refused' in r
          ? { row, status: 'rejected', errors: [asFieldError(path, r.refused)] }
          : { row, status: r.removed ? 'removed' : 'unchanged', id: r.entry.id },
      );
    }
    return out;
  }
}

export function summaryOf<S extends string>(results: { status: S }[], statuses: readonly S[]): Record<S, number> {
  const summary = Object.fromEntries(statuses.map((s) => [s, 0])) as Record<S, number>;
  for (const r of results) summary[r.status]++;
  return summary;
}

function dedupe(errors: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter((e) => !seen.has(e.path) && seen.add(e.path));
}

const pgCode = (e: unknown): string => String((e as { code?: unknown }).code ?? '');
/** A row's data refused by PostgreSQL: data exceptions (22) and integrity violations (23). */
const isDataError = (e: unknown) => /^2[23]/.test(pgCode(e));

/**
 * What is wrong with a row the database refused, in the row's terms: the driver's message starts with the SQL
 * statement (and may quote values), so it is never passed on; the SQLSTATE class says enough.
 */
function rowStoreProblem(e: unknown): FieldError {
  const code = pgCode(e);
  if (code === '22021' || code === '22P05') return fieldError('row', 'store_bad_text');
  if (code === '22008' || code === '22007') return fieldError('row', 'store_bad_date');
  if (code.startsWith('23')) return fieldError('row', 'store_conflict');
  return fieldError('row', 'store_bad_value', { code });
}

/** A domain error of one row as that row's field error, its message code kept. */
function asFieldError(path: string, e: { message: string; detailRef?: MessageRef }): FieldError {
  return e.detailRef ? { ...fieldError(path, e.detailRef.code, e.detailRef.params) } : { path, message: e.message };
}

async function retrying<T>(work: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await work();
    } catch (e) {
      if (i >= attempts || !['40P01', '40001'].includes(pgCode(e))) throw e;
      await new Promise((r) => setTimeout(r, 20 * i + Math.random() * 50));
    }
  }
}
