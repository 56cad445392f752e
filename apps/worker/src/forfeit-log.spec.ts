import { createLogger } from '@app/infra';
import { LogCapture } from '../../../test/support/log-capture';
import { ForfeitLog } from './snap-clients.provider';

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
      msg: 'pacing slots given up: reached too late by a busy process',
    });
  });
});
