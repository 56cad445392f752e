import { startSimulatorFromEnv } from './from-env';

/** `node dist/apps/snap-simulator/main.js`: see from-env.ts for the variables. */
startSimulatorFromEnv().then(
  ({ simulator }) => {
    const shutdown = () => {
      simulator.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  },
  (e: unknown) => {
    process.stderr.write(`snap-simulator: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
