import { loadavg } from 'node:os';
import type { Cluster, Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import type { Child } from './children';
import { cpuSeconds, CpuMeter, machineCpu, peakRssMb, postgresPids, redisCpuSeconds } from './proc';
import { round } from './stats';

/** CPU and memory of the processes taking part in one measured run. */
export interface ResourceFigures {
  /** Peak RSS (VmHWM) of each worker process, MiB. */
  workerPeakRssMb: (number | null)[];
  /** CPU seconds of each worker process during the run. */
  workerCpuSeconds: (number | null)[];
  /** CPU seconds of the other named processes (simulator, HTTP endpoint, ...). */
  otherCpuSeconds: Record<string, number | null>;
  /** Our Postgres backends plus the server's background processes; null if unreadable. */
  postgresCpuSeconds: number | null;
  redisCpuSeconds: number | null;
  /** This benchmark process (the producer's enqueue runs in it). */
  benchCpuSeconds: number | null;
  /** Busy share of all cores of the machine during the run, percent. */
  machineBusyPercent: number | null;
  /**
   * CPU seconds used during the run by everything else on the machine (busy time minus the
   * processes above): other users disturb the figures when this is not small.
   */
  foreignCpuSeconds: number | null;
  /** The 1-minute load average when the run started. */
  loadAverageAtStart: number;
}

/**
 * Samples /proc (and Redis INFO) once a second during a run. Readings that are not available
 * (another user's processes, no /proc) come out as null rather than failing the benchmark.
 */
export class Monitor {
  private timer: NodeJS.Timeout | null = null;
  private readonly pg = new CpuMeter();
  private readonly start = {
    workers: new Map<number, number | null>(),
    others: new Map<string, number | null>(),
    redis: null as number | null,
    machine: machineCpu(),
    bench: process.cpuUsage(),
  };
  private pgReadable = true;
  private sampling: Promise<void> = Promise.resolve();

  constructor(
    private readonly ds: DataSource,
    private readonly redis: Redis | Cluster,
    private readonly appName: string,
    private readonly workers: Child[],
    private readonly others: Child[],
  ) {}

  private loadAverage = 0;

  async begin(): Promise<void> {
    this.loadAverage = round(loadavg()[0], 2) ?? 0;
    for (const w of this.workers) this.start.workers.set(w.pid, cpuSeconds(w.pid));
    for (const o of this.others) this.start.others.set(o.name, cpuSeconds(o.pid));
    this.start.redis = await redisCpuSeconds(this.redis);
    await this.samplePostgres(true);
    this.start.machine = machineCpu();
    this.start.bench = process.cpuUsage();
    this.timer = setInterval(() => {
      this.sampling = this.sampling.then(() => this.samplePostgres(false));
    }, 1000);
  }

  private async samplePostgres(atStart: boolean): Promise<void> {
    if (!this.pgReadable) return;
    const pids = await postgresPids(this.ds, this.appName);
    if (pids === null) this.pgReadable = false;
    else this.pg.sample(pids, atStart);
  }

  /** Final readings; call before the worker processes are stopped. */
  async end(): Promise<ResourceFigures> {
    if (this.timer) clearInterval(this.timer);
    await this.sampling;
    await this.samplePostgres(false);
    const machine = machineCpu();
    const bench = process.cpuUsage(this.start.bench);
    const redisNow = await redisCpuSeconds(this.redis);
    const delta = (now: number | null, then: number | null | undefined) =>
      now !== null && then !== null && then !== undefined ? round(now - then, 2) : null;
    const total = machine.total - this.start.machine.total;
    const workerCpu = this.workers.map((w) =>
      delta(cpuSeconds(w.pid), this.start.workers.get(w.pid)),
    );
    const otherCpu = Object.fromEntries(
      this.others.map((o) => [o.name, delta(cpuSeconds(o.pid), this.start.others.get(o.name))]),
    );
    const pgCpu = this.pgReadable ? round(this.pg.seconds(), 2) : null;
    const redisCpu = delta(redisNow, this.start.redis);
    const benchCpu = (bench.user + bench.system) / 1e6;
    const ours = [
      ...workerCpu,
      ...Object.values(otherCpu),
      pgCpu,
      redisCpu,
      benchCpu,
    ].reduce<number>((a, b) => a + (b ?? 0), 0);
    return {
      workerPeakRssMb: this.workers.map((w) => round(peakRssMb(w.pid), 1)),
      workerCpuSeconds: workerCpu,
      otherCpuSeconds: otherCpu,
      postgresCpuSeconds: pgCpu,
      redisCpuSeconds: redisCpu,
      benchCpuSeconds: round(benchCpu, 2),
      machineBusyPercent:
        total > 0 ? round(((machine.busy - this.start.machine.busy) / total) * 100, 1) : null,
      foreignCpuSeconds: round(Math.max(0, machine.busy - this.start.machine.busy - ours), 2),
      loadAverageAtStart: this.loadAverage,
    };
  }
}
