import { DEV_AUTHORIZATION } from './api-caller';

/** A page as a browser gets it: its HTML, and the CSRF token and cookie its forms post back. */
export async function loadPage(url: string, path: string) {
  const res = await fetch(`${url}${path}`, { headers: { authorization: DEV_AUTHORIZATION } });
  const text = await res.text();
  return {
    status: res.status,
    text,
    token: /name="_csrf" value="([^"]+)"/.exec(text)?.[1],
    cookie: res.headers.get('set-cookie')?.split(';')[0],
  };
}

/** Posts a page's form as a browser would: same origin, its cookie, the fields url-encoded. */
export function postForm(
  url: string,
  path: string,
  cookie: string,
  fields: Record<string, string>,
): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      authorization: DEV_AUTHORIZATION,
      cookie,
      origin: url,
      accept: 'text/html',
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(fields).toString(),
  });
}
