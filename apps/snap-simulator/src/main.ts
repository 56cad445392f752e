import { createSimulatorLogger } from './logger';
import { loadSeedFile } from './seed';
import { createSnapSimulator, SnapSimulatorOptions } from './simulator';

/**
 * Starts the simulator from the environment:
 * `PORT` (8090), `SIMULATOR_HOST` (127.0.0.1), `SIMULATOR_SEED_FILE` (JSON seed),
 * `SIMULATOR_LATENCY_MS` (added to every answer), `LOG_LEVEL` (info).
 */
async function main(): Promise<void> {
  const logger = createSimulatorLogger();
  const env = process.env;
  const port = intFrom(env.PORT, 'PORT', 8090);
  const latencyMs = intFrom(env.SIMULATOR_LATENCY_MS, 'SIMULATOR_LATENCY_MS', undefined);
  const seed: SnapSimulatorOptions = env.SIMULATOR_SEED_FILE
    ? loadSeedFile(env.SIMULATOR_SEED_FILE)
    : {};
  const simulator = createSnapSimulator({
    ...seed,
    ...(latencyMs !== undefined ? { latencyMs } : {}),
    logger,
  });
  await simulator.start(port, env.SIMULATOR_HOST || '127.0.0.1');
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    simulator.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

function intFrom<T extends number | undefined>(
  text: string | undefined,
  name: string,
  fallback: T,
): number | T {
  if (text === undefined || text === '') return fallback;
  if (!/^\d+$/.test(text))
    throw new Error(`${name}: ${JSON.stringify(text)} is not a non-negative integer`);
  return Number(text);
}

main().catch((e: unknown) => {
  process.stderr.write(`snap-simulator: ${(e as Error).message}\n`);
  process.exit(1);
});
