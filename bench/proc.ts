import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';
import { masterNodes } from '@app/infra';
import type { DataSource } from 'typeorm';

/** Clock ticks per second of /proc/<pid>/stat times. */
const TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user + system) a process has used, or null when it is gone or unreadable. */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command may contain spaces and parentheses: fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return null;
  }
}

/** Peak resident set size of a process (VmHWM), in MiB, or null when unreadable. */
export function peakRssMb(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Busy and total CPU seconds of the whole machine so far (from /proc/stat). */
export function machineCpu(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  const idle = v[3] + (v[4] ?? 0);
  return { busy: (total - idle) / TICKS, total: total / TICKS };
}

/** The machine as the README table names it. */
export function machineInfo(): {
  nproc: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
} {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? 'unknown';
  const memKb = Number(/MemTotal:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0);
  const nproc = readdirSync('/sys/devices/system/cpu').filter((d) => /^cpu\d+$/.test(d)).length;
  return {
    nproc,
    cpuModel: model,
    memoryGiB: Math.round((memKb / 1024 ** 2) * 10) / 10,
    node: process.version,
  };
}

/**
 * CPU used by a changing set of processes over a measurement: each pid's last reading minus its
 * first (0 for a pid first seen after the start), sampled periodically so short-lived
 * processes (pool connections closed while idle) still count up to their last sample.
 */
export class CpuMeter {
  private readonly first = new Map<number, number>();
  private readonly last = new Map<number, number>();

  /** Reads the pids; `atStart` pids are the baseline, later newcomers start from 0. */
  sample(pids: Iterable<number>, atStart = false): void {
    for (const pid of pids) {
      const s = cpuSeconds(pid);
      if (s === null) continue;
      if (!this.first.has(pid)) this.first.set(pid, atStart ? s : 0);
      this.last.set(pid, s);
    }
  }

  seconds(): number {
    let sum = 0;
    for (const [pid, last] of this.last) sum += last - (this.first.get(pid) ?? 0);
    return sum;
  }
}

/**
 * Postgres backends serving our `application_name`, plus the server's background processes
 * (WAL writer, checkpointer, ...), whose work our writes cause. Null when not readable.
 */
export async function postgresPids(ds: DataSource, appName: string): Promise<number[] | null> {
  try {
    const rows: { pid: number }[] = await ds.query(
      `SELECT pid FROM pg_stat_activity
        WHERE application_name = $1 OR backend_type IN
              ('walwriter', 'checkpointer', 'background writer', 'autovacuum worker', 'autovacuum launcher')`,
      [appName],
    );
    return rows.map((r) => Number(r.pid));
  } catch {
    return null;
  }
}

/** Redis server CPU seconds so far (INFO cpu), summed over every master, or null. */
export async function redisCpuSeconds(redis: Redis | Cluster): Promise<number | null> {
  try {
    let s = 0;
    for (const node of await masterNodes(redis)) {
      const info = await node.info('cpu');
      const get = (k: string) => Number(new RegExp(`${k}:([\\d.]+)`).exec(info)?.[1] ?? NaN);
      s += get('used_cpu_user') + get('used_cpu_sys');
    }
    return Number.isFinite(s) ? s : null;
  } catch {
    return null;
  }
}
