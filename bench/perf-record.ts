import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { perfBreakdown, PerfBreakdown } from './perf-owners';

/** Why `perf` cannot record here, or null when it can. */
export function perfUnavailable(): string | null {
  const r = spawnSync('perf', ['--version'], { encoding: 'utf8' });
  if (r.error) return `perf is not installed (${r.error.message}): apt-get install linux-perf`;
  return r.status === 0 ? null : `perf --version exited ${r.status}: ${r.stderr.trim()}`;
}

/**
 * `perf record -g` of some processes (every thread), from `start` until `stop`; the processes
 * must run node with `--perf-basic-prof` for their JavaScript to have names.
 */
export class PerfRecording {
  private constructor(
    private readonly perf: ChildProcess,
    private readonly file: string,
    private readonly pids: number[],
  ) {}

  static async start(pids: number[], file: string): Promise<PerfRecording> {
    const perf = spawn(
      'perf',
      ['record', '-q', '-F', '999', '-g', '-p', pids.join(','), '-o', file],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    perf.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    // perf attaches within a few ms; a failure to (no permission, a pid gone) ends it at once.
    const ended = await Promise.race([
      new Promise<number | null>((resolve) => perf.once('exit', resolve)),
      new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), 300)),
    ]);
    if (ended !== 'running') throw new Error(`perf record exited ${ended}: ${stderr.trim()}`);
    return new PerfRecording(perf, file, pids);
  }

  private get running(): boolean {
    return this.perf.exitCode === null && this.perf.signalCode === null;
  }

  /** Ends the recording if it still runs (the bench's cleanup, on any exit). */
  kill(): void {
    if (this.running) this.perf.kill('SIGINT');
  }

  /** Stops the recording and reads it: where the processes' CPU went. */
  async stop(): Promise<PerfBreakdown> {
    await new Promise<void>((resolve) => {
      if (!this.running) return resolve();
      this.perf.once('exit', () => resolve());
      this.perf.kill('SIGINT');
    });
    const script = spawnSync('perf', ['script', '-i', this.file, '-F', 'tid,ip,sym,dso'], {
      encoding: 'utf8',
      maxBuffer: 2 ** 31,
    });
    if (script.status !== 0)
      throw new Error(`perf script exited ${script.status}: ${script.stderr.slice(0, 500)}`);
    // node --perf-basic-prof's symbol maps: one per process, megabytes each.
    for (const pid of this.pids) rmSync(`/tmp/perf-${pid}.map`, { force: true });
    return perfBreakdown(script.stdout);
  }
}
