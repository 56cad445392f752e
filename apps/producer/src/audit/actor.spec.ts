import type { Request } from 'express';
import { actorOf } from './actor';

const request = (headers: Record<string, string>, actor?: unknown) =>
  ({ headers, actor }) as unknown as Request;

describe('actorOf', () => {
  it('takes the actor the guard put on the request', () => {
    expect(actorOf(request({}, { name: 'siti', role: 'operator' }))).toEqual({
      name: 'siti',
      role: 'operator',
    });
  });

  it('falls back to the basic-auth user name', () => {
    const authorization = `Basic ${Buffer.from('ops:secret:with:colons').toString('base64')}`;
    expect(actorOf(request({ authorization }))).toEqual({ name: 'ops', role: 'admin' });
  });

  it('names an API key by a fingerprint, never the key', () => {
    const key = 'a-key-of-at-least-16-chars';
    const actor = actorOf(request({ 'x-api-key': key }));
    expect(actor.name).toMatch(/^api-key:[0-9a-f]{8}$/);
    expect(actor.name).not.toContain(key.slice(0, 6));
    expect(actorOf(request({ 'x-api-key': key })).name).toBe(actor.name);
  });
});
