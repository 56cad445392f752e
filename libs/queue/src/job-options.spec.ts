import { Backoffs } from 'bullmq';
import { webhookJobOptions } from './job-options';

/** Every wait between an alert delivery's attempts, as BullMQ computes them, with `random`. */
function waits(random: number): number[] {
  const opts = webhookJobOptions('x');
  const spy = jest.spyOn(Math, 'random').mockReturnValue(random);
  try {
    return Array.from({ length: opts.attempts! - 1 }, (_, i) =>
      Number(
        Backoffs.calculate(Backoffs.normalize(opts.backoff!)!, i + 1, new Error(), {} as never),
      ),
    );
  } finally {
    spy.mockRestore();
  }
}

const minutes = (ms: number[]) => ms.reduce((a, b) => a + b, 0) / 60_000;

describe('webhookJobOptions', () => {
  it('retries a delivery 12 times over 34 to 68 minutes, as the README says (12 attempts in all gave 17 to 34; a tester found it)', () => {
    expect(waits(0)).toHaveLength(12);
    expect(minutes(waits(0))).toBeCloseTo(34.1, 1);
    expect(minutes(waits(0.999999))).toBeCloseTo(68.25, 1);
  });
});
