import { copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@app/infra';
import { freePort } from '../chaos/support/services';
import { deleteRedisKeys } from '../support/redis-cleanup';
import { testConfig } from '../support/test-config';
import { readCompose, repoRoot, serviceEnv } from './compose-file';
import { bareEnv, buildDist, run, startNode } from './run-node';

/** The runtime stage's `npm ci …` arguments, read from the Dockerfile (so the two cannot drift). */
function runtimeNpmCi(): string[] {
  const instructions = DockerfileParser.parse(
    readFileSync(join(repoRoot, 'Dockerfile'), 'utf8'),
  ).getInstructions();
  const runtimeStart = instructions.map((i) => i.getKeyword()).lastIndexOf('FROM');
  const npmCi = instructions
    .slice(runtimeStart)
    .map((i) => i.getArguments().map((a) => a.getValue()))
    .find((args) => args[0] === 'npm' && args[1] === 'ci');
  if (!npmCi) throw new Error('the runtime stage has no npm ci');
  const end = npmCi.indexOf('&&');
  return npmCi.slice(2, end === -1 ? undefined : end);
}

/**
 * The image's runtime layout without Docker: package.json, package-lock.json, production
 * dependencies installed with the runtime stage's own `npm ci` flags, and dist/, nothing else
 * (no sources, no tsc). There the CLI answers --help and migrates a schema of its own, and the
 * producer and worker start with the compose file's commands and report ready.
 */
describe('image runtime layout (dist/ + production node_modules)', () => {
  const config = testConfig();
  const compose = readCompose();
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    await buildDist(repoRoot);
    dir = mkdtempSync(join(tmpdir(), 'snap-recon-image-'));
    for (const f of ['package.json', 'package-lock.json'])
      copyFileSync(join(repoRoot, f), join(dir, f));
    const installed = await run('npm', ['ci', ...runtimeNpmCi(), '--prefer-offline'], {
      cwd: dir,
      env: { ...process.env } as Record<string, string>,
      timeoutMs: 600_000,
    });
    if (installed.code !== 0) throw new Error(`npm ci failed: ${installed.stderr}`);
    cpSync(join(repoRoot, 'dist'), join(dir, 'dist'), { recursive: true });
    env = bareEnv({
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      DATABASE_URL: config.DATABASE_URL,
      DATABASE_SCHEMA: config.DATABASE_SCHEMA,
      REDIS_URL: config.REDIS_URL,
      QUEUE_PREFIX: config.QUEUE_PREFIX,
    });
  }, 900_000);

  afterAll(async () => {
    const ds = new DataSource(dataSourceOptions(config));
    await ds.initialize();
    await ds.query(`DROP SCHEMA IF EXISTS "${config.DATABASE_SCHEMA}" CASCADE`);
    await ds.destroy();
    await deleteRedisKeys(config.REDIS_URL, config.QUEUE_PREFIX);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A compose service's command (node …) run in the layout. */
  const argvOf = (service: string) => {
    const [node, ...args] = compose.services[service].command as string[];
    expect(node).toBe('node');
    return args;
  };

  it('holds no dev dependency and no source', () => {
    for (const dev of ['typescript', 'jest', '@swc/core', 'eslint', 'tsc-alias', 'dockerfile-ast'])
      expect(existsSync(join(dir, 'node_modules', dev))).toBe(false);
    for (const prod of ['@nestjs/core', 'bullmq', 'pg', 'commander'])
      expect(existsSync(join(dir, 'node_modules', prod))).toBe(true);
    expect(existsSync(join(dir, 'apps'))).toBe(false);
  });

  it('the CLI answers --help there with no settings', async () => {
    const help = await run(process.execPath, ['dist/apps/cli/src/main.js', '--help'], {
      cwd: dir,
      env: bareEnv({ NODE_ENV: 'production' }),
    });
    expect(help).toMatchObject({ code: 0, stdout: expect.stringContaining('Usage: snap-recon') });
  });

  it('the migrate service command migrates a fresh schema there, then finds it up to date', async () => {
    const first = await run(process.execPath, argvOf('migrate'), { cwd: dir, env });
    expect(first).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^applied: InitialSchema/),
    });
    const again = await run(process.execPath, argvOf('migrate'), { cwd: dir, env });
    expect(again).toMatchObject({ code: 0, stdout: 'schema is up to date\n' });
  });

  it('the producer and worker start there with the compose commands and report ready', async () => {
    const producerPort = await freePort();
    const workerPort = await freePort();
    const producerEnv = serviceEnv(compose.services.producer);
    const producer = startNode(argvOf('producer')[0], dir, {
      ...env,
      PORT: String(producerPort),
      BASIC_AUTH_PASSWORD: producerEnv.BASIC_AUTH_PASSWORD,
    });
    const [heapFlag, workerMain] = argvOf('worker');
    expect(heapFlag).toBe('--max-old-space-size=256');
    const worker = startNode(workerMain, dir, { ...env, WORKER_METRICS_PORT: String(workerPort) });
    try {
      for (const [name, url, proc] of [
        ['producer', `http://127.0.0.1:${producerPort}/health/ready`, producer],
        ['worker', `http://127.0.0.1:${workerPort}/health/ready`, worker],
      ] as const) {
        let status = 0;
        for (let i = 0; i < 600 && status !== 200; i++) {
          status = await fetch(url).then(
            (r) => r.status,
            () => 0,
          );
          if (status !== 200) await new Promise((r) => setTimeout(r, 100));
        }
        if (status !== 200) throw new Error(`${name} not ready: ${proc.output()}`);
        expect(status).toBe(200);
      }
    } finally {
      await Promise.all([producer.stop(), worker.stop()]);
    }
  }, 120_000);
});
