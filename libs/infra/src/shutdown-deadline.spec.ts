import pino from 'pino';
import { Writable } from 'node:stream';
import { startShutdownDeadline } from './shutdown-deadline';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('startShutdownDeadline', () => {
  const lines: { level: number; msg: string }[] = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _e, done) {
        lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
        done();
      },
    }),
  );
  beforeEach(() => (lines.length = 0));

  it('a slow shutdown with Postgres and Redis answering goes on (a warning each time), and exits 1 once one stops answering', async () => {
    let answering = true;
    const exits: number[] = [];
    startShutdownDeadline(logger, {
      timeoutMs: 50,
      dependenciesAnswer: async () => answering,
      exit: (code) => exits.push(code),
    });
    await sleep(180);
    expect(exits).toEqual([]);
    expect(lines.filter((l) => l.level === 40).length).toBeGreaterThanOrEqual(2);
    answering = false;
    await sleep(250);
    expect(exits).toEqual([1]);
    expect(lines.at(-1)).toMatchObject({
      level: 50,
      msg: expect.stringMatching(/^shutdown stuck: Postgres or Redis does not answer; exiting/),
    });
  });
});
