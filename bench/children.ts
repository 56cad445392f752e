import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';

/** One Node process started by the benchmark from `dist/`. */
export interface Child {
  name: string;
  process: ChildProcess;
  pid: number;
  log: string;
}

const live = new Set<ChildProcess>();
// However the benchmark ends (even a crash), its children end too.
process.once('exit', () => {
  for (const child of live)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/**
 * Starts `node [nodeArgs] <script>` with extra env; stdout and stderr go straight to
 * `<logDir>/<name>.log` (no piping through this process, which measures). With `ipc`, the child
 * has a message channel (for the worker probe, `probe.ts`) that keeps neither process alive.
 */
export function startChild(
  name: string,
  script: string,
  env: Record<string, string>,
  logDir: string,
  nodeArgs: string[] = [],
  ipc = false,
): Child {
  const log = join(logDir, `${name}.log`);
  const fd = openSync(log, 'a');
  try {
    const child = spawn(process.execPath, [...nodeArgs, script], {
      env: { ...process.env, ...env },
      stdio: ipc ? ['ignore', fd, fd, 'ipc'] : ['ignore', fd, fd],
    });
    if (child.pid === undefined) throw new Error(`could not start ${name}`);
    child.channel?.unref();
    live.add(child);
    child.once('exit', () => live.delete(child));
    return { name, process: child, pid: child.pid, log };
  } finally {
    closeSync(fd);
  }
}

/** SIGTERM, then waits for the exit (SIGKILL after `graceMs`). */
export function stopChild(child: Child, graceMs = 15_000): Promise<void> {
  const p = child.process;
  return new Promise<void>((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) return resolve();
    const kill = setTimeout(() => p.kill('SIGKILL'), graceMs);
    p.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    p.kill('SIGTERM');
  });
}

/** Stops every child still running that this process started. */
export async function stopAllChildren(): Promise<void> {
  await Promise.all(
    [...live].map((p) => stopChild({ name: 'child', process: p, pid: p.pid ?? 0, log: '' }, 5_000)),
  );
}

/**
 * Polls `check` until it returns true; throws after `timeoutMs`, or as soon as one of
 * `children` has exited (naming its log).
 */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  children: Child[] = [],
  pollMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = children.find((c) => c.process.exitCode !== null || c.process.signalCode !== null);
    if (dead) throw new Error(`${dead.name} exited while waiting for ${what}; see ${dead.log}`);
    if (await check()) return;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
