import { ContractBreachError } from './errors';
import { parseJsonObject, show } from './response-body';

/** A token no process has remembered: the answer that carries it could not be read. */
const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.NotRememberedAnywhere0123456789';

function breachOf(body: string): ContractBreachError {
  try {
    parseJsonObject(body, () => ({ provider: 'finnet', httpStatus: 200 }));
  } catch (e) {
    return e as ContractBreachError;
  }
  throw new Error('no breach');
}

describe('an unreadable answer that carries a token (found by a review)', () => {
  it('a body JSON.parse refuses (a byte-order mark before the object): the preview shows no token', () => {
    const breach = breachOf(`\uFEFF{"accessToken":"${TOKEN}","responseCode":"2007300"}`);
    expect(breach.message).toContain('response body is not JSON (HTTP 200, got');
    expect(breach.message).toContain('\\"accessToken\\":\\"[REDACTED]\\"');
    expect(breach.message).not.toContain(TOKEN.slice(0, 12));
  });

  it('a body cut off inside the token: the preview shows none of it', () => {
    const breach = breachOf(`{"responseCode":"2007300","accessToken":"${TOKEN}`);
    expect(breach.message).toContain('response body is not JSON (HTTP 200, got');
    expect(breach.message).toContain('\\"accessToken\\":\\"[REDACTED]\\"');
    expect(breach.message).not.toContain(TOKEN.slice(0, 12));
  });

  it('a JSON array instead of an object: the value shown has no token', () => {
    const breach = breachOf(`[{"accessToken":"${TOKEN}","responseCode":"2007300"}]`);
    expect(breach.message).toContain(
      'is not a JSON object (HTTP 200, got [{"accessToken":"[REDACTED]"',
    );
    expect(breach.message).not.toContain(TOKEN.slice(0, 12));
    expect(show({ access_token: TOKEN })).toBe('{"access_token":"[REDACTED]"}');
  });
});
