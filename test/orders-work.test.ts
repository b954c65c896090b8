import { addDays, chinaDate } from '../src/time/dates';
import { enterpriseEntry } from './support/factories';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Issue 20, orders a department can work: whom each order is about, the most urgent first, filters, working days
 * overdue, reasons for not_applicable, feedback in bulk and its correction within 5 working days.
 */
type Order = {
  id: string;
  status: string;
  dueAt: string;
  dueDate: string;
  daysOverdue: number;
  overdue: boolean;
  subject: { kind: string; name: string; uscc?: string };
  listType: string;
  listTypeName: string;
  authority: string;
  authorityName: string;
  feedback: { outcome: string; reason?: string | null; at: string; firstAt?: string; correctableUntil?: string } | null;
};

describe('orders a department can work', () => {
  let t: TestApp;
  let samr: Record<string, string>;
  let mof: Record<string, string>;
  let ndrc: Record<string, string>;
  /** mof's orders on three entries listed a week apart (A earliest), and ndrc's order on A */
  const mofOrder: Record<'A' | 'B' | 'C', string> = { A: '', B: '', C: '' };
  const uscc: Record<'A' | 'B' | 'C', string> = { A: '', B: '', C: '' };
  let ndrcOrderOfA = '';

  const list = async (query: Record<string, string | number> = {}, auth = mof) =>
    (await t.http.get('/v1/orders').query(query).set(auth).expect(200)).body as {
      items: Order[];
      nextCursor: string | null;
    };

  beforeAll(async () => {
    t = await startTestApp();
    samr = await t.tokenFor('samr');
    mof = await t.tokenFor('mof');
    ndrc = await t.tokenFor('ndrc');
    const days: ['A' | 'B' | 'C', string][] = [
      ['A', '2026-03-02'],
      ['B', '2026-03-09'],
      ['C', '2026-03-16'],
    ];
    for (const [key, day] of days) {
      t.clock.set(new Date(`${day}T02:00:00Z`));
      const entry = enterpriseEntry();
      entry.subject = { ...entry.subject, name: `工作台测试${key}贸易有限公司` } as typeof entry.subject;
      const created = (await t.http.post('/v1/list-entries').set(samr).send(entry).expect(201)).body;
      uscc[key] = (entry.subject as { uscc: string }).uscc;
      mofOrder[key] = created.orders.find((o: { department: string }) => o.department === 'mof').id;
      if (key === 'A') ndrcOrderOfA = created.orders.find((o: { department: string }) => o.department === 'ndrc').id;
    }
    t.clock.set(new Date('2026-04-20T02:00:00Z'));
  });
  afterAll(() => t.close());

  it('carries the subject, list and authority, dueDate and working days overdue; most urgent first', async () => {
    const { items } = await list();
    expect(items.map((o) => o.id)).toEqual([mofOrder.A, mofOrder.B, mofOrder.C]);
    const [a] = items as [Order];
    expect(a).toMatchObject({
      subject: { kind: 'enterprise', name: '工作台测试A贸易有限公司', uscc: uscc.A },
      listType: 'serious_violation',
      listTypeName: '严重违法失信名单',
      authority: 'samr',
      overdue: true,
    });
    expect(a.authorityName).toContain('市场监督管理');
    expect(a.dueDate).toBe(chinaDate(new Date(Date.parse(a.dueAt) - 1)));
    // working days after the due day, up to today, on the same calendar deadlines use
    let expected = 0;
    for (let d = addDays(a.dueDate, 1); d <= '2026-04-20'; d = addDays(d, 1))
      if (t.app.calendar.isWorkday(d)) expected++;
    expect(a.daysOverdue).toBe(expected);
    expect(a.daysOverdue).toBeLessThan(Math.round((Date.parse('2026-04-20') - Date.parse(a.dueDate)) / 86_400_000));
    expect(items.map((o) => o.daysOverdue)).toEqual([...items.map((o) => o.daysOverdue)].sort((x, y) => y - x));

    // an order fed back goes after every order still to work
    await t.http
      .post(`/v1/orders/${mofOrder.A}/feedback`)
      .set(mof)
      .send({ outcome: 'implemented', note: '已拦截' })
      .expect(200);
    const after = await list();
    expect(after.items.map((o) => o.id)).toEqual([mofOrder.B, mofOrder.C, mofOrder.A]);
    expect(after.items[2]?.daysOverdue).toBe(0);
    // page by page, the same order
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Order[]; nextCursor: string | null } = await list({
        limit: 1,
        ...(cursor ? { cursor } : {}),
      });
      paged.push(...page.items.map((o) => o.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(paged).toEqual(after.items.map((o) => o.id));
    // the other sorts
    expect((await list({ sort: 'newest' })).items.map((o) => o.id)).toEqual([mofOrder.C, mofOrder.B, mofOrder.A]);
    expect((await list({ sort: 'due_desc', limit: 2 })).items.map((o) => o.id)).toEqual([mofOrder.C, mofOrder.B]);
    await t.http.get('/v1/orders').query({ sort: 'sideways' }).set(mof).expect(400);
  });

  it('filters by subject, USCC, list type and due range', async () => {
    expect((await list({ uscc: uscc.B })).items.map((o) => o.id)).toEqual([mofOrder.B]);
    expect((await list({ subject: '测试C贸易' })).items.map((o) => o.id)).toEqual([mofOrder.C]);
    expect((await list({ subject: '%' })).items).toEqual([]);
    expect((await list({ listType: 'dishonest_debtor' })).items).toEqual([]);
    expect((await list({ listType: 'serious_violation' })).items).toHaveLength(3);
    const b = (await t.http.get(`/v1/orders/${mofOrder.B}`).set(mof).expect(200)).body as Order;
    expect(b.subject.uscc).toBe(uscc.B);
    const inB = await list({ dueFrom: b.dueDate, dueTo: b.dueDate });
    expect(inB.items.map((o) => o.id)).toEqual([mofOrder.B]);
    const fromB = await list({ dueFrom: b.dueDate });
    expect(fromB.items.map((o) => o.id).sort()).toEqual([mofOrder.B, mofOrder.C].sort());
    const bad = await t.http
      .get('/v1/orders')
      .query({ dueFrom: '2026-05-01', dueTo: '2026-04-01' })
      .set(mof)
      .expect(400);
    expect(bad.body.errors[0].path).toBe('dueTo');
  });

  it('requires a reason for not_applicable, and a note for the reason other', async () => {
    const refuse = async (body: object, path: string) => {
      const res = await t.http.post(`/v1/orders/${mofOrder.B}/feedback`).set(mof).send(body).expect(400);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    };
    await refuse({ outcome: 'not_applicable', note: '无业务' }, 'reason');
    await refuse({ outcome: 'not_applicable', reason: 'other' }, 'note');
    await refuse({ outcome: 'implemented', reason: 'no_business' }, 'reason');
    await t.http
      .post(`/v1/orders/${mofOrder.B}/feedback`)
      .set(mof)
      .send({ outcome: 'not_applicable', reason: 'whatever' })
      .expect(400);
    expect((await t.http.get(`/v1/orders/${mofOrder.B}`).set(mof).expect(200)).body.status).toBe('issued');
  });

  it('takes feedback on many orders in one call, each its own outcome', async () => {
    const missing = '00000000-0000-4000-8000-000000000001';
    const res = await t.http
      .post('/v1/orders/feedback')
      .set(mof)
      .send({
        items: [
          { orderId: mofOrder.B, outcome: 'not_applicable', reason: 'no_business' },
          { orderId: mofOrder.C, outcome: 'not_applicable' },
          { orderId: ndrcOrderOfA, outcome: 'implemented' },
          { orderId: missing, outcome: 'implemented' },
          { orderId: mofOrder.A, outcome: 'implemented' },
        ],
      })
      .expect(200);
    expect(res.body.results.map((r: { status: number }) => r.status)).toEqual([200, 400, 403, 404, 409]);
    expect(res.body.results.map((r: { orderId: string }) => r.orderId)).toEqual([
      mofOrder.B,
      mofOrder.C,
      ndrcOrderOfA,
      missing,
      mofOrder.A,
    ]);
    expect(res.body).toMatchObject({ applied: 1, failed: 4 });
    expect(res.body.results[0].order).toMatchObject({
      status: 'not_applicable',
      feedback: { outcome: 'not_applicable', reason: 'no_business' },
    });
    expect(res.body.results[1].problem.errors[0].path).toBe('items[1].reason');
    expect((await t.http.get(`/v1/orders/${mofOrder.C}`).set(mof).expect(200)).body.status).toBe('issued');
    expect((await t.http.get(`/v1/orders/${ndrcOrderOfA}`).set(ndrc).expect(200)).body.status).toBe('issued');
    // the same again changes nothing
    const again = await t.http
      .post('/v1/orders/feedback')
      .set(mof)
      .send({ items: [{ orderId: mofOrder.B, outcome: 'not_applicable', reason: 'no_business' }] })
      .expect(200);
    expect(again.body.results[0].status).toBe(409);
    const tooMany = Array.from({ length: 501 }, () => ({ orderId: missing, outcome: 'implemented' }));
    await t.http.post('/v1/orders/feedback').set(mof).send({ items: tooMany }).expect(400);
  });

  it('lets the department correct its feedback within 5 working days, audited; later 409 naming the window', async () => {
    const first = (await t.http.get(`/v1/orders/${mofOrder.A}`).set(mof).expect(200)).body as Order;
    expect(first.feedback?.correctableUntil).toBeDefined();
    await t.http
      .post(`/v1/orders/${mofOrder.A}/feedback/correction`)
      .set(ndrc)
      .send({ outcome: 'not_applicable', reason: 'already_restricted' })
      .expect(403);
    await t.http
      .post(`/v1/orders/${mofOrder.C}/feedback/correction`)
      .set(mof)
      .send({ outcome: 'implemented' })
      .expect(409);
    t.clock.set(new Date('2026-04-24T02:00:00Z')); // 4 working days later
    const corrected = (
      await t.http
        .post(`/v1/orders/${mofOrder.A}/feedback/correction`)
        .set(mof)
        .send({ outcome: 'not_applicable', reason: 'already_restricted', note: '已由其他渠道限制' })
        .expect(200)
    ).body as Order;
    expect(corrected.status).toBe('not_applicable');
    expect(corrected.feedback).toMatchObject({ outcome: 'not_applicable', reason: 'already_restricted' });
    expect(corrected.feedback?.firstAt).toBe(first.feedback?.at);
    expect(corrected.feedback?.correctableUntil).toBe(first.feedback?.correctableUntil);
    const [audit] = await t.db('audit_log').where({ entity_id: mofOrder.A, action: 'order.feedback_corrected' });
    expect(audit?.before).toMatchObject({ status: 'implemented', feedback: { outcome: 'implemented' } });
    expect(audit?.after).toMatchObject({ status: 'not_applicable', feedback: { reason: 'already_restricted' } });
    // the same correction again: nothing new
    await t.http
      .post(`/v1/orders/${mofOrder.A}/feedback/correction`)
      .set(mof)
      .send({ outcome: 'not_applicable', reason: 'already_restricted', note: '已由其他渠道限制' })
      .expect(200);
    expect(await t.count('audit_log', { entity_id: mofOrder.A, action: 'order.feedback_corrected' })).toBe(1);

    t.clock.set(new Date(Date.parse(first.feedback?.correctableUntil as string) + 1000));
    const late = await t.http
      .post(`/v1/orders/${mofOrder.A}/feedback/correction`)
      .set(mof)
      .send({ outcome: 'implemented' })
      .expect(409);
    expect(late.body.detail).toContain('5 个工作日');
    expect(late.body.detail).toContain(first.feedback?.correctableUntil);
    expect((await t.http.get(`/v1/orders/${mofOrder.A}`).set(mof).expect(200)).body.status).toBe('not_applicable');
  });
});
