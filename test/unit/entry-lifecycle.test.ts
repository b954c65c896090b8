import { ConflictError } from '../../src/errors';
import {
  admit,
  allows,
  relistProblem,
  TRANSITIONS,
  type EntryState,
  type TransitionName,
} from '../../src/lists/entry-lifecycle';

const STATES: EntryState[] = ['active', 'removed', 'expired', 'revoked'];
const NAMES = Object.keys(TRANSITIONS) as TransitionName[];

describe('the entry lifecycle table', () => {
  it('allows exactly the transitions of the table, from each state', () => {
    const allowed = Object.fromEntries(NAMES.map((n) => [n, STATES.filter((s) => allows(n, s))]));
    expect(allowed).toEqual({
      list: [],
      reissue: ['active'],
      correct: ['active'],
      object: ['active'],
      applyForRestoration: ['active'],
      remove: ['active'],
      restore: ['active'],
      expire: ['active'],
      revoke: ['active', 'removed', 'expired'],
    });
  });

  it('treats a repeat into the same end state as harmless, and refuses the rest with 409 naming the state', () => {
    expect(admit('remove', 'removed')).toBe('repeat');
    expect(admit('expire', 'expired')).toBe('repeat');
    expect(admit('revoke', 'revoked')).toBe('repeat');
    expect(admit('revoke', 'removed')).toBe('apply');
    // restoring is a decision on an application: never a silent repeat of another removal
    expect(() => admit('restore', 'removed')).toThrow(ConflictError);
    expect(() => admit('remove', 'revoked')).toThrow('the entry is revoked; remove is allowed only from active');
    expect(() => admit('correct', 'expired')).toThrow('the entry is expired');
    expect(() => admit('object', 'revoked')).toThrow(ConflictError);
  });

  it('lifts orders on every ending but revocation, which revokes them and marks decision records', () => {
    for (const n of ['remove', 'restore', 'expire'] as const) {
      expect(TRANSITIONS[n]).toMatchObject({
        orders: 'lift',
        measures: 'end',
        webhook: 'order.lifted',
        marksDecisions: false,
      });
    }
    expect(TRANSITIONS.revoke).toMatchObject({
      orders: 'revoke',
      measures: 'end',
      webhook: 'order.revoked',
      marksDecisions: true,
    });
    // an objection or a correction leaves the measures in force (no national text suspends a disputed listing)
    for (const n of ['object', 'correct', 'applyForRestoration'] as const)
      expect(TRANSITIONS[n]).toMatchObject({ to: 'active', orders: 'keep', measures: 'keep' });
    // a corrected date moves the measures' terms, and their departments are told
    expect(TRANSITIONS.correct.webhook).toBe('order.amended');
    expect([TRANSITIONS.object.webhook, TRANSITIONS.applyForRestoration.webhook]).toEqual([null, null]);
  });

  it('refuses listing a revoked entry again under its sourceRef, and only that', () => {
    expect(relistProblem({ status: 'revoked', source_ref: 'S-1' })).toEqual({
      code: 'revoked_source_ref',
      params: { sourceRef: 'S-1' },
    });
    for (const s of ['active', 'removed', 'expired'] as const)
      expect(relistProblem({ status: s, source_ref: 'S-1' })).toBeUndefined();
  });
});
