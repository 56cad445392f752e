import { Writable } from 'node:stream';
import { createLogger } from './logger';
import { JobLogger } from './job-logger';

/** A logger at `level` whose lines land in an array. */
function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  const logger = createLogger({ LOG_LEVEL: level } as never, 'test', sink);
  return { logger, lines, flush: () => new Promise((r) => setImmediate(r)) };
}

describe('JobLogger', () => {
  it("puts the job's fields on every line it writes", async () => {
    const { logger, lines, flush } = capture('debug');
    const log = new JobLogger(logger, { runId: '7', accountId: '42', provider: 'netzme' });
    log.info({ status: 'mismatched' }, 'account reconciled');
    log.debug({ externalId: 'x' }, 'snap call');
    await flush();
    expect(lines).toEqual([
      expect.objectContaining({ runId: '7', accountId: '42', provider: 'netzme', level: 30 }),
      expect.objectContaining({ runId: '7', accountId: '42', externalId: 'x', level: 20 }),
    ]);
  });

  it('writes nothing below the level and makes no child for it', async () => {
    const { logger, lines, flush } = capture('info');
    const child = jest.spyOn(logger, 'child');
    const log = new JobLogger(logger, { runId: '7' });
    log.debug({}, 'account reconciled');
    await flush();
    expect(lines).toEqual([]);
    expect(child).not.toHaveBeenCalled();
    log.warn({}, 'inquiry failed; will retry');
    log.warn({}, 'again');
    await flush();
    expect(lines.map((l) => l.msg)).toEqual(['inquiry failed; will retry', 'again']);
    expect(child).toHaveBeenCalledTimes(1);
  });
});
