import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ComposeFile } from './compose-file';
import { interpolate, readCompose, repoRoot } from './compose-file';
import { loadConfig, publishedSecretWarnings } from '@app/config';
import {
  composeProblems,
  dockerfileProblems,
  dockerignoreProblems,
  Tracked,
} from './deploy-checks';

/** What a fresh clone holds: the committed files and the folders above them. */
function trackedFiles(): Tracked {
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: repoRoot, encoding: 'utf8' })
    .split('\0')
    .filter(Boolean);
  const paths = new Set<string>(['.']);
  for (const file of files) {
    const parts = file.split('/');
    for (let i = 1; i <= parts.length; i++) paths.add(parts.slice(0, i).join('/'));
  }
  return (path) => paths.has(path);
}

const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8');

/**
 * docker-compose.yml, the Dockerfile and .dockerignore checked against the repository: every
 * file they name is committed, every long-running service has a healthcheck and restarts,
 * Redis keeps its data and never evicts, the apps wait for the migrations, nothing is
 * published beyond 127.0.0.1, and the image's runtime stage is production-only and not root.
 * Each rule is also shown to fail on a copy broken on purpose.
 */
describe('deployment files', () => {
  const tracked = trackedFiles();
  const text = read('docker-compose.yml');
  const dockerfile = read('Dockerfile');
  const dockerignore = read('.dockerignore');
  const problemsOf = (compose: ComposeFile, raw = text, isTracked = tracked) =>
    composeProblems(raw, compose, isTracked, read);
  const broken = (change: (c: ComposeFile) => void) => {
    const copy = readCompose();
    change(copy);
    return problemsOf(copy);
  };

  it('docker-compose.yml, the Dockerfile and .dockerignore hold every rule', () => {
    expect(problemsOf(readCompose())).toEqual([]);
    expect(dockerfileProblems(dockerfile, tracked, dockerignore)).toEqual([]);
    expect(dockerignoreProblems(dockerignore)).toEqual([]);
  });

  it('fails when the worker lacks the producer’s WEBHOOK_* settings (its alert jobs would fail)', () => {
    expect(problemsOf(readCompose())).not.toContain(expect.stringContaining('WEBHOOK_'));
    const compose = readCompose();
    expect(compose.services.worker.environment).toMatchObject({ WEBHOOK_URL: '${WEBHOOK_URL:-}' });
    expect(
      broken((c) => {
        c.services.worker.environment = Object.fromEntries(
          Object.entries(c.services.worker.environment ?? {}).filter(
            ([k]) => !k.startsWith('WEBHOOK_'),
          ),
        );
      }),
    ).toContain(
      'services.worker.environment: WEBHOOK_* differ from the producer (the worker delivers the alerts the producer queues)',
    );
  });

  it('fails when the worker’s metrics port listens on loopback only (Prometheus could not scrape it)', () => {
    expect(readCompose().services.worker.environment).toMatchObject({
      WORKER_METRICS_HOST: '0.0.0.0',
    });
    expect(
      broken((c) => {
        delete (c.services.worker.environment as Record<string, unknown>).WORKER_METRICS_HOST;
      }),
    ).toContain(
      'services.worker.environment: WORKER_METRICS_HOST must be 0.0.0.0 (on loopback, Prometheus and probes from outside the container cannot reach the metrics port)',
    );
  });

  it('fails when the producer or the worker would be killed before SHUTDOWN_TIMEOUT_MS (docker stops after 10 s by default)', () => {
    expect(readCompose().services.worker.stop_grace_period).toBe('40s');
    expect(
      broken((c) => {
        delete c.services.worker.stop_grace_period;
      }),
    ).toContain(
      'services.worker.stop_grace_period: must be seconds ("40s") longer than SHUTDOWN_TIMEOUT_MS (30000 ms); docker\'s default of 10 s kills jobs in flight',
    );
  });

  it('.env.example copied to .env, as the README says, gives the apps a configuration they accept', () => {
    const dotenv = Object.fromEntries(
      read('.env.example')
        .split('\n')
        .filter((line) => /^[A-Z0-9_]+=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    expect(Object.keys(dotenv)).toContain('BASIC_AUTH_PASSWORD');
    const compose = readCompose();
    for (const name of ['producer', 'worker'] as const) {
      const env = Object.fromEntries(
        Object.entries(compose.services[name].environment ?? {}).map(([k, v]) => [
          k,
          interpolate(String(v ?? ''), dotenv),
        ]),
      );
      expect(() => loadConfig({ NODE_ENV: 'production', ...env })).not.toThrow();
    }
  });

  it('the secrets published here (.env.example, its commented examples, compose’s default) start the producer with a warning that says so', () => {
    const dotenv = read('.env.example');
    const published = [
      /^BASIC_AUTH_PASSWORD=(.+)$/m.exec(dotenv)![1],
      /\$\{BASIC_AUTH_PASSWORD:-([^}]+)\}/.exec(text)![1],
    ];
    for (const password of published) {
      const config = loadConfig({ NODE_ENV: 'production', BASIC_AUTH_PASSWORD: password });
      expect(publishedSecretWarnings(config)).toEqual([
        'BASIC_AUTH_PASSWORD is an example published in this repository (.env.example or docker-compose.yml): anyone can read it; set your own',
      ]);
    }
    // The commented examples, uncommented as the file invites.
    const uncommented = (key: string) => new RegExp(`^# ${key}=(.+)$`, 'm').exec(dotenv)![1];
    const withExamples = loadConfig({
      NODE_ENV: 'production',
      BASIC_AUTH_PASSWORD: 'a-password-of-our-own-42',
      API_KEYS: uncommented('API_KEYS'),
      WEBHOOK_URL: 'https://hooks.example/recon',
      WEBHOOK_SECRET: uncommented('WEBHOOK_SECRET'),
    });
    expect(publishedSecretWarnings(withExamples).map((w) => w.split(' is ')[0])).toEqual([
      'API_KEYS (api-key-1)',
      'API_KEYS (api-key-2)',
      'WEBHOOK_SECRET',
    ]);
    const own = loadConfig({
      NODE_ENV: 'production',
      BASIC_AUTH_PASSWORD: 'a-password-of-our-own-42',
    });
    expect(publishedSecretWarnings(own)).toEqual([]);
  });

  it('the committed .env.example is not required by compose', () => {
    expect(tracked('.env.example')).toBe(true);
    expect(text).not.toMatch(/env_file/);
  });

  it('fails when a file it names is not committed (env_file, volume, seed, build context)', () => {
    expect(broken((c) => (c.services.worker.env_file = ['.env']))).toContain(
      'services.worker.env_file: .env is not in the repository (a fresh clone has none)',
    );
    expect(broken((c) => (c.services.simulator.volumes = ['./seeds:/app/seed:ro']))).toEqual(
      expect.arrayContaining([
        'services.simulator.volumes: ./seeds (for /app/seed) is not in the repository',
        'services.simulator.environment.SIMULATOR_SEED_FILE: /app/seed/simulator-seed.json is not a repository file mounted in',
      ]),
    );
    expect(
      broken((c) => (c.services.simulator.environment!.SIMULATOR_SEED_FILE = '/app/seed/x.json')),
    ).toContain(
      'services.simulator.environment.SIMULATOR_SEED_FILE: /app/seed/x.json is not a repository file mounted in',
    );
    expect(broken((c) => (c.services.producer.build = './no-such-dir'))).toContain(
      'services.producer.build: context ./no-such-dir is not in the repository',
    );
    const withoutSeedKey: Tracked = (p) => p !== 'seed/fixtures/keys/nicepay.pub.pem' && tracked(p);
    expect(problemsOf(readCompose(), text, withoutSeedKey)).toContain(
      'services.simulator: seed/simulator-seed.json: publicKeyFile fixtures/keys/nicepay.pub.pem is not in the repository',
    );
    const withoutCsv: Tracked = (p) => p !== 'seed/demo-ledger.csv' && tracked(p);
    expect(problemsOf(readCompose(), text, withoutCsv)).toContain(
      'services.demo-data.command: seed/demo-ledger.csv is not a repository file mounted in',
    );
    expect(
      broken((c) => (c.services.worker.command = ['node', 'dist/apps/wroker/src/main.js'])),
    ).toContain('services.worker.command: dist/apps/wroker/src/main.js is built from no source');
  });

  it('fails when a long-running service has no healthcheck or restart policy', () => {
    expect(broken((c) => delete c.services.worker.healthcheck)).toEqual([
      'services.worker: runs for good but has no healthcheck',
    ]);
    expect(broken((c) => delete c.services.redis.healthcheck)).toEqual([
      'services.redis: runs for good but has no healthcheck',
    ]);
    expect(broken((c) => delete c.services.producer.restart)).toEqual([
      'services.producer: restart is unset, not unless-stopped',
    ]);
  });

  it('fails when Redis lacks AOF or noeviction', () => {
    expect(
      broken(
        (c) => (c.services.redis.command = ['redis-server', '--maxmemory-policy', 'noeviction']),
      ),
    ).toEqual(['services.redis: Redis without AOF persistence (--appendonly yes)']);
    expect(
      broken((c) => (c.services.redis.command = ['redis-server', '--appendonly', 'yes'])),
    ).toEqual(['services.redis: Redis without --maxmemory-policy noeviction']);
  });

  it('fails when an app does not wait for the migrations, a port is public or a variable is required', () => {
    expect(
      broken((c) => {
        c.services.worker.depends_on = { postgres: { condition: 'service_healthy' } };
      }),
    ).toEqual(['services.worker: does not wait for migrate (service_completed_successfully)']);
    expect(broken((c) => (c.services.producer.ports = ['3000:3000']))).toEqual([
      'services.producer.ports: 3000:3000 is published beyond 127.0.0.1',
    ]);
    expect(
      problemsOf(readCompose(), text.replace('${API_KEYS:-}', '${API_KEYS:?set API_KEYS}')),
    ).toEqual(['${API_KEYS:?set API_KEYS}: needs a default (no variable may be required)']);
    expect(broken((c) => (c.services.worker.environment!.WORKER_CONCURENCY = '5'))).toEqual([
      'services.worker.environment: WORKER_CONCURENCY is read by no app',
    ]);
  });

  it('fails when the runtime stage runs as root, keeps dev dependencies or copies the context', () => {
    const problems = (text: string) => dockerfileProblems(text, tracked, dockerignore);
    expect(problems(dockerfile.replace(/^USER node$/m, ''))).toEqual([
      'runtime stage: runs as root (no USER)',
    ]);
    expect(problems(dockerfile.replace(/^USER node$/m, 'USER root'))).toEqual([
      'runtime stage: runs as root',
    ]);
    expect(problems(dockerfile.replace(' --omit=dev', ''))).toEqual([
      'runtime stage: no npm ci --omit=dev (production dependencies only)',
    ]);
    expect(problems(dockerfile.replace('ENV NODE_ENV=production', ''))).toEqual([
      'runtime stage: NODE_ENV=production is not set',
    ]);
    expect(problems(`${dockerfile}\nCOPY . .\n`)).toEqual(
      expect.arrayContaining(['runtime: COPY . sends the whole context; copy what is built']),
    );
    expect(problems(dockerfile.replace('COPY libs ./libs', 'COPY lib ./libs'))).toEqual([
      'build: COPY lib: not in the repository',
    ]);
    expect(problems('FROM node:20\nCOPY package.json ./\nRUN npm ci && npm run build\n')).toEqual(
      expect.arrayContaining(['1 stage(s): want a build and a runtime stage']),
    );
    expect(dockerignoreProblems('node_modules\ndist\n')).toEqual([
      '.dockerignore: .env is not excluded',
      '.dockerignore: coverage is not excluded',
      '.dockerignore: test-output is not excluded',
      '.dockerignore: bench/results is not excluded',
    ]);
  });
});
