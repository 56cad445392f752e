import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';

export const repoRoot = resolve(__dirname, '..', '..');

export interface ComposeService {
  build?: string | { context?: string; dockerfile?: string };
  image?: string;
  command?: string[] | string;
  entrypoint?: string[] | string;
  environment?: Record<string, string | number | null>;
  env_file?: string | string[] | { path: string; required?: boolean }[];
  volumes?: (string | { type?: string; source?: string; target?: string })[];
  ports?: string[];
  healthcheck?: { test?: string[] | string; disable?: boolean };
  restart?: string;
  stop_grace_period?: string;
  profiles?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/** docker-compose.yml as compose reads it (YAML merge keys `<<` applied). */
export function readCompose(): ComposeFile {
  return parse(readFileSync(resolve(repoRoot, 'docker-compose.yml'), 'utf8'), {
    merge: true,
  }) as ComposeFile;
}

/**
 * A value with compose's `${NAME:-default}` / `${NAME-default}` / `${NAME}` interpolated from
 * `env` (compose reads the shell and an optional .env; a fresh clone has neither).
 */
export function interpolate(value: string, env: Record<string, string> = {}): string {
  return value.replace(
    /\$\{([A-Z0-9_]+)(?:(:?-)([^}]*))?\}/g,
    (_, name: string, op: string | undefined, def: string | undefined) => {
      const set = env[name];
      if (op === ':-') return set ? set : (def ?? '');
      if (op === '-') return set !== undefined ? set : (def ?? '');
      return set ?? '';
    },
  );
}

/** A service's environment with defaults interpolated, as a fresh clone gets it. */
export function serviceEnv(service: ComposeService): Record<string, string> {
  return Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(String(v ?? ''))]),
  );
}
