import { workerKillScenario } from './scenarios';

describe('chaos: worker killed', () => {
  it('5,000 accounts, the worker SIGKILLed at three random points and restarted each time: every account exactly one result, no job stuck', async () => {
    await workerKillScenario('worker-kill', 5_000, 3, 20261121);
  }, 300_000);
});
