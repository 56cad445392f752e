import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** A free TCP port on 127.0.0.1, preferring `preferred`. */
export async function freePort(preferred: number): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : port));
      });
    });
  return tryPort(preferred).catch(() => tryPort(0));
}

/** Node apps started from the build, logging to files under `logDir`, stopped together. */
export class ChildProcesses {
  private readonly children: { name: string; child: ChildProcess }[] = [];

  constructor(private readonly logDir: string) {
    // However this process ends (even a crash or a closed stdout pipe), its children end too.
    process.once('exit', () => {
      for (const { child } of this.children) if (child.exitCode === null) child.kill('SIGTERM');
    });
  }

  /** Starts `node <script>` with extra env; its stdout and stderr go to `<logDir>/<name>.log`. */
  start(name: string, script: string, env: Record<string, string>): ChildProcess {
    const log = createWriteStream(join(this.logDir, `${name}.log`));
    const child = spawn(process.execPath, [script], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    this.children.push({ name, child });
    return child;
  }

  /** SIGTERM to every child, then waits for each to exit (SIGKILL after 10 s). */
  async stopAll(): Promise<void> {
    await Promise.all(
      this.children.reverse().map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
            child.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
  }
}

/** Waits until `url` answers 200, or throws after `timeoutMs`, naming the log to read. */
export async function waitForHttp(
  url: string,
  headers: Record<string, string>,
  timeoutMs: number,
  logHint: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, { headers });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new Error(`${url} did not answer within ${timeoutMs / 1000}s; see ${logHint}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}
