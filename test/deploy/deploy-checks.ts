import { posix } from 'node:path';
import { Copy, DockerfileParser } from 'dockerfile-ast';
import { configSchema } from '@app/config';
import { PROVIDERS } from '@app/snap';
import type { ComposeFile, ComposeService } from './compose-file';

/**
 * What the deployment files must hold, as functions from their content to a list of problems
 * (empty: fine), so the tests can run them on the real files and on broken copies.
 * `tracked(path)` says whether a repository path is a committed file or a folder holding one:
 * a fresh clone has those and nothing else.
 */
export type Tracked = (repoPath: string) => boolean;

/** Variables the apps read: the config schema, the SNAP credential sets, the simulator's own. */
const KNOWN_VARIABLES = new Set([
  ...Object.keys(configSchema.shape),
  ...PROVIDERS.flatMap((p) =>
    [
      'BASE_URL',
      'CLIENT_ID',
      'CLIENT_SECRET',
      'PRIVATE_KEY',
      'PRIVATE_KEY_FILE',
      'CHANNEL_ID',
      'PARTNER_ID',
    ].map((f) => `SNAP_${p.toUpperCase()}_${f}`),
  ),
  'SIMULATOR_HOST',
  'SIMULATOR_SEED_FILE',
  'SIMULATOR_LATENCY_MS',
]);

/** The image's working directory: relative paths in commands are resolved against it. */
const APP_DIR = '/app';

const asList = (v: string[] | string | undefined) =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];

/** `./seed:/app/seed:ro` or the long form, as {source, target}; named volumes have no `./`. */
function mounts(service: ComposeService): { source: string; target: string }[] {
  return (service.volumes ?? []).map((v) => {
    if (typeof v !== 'string') return { source: v.source ?? '', target: v.target ?? '' };
    const [source, target] = v.split(':');
    return { source, target };
  });
}

const isBind = (source: string) => /^(\.|\/|~)/.test(source);
const repoPath = (source: string) => posix.normalize(source).replace(/^\.\/?/, '') || '.';

/** A container path mapped through the service's bind mounts to a repo path, if one covers it. */
function throughMounts(service: ComposeService, containerPath: string): string | undefined {
  const absolute = posix.resolve(APP_DIR, containerPath);
  for (const { source, target } of mounts(service)) {
    if (!isBind(source) || !target) continue;
    if (absolute === target || absolute.startsWith(`${target}/`))
      return repoPath(posix.join(source, absolute.slice(target.length)));
  }
  return undefined;
}

/** One-shot services (restart "no") run to completion; every other one runs for good. */
const isLongRunning = (s: ComposeService) => s.restart !== 'no';

/** Problems of docker-compose.yml: its text (for interpolation) and its parsed form. */
export function composeProblems(
  text: string,
  compose: ComposeFile,
  tracked: Tracked,
  readRepoFile: (path: string) => string,
): string[] {
  const problems: string[] = [];
  // Comments are not interpolated; everything else is.
  const yamlOnly = text.replace(/^\s*#.*$/gm, '');
  for (const m of yamlOnly.matchAll(/\$\{([A-Za-z0-9_]+)((:?[-?+])[^}]*)?\}/g)) {
    if (!m[3] || m[3].endsWith('?'))
      problems.push(`\${${m[1]}${m[2] ?? ''}}: needs a default (no variable may be required)`);
  }
  const services = Object.entries(compose.services ?? {});
  const migrate = services.find(
    ([, s]) => s.restart === 'no' && asList(s.command).join(' ').endsWith(' migrate'),
  )?.[0];
  if (!migrate) problems.push('no one-shot service runs the migrations (restart "no", … migrate)');

  // The worker delivers (and mostly publishes) the alerts: it needs the producer's webhook settings.
  const webhookEnv = (name: string) =>
    Object.entries(compose.services?.[name]?.environment ?? {})
      .filter(([k]) => k.startsWith('WEBHOOK_'))
      .map(([k, v]) => `${k}=${String(v ?? '')}`)
      .sort()
      .join('\n');
  if (compose.services?.producer && compose.services?.worker) {
    if (webhookEnv('producer') !== webhookEnv('worker'))
      problems.push(
        'services.worker.environment: WEBHOOK_* differ from the producer (the worker delivers the alerts the producer queues)',
      );
  }

  // The worker's probes and metrics port listens on loopback unless told otherwise: Prometheus
  // (and any probe from outside the container) reaches it only on all addresses.
  const workerEnv = compose.services?.worker?.environment ?? {};
  if (compose.services?.worker && String(workerEnv.WORKER_METRICS_PORT ?? '9464') !== '0') {
    if (workerEnv.WORKER_METRICS_HOST !== '0.0.0.0')
      problems.push(
        'services.worker.environment: WORKER_METRICS_HOST must be 0.0.0.0 (on loopback, Prometheus and probes from outside the container cannot reach the metrics port)',
      );
  }

  // Docker kills a container 10 s after SIGTERM unless told otherwise: the producer and the
  // worker need SHUTDOWN_TIMEOUT_MS (default 30 s) to finish what is in flight.
  for (const name of ['producer', 'worker']) {
    const service = compose.services?.[name];
    if (!service) continue;
    const shutdownMs = Number(service.environment?.SHUTDOWN_TIMEOUT_MS ?? 30_000);
    const grace = /^(\d+)s$/.exec(service.stop_grace_period ?? '');
    if (!grace || Number(grace[1]) * 1000 <= shutdownMs)
      problems.push(
        `services.${name}.stop_grace_period: must be seconds ("40s") longer than SHUTDOWN_TIMEOUT_MS (${shutdownMs} ms); docker's default of 10 s kills jobs in flight`,
      );
  }

  for (const [name, s] of services) {
    const at = `services.${name}`;
    if (s.build !== undefined) {
      const context = typeof s.build === 'string' ? s.build : (s.build.context ?? '.');
      const dockerfile =
        typeof s.build === 'string' ? 'Dockerfile' : (s.build.dockerfile ?? 'Dockerfile');
      if (!tracked(repoPath(context)))
        problems.push(`${at}.build: context ${context} is not in the repository`);
      else if (!tracked(repoPath(posix.join(context, dockerfile))))
        problems.push(`${at}.build: ${posix.join(context, dockerfile)} is not in the repository`);
    }
    for (const entry of asList(s.env_file as string[] | string | undefined)) {
      const file = typeof entry === 'string' ? entry : (entry as { path: string }).path;
      const required =
        typeof entry === 'string' || (entry as { required?: boolean }).required !== false;
      if (required && !tracked(repoPath(file)))
        problems.push(`${at}.env_file: ${file} is not in the repository (a fresh clone has none)`);
    }
    for (const { source, target } of mounts(s)) {
      if (isBind(source)) {
        if (!tracked(repoPath(source)))
          problems.push(`${at}.volumes: ${source} (for ${target}) is not in the repository`);
      } else if (!(compose.volumes && source in compose.volumes)) {
        problems.push(`${at}.volumes: named volume ${source} is not declared under volumes`);
      }
    }
    const env = Object.fromEntries(
      Object.entries(s.environment ?? {}).map(([k, v]) => [
        k,
        String(v ?? '').replace(/\$\{[A-Za-z0-9_]+:?-([^}]*)\}/g, '$1'),
      ]),
    );
    if (s.build !== undefined) {
      for (const key of Object.keys(env))
        if (!KNOWN_VARIABLES.has(key)) problems.push(`${at}.environment: ${key} is read by no app`);
      // Files the apps read, named by container path: they must come from a mount of the repo.
      for (const [key, value] of Object.entries(env)) {
        if (!/(_FILE)$/.test(key) || !value) continue;
        const file = throughMounts(s, value);
        if (!file || !tracked(file)) {
          problems.push(`${at}.environment.${key}: ${value} is not a repository file mounted in`);
          continue;
        }
        problems.push(
          ...referencedFiles(key, file, s, tracked, readRepoFile).map((p) => `${at}: ${p}`),
        );
      }
      // Paths in the command: dist/… must be built from a source file; others come from mounts.
      for (const token of [...asList(s.entrypoint), ...asList(s.command)].join(' ').split(/\s+/)) {
        const built = /^dist\/(.+)\.js$/.exec(token);
        if (built) {
          if (!tracked(`${built[1]}.ts`))
            problems.push(`${at}.command: ${token} is built from no source`);
        } else if (/^[\w.-]+\/[\w./-]+\.\w+$/.test(token)) {
          const file = throughMounts(s, token);
          if (!file || !tracked(file))
            problems.push(`${at}.command: ${token} is not a repository file mounted in`);
        }
      }
    }
    if (isLongRunning(s)) {
      if (!s.healthcheck || s.healthcheck.disable || !s.healthcheck.test)
        problems.push(`${at}: runs for good but has no healthcheck`);
      if (s.restart !== 'unless-stopped' && s.restart !== 'always')
        problems.push(`${at}: restart is ${s.restart ?? 'unset'}, not unless-stopped`);
      if (s.build !== undefined && 'DATABASE_URL' in env && migrate) {
        const dep = Array.isArray(s.depends_on) ? undefined : s.depends_on?.[migrate];
        if (dep?.condition !== 'service_completed_successfully')
          problems.push(`${at}: does not wait for ${migrate} (service_completed_successfully)`);
      }
    }
    for (const port of s.ports ?? [])
      if (!String(port).startsWith('127.0.0.1:'))
        problems.push(`${at}.ports: ${port} is published beyond 127.0.0.1`);
    if (/^redis(:|$)/.test(s.image ?? '')) {
      const command = asList(s.command).join(' ');
      if (!/--appendonly yes\b/.test(command))
        problems.push(`${at}: Redis without AOF persistence (--appendonly yes)`);
      if (!/--maxmemory-policy noeviction\b/.test(command))
        problems.push(`${at}: Redis without --maxmemory-policy noeviction`);
    }
  }
  if (!compose.services?.producer?.ports?.length) problems.push('services.producer: not published');
  return problems;
}

/** Files that a seed or credentials file names, which must be in the repository too. */
function referencedFiles(
  key: string,
  file: string,
  service: ComposeService,
  tracked: Tracked,
  readRepoFile: (path: string) => string,
): string[] {
  const problems: string[] = [];
  if (key === 'SIMULATOR_SEED_FILE') {
    const seed = JSON.parse(readRepoFile(file)) as { partners?: { publicKeyFile?: string }[] };
    for (const p of seed.partners ?? [])
      if (p.publicKeyFile && !tracked(repoPath(posix.join(posix.dirname(file), p.publicKeyFile))))
        problems.push(`${file}: publicKeyFile ${p.publicKeyFile} is not in the repository`);
  }
  if (key === 'SNAP_CREDENTIALS_FILE') {
    const sets = JSON.parse(readRepoFile(file)) as Record<
      string,
      Record<string, { privateKeyFile?: string }>
    >;
    for (const set of Object.values(sets).flatMap((byName) => Object.values(byName))) {
      if (!set.privateKeyFile) continue;
      const keyFile = throughMounts(service, set.privateKeyFile);
      if (!keyFile || !tracked(keyFile))
        problems.push(
          `${file}: privateKeyFile ${set.privateKeyFile} is not a repository file mounted in`,
        );
    }
  }
  return problems;
}

/** Problems of the Dockerfile: stages, what it copies, who the runtime stage runs as. */
export function dockerfileProblems(text: string, tracked: Tracked, dockerignore: string): string[] {
  const problems: string[] = [];
  const ignored = new Set(
    dockerignore
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#') && !l.startsWith('!')),
  );
  const stages: {
    name: string | null;
    instructions: { keyword: string; args: string[]; from?: string }[];
  }[] = [];
  for (const instruction of DockerfileParser.parse(text).getInstructions()) {
    const keyword = instruction.getKeyword();
    const args = instruction.getArguments().map((a) => a.getValue());
    if (keyword === 'FROM') {
      stages.push({ name: args[2] ?? null, instructions: [] });
      continue;
    }
    const fromFlag =
      instruction instanceof Copy
        ? (instruction.getFromFlag()?.getValue() ?? undefined)
        : undefined;
    stages.at(-1)?.instructions.push({ keyword, args, from: fromFlag });
  }
  if (stages.length < 2)
    problems.push(`${stages.length} stage(s): want a build and a runtime stage`);
  for (const stage of stages)
    for (const { keyword, args, from } of stage.instructions) {
      if ((keyword !== 'COPY' && keyword !== 'ADD') || from) continue;
      for (const source of args.slice(0, -1)) {
        if (source.startsWith('--')) continue;
        if (source === '.' || source === './')
          problems.push(
            `${stage.name ?? 'stage'}: COPY . sends the whole context; copy what is built`,
          );
        else if (!tracked(repoPath(source)))
          problems.push(`${stage.name ?? 'stage'}: COPY ${source}: not in the repository`);
        else if (ignored.has(source) || ignored.has(repoPath(source)))
          problems.push(`${stage.name ?? 'stage'}: COPY ${source}: excluded by .dockerignore`);
      }
    }
  const build = stages[0]?.instructions ?? [];
  if (!build.some((i) => i.keyword === 'RUN' && /npm run build/.test(i.args.join(' '))))
    problems.push('build stage: no npm run build');
  const runtime = stages.at(-1)?.instructions ?? [];
  const user = runtime.filter((i) => i.keyword === 'USER').at(-1)?.args[0];
  if (!user || /^(root|0)(:|$)/.test(user))
    problems.push(`runtime stage: runs as ${user ?? 'root (no USER)'}`);
  if (!runtime.some((i) => i.keyword === 'ENV' && i.args.includes('NODE_ENV=production')))
    problems.push('runtime stage: NODE_ENV=production is not set');
  if (
    !runtime.some(
      (i) =>
        i.keyword === 'RUN' && /npm ci\b/.test(i.args.join(' ')) && i.args.includes('--omit=dev'),
    )
  )
    problems.push('runtime stage: no npm ci --omit=dev (production dependencies only)');
  const copied = runtime.filter((i) => i.keyword === 'COPY');
  if (!copied.some((i) => i.from && i.args[0].replace(/\/$/, '').endsWith('/dist')))
    problems.push('runtime stage: does not copy dist/ from the build stage');
  for (const i of copied)
    if (!i.from && !['package.json', 'package-lock.json'].includes(i.args[0]))
      problems.push(
        `runtime stage: copies ${i.args.slice(0, -1).join(' ')} from the context (dist/ only)`,
      );
  return problems;
}

/** What .dockerignore must keep out of the build context. */
export function dockerignoreProblems(text: string): string[] {
  const lines = new Set(text.split('\n').map((l) => l.trim()));
  return ['node_modules', 'dist', '.env', 'coverage', 'test-output', 'bench/results']
    .filter((p) => !lines.has(p))
    .map((p) => `.dockerignore: ${p} is not excluded`);
}
