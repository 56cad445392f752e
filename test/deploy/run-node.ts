import { execFile, spawn } from 'node:child_process';

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end and collects its output (never rejects: the code is the result). */
export function run(
  file: string,
  args: string[],
  options: { cwd: string; env: Record<string, string>; timeoutMs?: number },
): Promise<Ran> {
  return new Promise((done) => {
    execFile(
      file,
      args,
      { cwd: options.cwd, env: options.env, timeout: options.timeoutMs ?? 120_000 },
      (error, stdout, stderr) =>
        done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The environment a child gets: PATH and HOME only, plus `env` (no settings leak in from ours). */
export function bareEnv(env: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env };
}

/** `npm run build` in `root` (the tests run what the image runs: dist/). */
export async function buildDist(root: string): Promise<void> {
  const built = await run('npm', ['run', '-s', 'build'], {
    cwd: root,
    env: { ...process.env } as Record<string, string>,
    timeoutMs: 300_000,
  });
  if (built.code !== 0) throw new Error(`npm run build failed: ${built.stderr}`);
}

/** Starts a long-running node process; `stop()` sends SIGTERM and waits for its exit. */
export function startNode(script: string, cwd: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return {
    output: () => output,
    exited,
    /** The signal that ended the process (Nest's graceful shutdown re-raises SIGTERM), if one did. */
    signal: () => child.signalCode,
    /** Ends the process at once (a test's last resort when it does not stop). */
    kill: () => child.kill('SIGKILL'),
    async stop(): Promise<void> {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
