import { createLogger } from '@app/infra';
import { LogCapture } from '../../../test/support/log-capture';
import { FORFEIT_MESSAGE, ForfeitLog, slotsGivenUp } from './forfeit-log';

describe('pacing slots given up (ForfeitLog)', () => {
  it('logs the counts not logged yet when the worker stops, once', () => {
    const logs = new LogCapture();
    const log = new ForfeitLog(createLogger({ LOG_LEVEL: 'info' }, 'test', logs));
    log.count('netzme');
    log.count('netzme');
    log.count('finnet');
    expect(logs.lines).toHaveLength(0); // within the 10 s between lines
    log.onApplicationShutdown();
    log.onApplicationShutdown();
    const lines = logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      forfeited: { netzme: 2, finnet: 1 },
      msg: FORFEIT_MESSAGE,
    });
  });

  it('is read back from a log: the counts of every such line summed per provider, other lines skipped', () => {
    const logs = new LogCapture();
    const logger = createLogger({ LOG_LEVEL: 'info' }, 'test', logs);
    const log = new ForfeitLog(logger);
    log.count('netzme');
    log.flush();
    logger.info({ forfeited: { netzme: 99 } }, 'another line with a forfeited field');
    log.count('netzme');
    log.count('nicepay');
    log.flush();
    expect(slotsGivenUp(logs.lines)).toEqual({ netzme: 2, nicepay: 1 });
    expect(slotsGivenUp([])).toEqual({});
  });
});
