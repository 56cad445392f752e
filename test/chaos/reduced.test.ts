import { sigtermScenario, workerKillScenario } from './scenarios';

/**
 * The reduced chaos set that runs in `npm test` (real processes from dist/, a private Redis,
 * the simulator process): one worker kill and one graceful stop, at small size. The full
 * set is `npm run test:chaos`.
 */
describe('chaos (reduced)', () => {
  it('worker SIGKILLed once mid-run and restarted: every account exactly one result, no job stuck', async () => {
    await workerKillScenario('reduced-worker-kill', 600, 1, 7);
  }, 240_000);

  it('worker SIGTERMed mid-run drains, a new worker finishes: nothing lost or doubled', async () => {
    await sigtermScenario('reduced-sigterm', 600);
  }, 240_000);
});
