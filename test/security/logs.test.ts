import { asKey, KEYS, logLines, SecureApp, startSecureApp } from './app';

/**
 * Logs: one JSON access line per request through the app's pino logger (same redaction), and
 * Nest's own lines through it too instead of Nest's coloured console logger.
 */
describe('access log and Nest lines through pino', () => {
  let s: SecureApp;
  beforeAll(async () => {
    s = await startSecureApp();
  });
  afterAll(async () => {
    await s?.close();
  });

  const accessLines = () => logLines(s.logs).filter((l) => l.msg === 'request');

  it('writes one line per request: method, path, route, status, duration, actor, role, request id', async () => {
    const res = await fetch(`${s.url}/runs/987654321?secret-looking=${KEYS.admin}`, {
      headers: { ...asKey('viewer'), 'x-request-id': 'req-42' },
    });
    // A route that takes no query parameters refuses one (400 naming it), its value redacted.
    expect(res.status).toBe(400);
    expect(await res.text()).not.toContain(KEYS.admin);
    expect(res.headers.get('x-request-id')).toBe('req-42');
    await new Promise((r) => setTimeout(r, 50));
    const lines = accessLines().filter((l) => (l.req as { id: string }).id === 'req-42');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 40,
      req: { id: 'req-42', method: 'GET', path: '/runs/987654321' },
      res: { statusCode: 400 },
      responseTime: expect.any(Number),
      actor: 'vkey',
      role: 'viewer',
      route: '/runs/:id',
    });
    expect(s.logs.lines.join('\n')).not.toContain(KEYS.admin);
    expect(s.logs.lines.join('\n')).not.toContain(KEYS.viewer);
  });

  it('logs refusals by the middleware too, with a generated request id and no credentials', async () => {
    const res = await fetch(`${s.url}/runs`, {
      headers: { 'x-api-key': 'wrong-key-0123456789abcdef' },
    });
    expect(res.status).toBe(401);
    const id = res.headers.get('x-request-id')!;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await new Promise((r) => setTimeout(r, 50));
    const line = accessLines().find((l) => (l.req as { id: string }).id === id)!;
    expect(line).toMatchObject({ level: 40, res: { statusCode: 401 } });
    expect(line).not.toHaveProperty('actor');
    expect(s.logs.lines.join('\n')).not.toContain('wrong-key-0123456789abcdef');
  });

  it('routes Nest’s own lines through pino as JSON', () => {
    const nest = logLines(s.logs).filter((l) => l.context === 'RouterExplorer');
    expect(nest.length).toBeGreaterThan(0);
    expect(nest.map((l) => l.msg)).toContain('Mapped {/runs, POST} route');
    expect(nest[0]).toMatchObject({ level: 30, name: 'producer' });
  });
});
