import type { Logger } from 'pino';
import { createSimulatorLogger } from './logger';
import { loadSeedFile } from './seed';
import { createSnapSimulator, SnapSimulator, SnapSimulatorOptions } from './simulator';

/** Reads a non-negative integer variable; throws naming it when it is not one. */
function intFrom(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  if (!/^\d+$/.test(text))
    throw new Error(`${name}: ${JSON.stringify(text)} is not a non-negative integer`);
  return Number(text);
}

/**
 * Builds and starts a simulator from the environment:
 * `PORT` (default 8090), `SIMULATOR_HOST` (default 127.0.0.1: never expose it),
 * `SIMULATOR_SEED_FILE` (JSON seed, see README.md), `SIMULATOR_LATENCY_MS` (added to every
 * answer, overrides the seed's setting), `LOG_LEVEL` (info).
 */
export async function startSimulatorFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  logger: Logger = createSimulatorLogger(env.LOG_LEVEL ?? 'info'),
): Promise<{ simulator: SnapSimulator; baseUrl: string }> {
  const port = intFrom(env, 'PORT') ?? 8090;
  const latencyMs = intFrom(env, 'SIMULATOR_LATENCY_MS');
  const seed: SnapSimulatorOptions = env.SIMULATOR_SEED_FILE
    ? loadSeedFile(env.SIMULATOR_SEED_FILE)
    : {};
  const simulator = createSnapSimulator({
    ...seed,
    ...(latencyMs !== undefined ? { latencyMs } : {}),
    logger,
  });
  const baseUrl = await simulator.start(port, env.SIMULATOR_HOST || '127.0.0.1');
  return { simulator, baseUrl };
}
