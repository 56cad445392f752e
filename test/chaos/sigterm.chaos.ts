import { sigtermScenario } from './scenarios';

describe('chaos: graceful stop', () => {
  it('3,000 accounts, SIGTERM to the worker mid-run: in-flight jobs finish, a new worker finishes the run, nothing lost or doubled', async () => {
    await sigtermScenario('sigterm', 3_000);
  }, 300_000);
});
