import { configSchema, AppConfig } from './config.schema';

/** Thrown when the environment is invalid; lists every bad setting with its value. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Validates the environment into one typed config, or throws naming every bad key at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const result = configSchema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const key = String(issue.path[0]);
    return `${key}=${JSON.stringify(env[key])}: ${issue.message}`;
  });
  throw new ConfigError(problems);
}
