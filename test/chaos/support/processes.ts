import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createWriteStream, existsSync, WriteStream } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..', '..');
export const DIST = join(ROOT, 'dist', 'apps');

let built = false;

/**
 * Builds `dist/` once per test process (`npm run build`), unless the caller already did
 * (`CHAOS_BUILT=1`, set by `npm run test:chaos` after its own build).
 */
export function ensureBuilt(): void {
  if (built || process.env.CHAOS_BUILT === '1') return;
  execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'pipe' });
  for (const app of ['worker', 'producer', 'snap-simulator']) {
    if (!existsSync(join(DIST, app, 'src', 'main.js')))
      throw new Error(`build left no ${app} main.js`);
  }
  built = true;
}

/** Every app process started by this test process, killed whatever happens. */
const everyChild = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of everyChild) if (child.exitCode === null) child.kill('SIGKILL');
});

/** One app (`node dist/apps/<app>/src/main.js`) as a child process, its output kept. */
export class AppProcess {
  readonly child: ChildProcess;
  /** Output lines (stdout and stderr), in order. */
  readonly lines: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly log: WriteStream;
  private waiters: { re: RegExp; resolve: () => void }[] = [];

  constructor(
    readonly name: string,
    app: 'worker' | 'producer' | 'snap-simulator',
    env: Record<string, string>,
    logDir: string,
    /** Run under `nice -n <this>` (a negative value needs root). */
    nice?: string,
  ) {
    this.log = createWriteStream(join(logDir, `${name}.log`), { flags: 'a' });
    const command = [process.execPath, join(DIST, app, 'src', 'main.js')];
    if (nice !== undefined) command.unshift('nice', '-n', nice);
    this.child = spawn(command[0], command.slice(1), {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    everyChild.add(this.child);
    let partial = '';
    const onData = (chunk: Buffer) => {
      this.log.write(chunk);
      const text = partial + chunk.toString('utf8');
      const parts = text.split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        if (!line) continue;
        this.lines.push(line);
        this.waiters = this.waiters.filter((w) => (w.re.test(line) ? (w.resolve(), false) : true));
      }
    };
    this.child.stdout!.on('data', onData);
    this.child.stderr!.on('data', onData);
    this.exited = new Promise((done) =>
      this.child.once('exit', (code, signal) => {
        everyChild.delete(this.child);
        this.log.end();
        done({ code, signal });
      }),
    );
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves when an output line matches (or already did); rejects on exit or timeout. */
  waitForLine(re: RegExp, timeoutMs = 30_000): Promise<void> {
    if (this.lines.some((l) => re.test(l))) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `${this.name}: no line ${re} within ${timeoutMs} ms; last: ${this.lines.slice(-5).join(' | ')}`,
            ),
          ),
        timeoutMs,
      );
      this.waiters.push({
        re,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
      void this.exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(
          new Error(
            `${this.name} exited (${code ?? signal}) before ${re}; last: ${this.lines.slice(-5).join(' | ')}`,
          ),
        );
      });
    });
  }

  /** Sends a signal and waits for the exit (SIGKILL after `timeoutMs`). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 30_000) {
    if (!this.running) return this.exited;
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    this.child.kill(signal);
    const result = await this.exited;
    clearTimeout(timer);
    return result;
  }
}
