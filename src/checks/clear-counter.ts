import type { Logger } from 'pino';
import type { CheckKind, ClearCount, DecisionStore } from './decision-store';

/**
 * Clean answers nobody asked to keep are only counted, per department, kind, scenario (or role) and China day, so
 * the common answer costs no write: counts add up in memory and go to check_counts in one upsert every flushMs
 * (and on close, and before a report is read). Durability bound: a crash loses at most the last flushMs of counts
 * of that instance; a failed flush keeps its counts for the next one.
 */
export class ClearCounter {
  private pending = new Map<string, ClearCount>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: DecisionStore,
    private readonly log: Logger,
    private readonly flushMs = 10_000,
  ) {}

  count(department: string, kind: CheckKind, scenario: string | null, day: string): void {
    this.add({ department, kind, scenario: scenario ?? '', day, clear: 1 });
  }

  private add(n: ClearCount): void {
    const key = `${n.department}\u0000${n.kind}\u0000${n.scenario}\u0000${n.day}`;
    const c = this.pending.get(key);
    if (c) c.clear += n.clear;
    else this.pending.set(key, { ...n });
  }

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.flushMs).unref();
  }

  /** Writes what has been counted so far; flushes never overlap. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.pending.size === 0) return;
      const batch = [...this.pending.values()];
      this.pending = new Map();
      try {
        await this.store.addClearCounts(batch);
      } catch (err) {
        this.log.warn({ err }, 'clean-answer counts not written; kept for the next flush');
        for (const c of batch) this.add(c);
      }
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
