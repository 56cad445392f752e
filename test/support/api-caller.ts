/** The dev basic-auth header of the producer API (`admin` / `snap-recon-dev`, test config). */
export const DEV_AUTHORIZATION = `Basic ${Buffer.from('admin:snap-recon-dev').toString('base64')}`;

/** One answer of {@link apiCaller}: its status, its text and, read on demand, its JSON. */
export interface ApiAnswer {
  status: number;
  text: string;
  readonly body: Record<string, unknown>;
}

/**
 * Calls the producer API at `baseUrl()` (read at each call: tests set it in `beforeAll`) with
 * the dev credentials, a JSON body when given one.
 */
export function apiCaller(baseUrl: () => string) {
  return async (method: string, path: string, body?: unknown): Promise<ApiAnswer> => {
    const res = await fetch(baseUrl() + path, {
      method,
      headers: { authorization: DEV_AUTHORIZATION, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return {
      status: res.status,
      text,
      get body() {
        return JSON.parse(text) as Record<string, unknown>;
      },
    };
  };
}
