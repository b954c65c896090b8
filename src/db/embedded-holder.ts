import { existsSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Which process holds the embedded PostgreSQL of a DATA_DIR. A server whose postmaster.pid is still there is either a
 * crash's leftover (the service was killed; stop it and start afresh) or the server of a service that is running
 * (leave it alone: `npm run import` beside the service must not take its database away, issue 19). The holder file
 * tells the two apart: the service writes it once its server is ready and removes it when it stops; a holder whose
 * process is gone, or whose process id now names another process (compared by start time), holds nothing.
 */
export interface Holder {
  pid: number;
  port: number;
  /** The holder's start time in clock ticks since boot (/proc/<pid>/stat field 22): a reused process id differs. */
  startTicks: number | null;
}

const FILE = 'embedded-holder.json';

function startTicksOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces and parentheses: count fields after its closing parenthesis
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[19]);
  } catch {
    return null; // no /proc (macOS): the process id alone decides
  }
}

/** Whether a process with this id exists (EPERM: it does, under another user, e.g. the postmaster as jp-postgres). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running process that holds the server of this DATA_DIR, if any (never this process itself). */
export function liveHolder(dataDir: string): Holder | undefined {
  const file = path.join(dataDir, FILE);
  if (!existsSync(file)) return undefined;
  let holder: Holder;
  try {
    holder = JSON.parse(readFileSync(file, 'utf8')) as Holder;
  } catch {
    return undefined; // half-written by a crash: nobody holds it
  }
  if (!Number.isInteger(holder.pid) || holder.pid === process.pid || !isAlive(holder.pid)) return undefined;
  if (holder.startTicks !== null && startTicksOf(holder.pid) !== holder.startTicks) return undefined;
  return holder;
}

/** This process now holds the server (written after it is ready, so a reader never sees a holder of a dead start). */
export function claimHolder(dataDir: string, port: number): void {
  const file = path.join(dataDir, FILE);
  const holder: Holder = { pid: process.pid, port, startTicks: startTicksOf(process.pid) };
  writeFileSync(`${file}.tmp`, JSON.stringify(holder), { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

/** Removes the holder file if this process wrote it. */
export function releaseHolder(dataDir: string): void {
  const file = path.join(dataDir, FILE);
  try {
    if ((JSON.parse(readFileSync(file, 'utf8')) as Holder).pid === process.pid) unlinkSync(file);
  } catch {
    // gone already, or never written
  }
}
