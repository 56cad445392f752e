import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { repoRoot, vectorsPath } from './shared-vectors';

/** The providers' own pages (shared/seeds/, beside the repository), by file name. */
export const PAGES = {
  netzmeBalance: '000_9ce08a950fa6699e.txt',
  netzmeAccountStatus: '001_0973e780f2b29cca.txt',
  nicepayBalance: '002_63c6f9e7a8d9dbb3.txt',
  finnetBalance: '003_f5dd527b89a8c6b5.txt',
} as const;

/** The text of a provider page, exactly as stored. */
export function pageText(file: string): string {
  return readFileSync(resolve(repoRoot(), '..', 'shared', 'seeds', file), 'utf8');
}

/**
 * The first JSON object printed after `marker` on a page, byte for byte as printed (white
 * space and all): from its `{` to the matching `}`, strings respected.
 */
export function printedJsonAfter(page: string, marker: string): string {
  const at = page.indexOf(marker);
  if (at < 0) throw new Error(`page has no ${JSON.stringify(marker)}`);
  const start = page.indexOf('{', at);
  let depth = 0;
  let inString = false;
  for (let i = start; i < page.length; i++) {
    const c = page[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return page.slice(start, i + 1);
  }
  throw new Error(`the JSON after ${JSON.stringify(marker)} never closes`);
}

/** A header value from a page's printed curl request (`--header 'Name: value'`). */
export function curlHeader(page: string, name: string): string {
  const m = new RegExp(`--header '${name}: ([^']*)'`).exec(page);
  if (!m) throw new Error(`the page's curl request has no ${name} header`);
  return m[1];
}

/** The Netzme signed request published in vectors.json (`symmetricHex`). */
export interface SymmetricHexVector {
  source: string;
  clientSecret: string;
  method: string;
  endpointPath: string;
  accessToken: string;
  timestamp: string;
  rawBody: string;
  minifiedBodySha256Hex: string;
  stringToSign: string;
  signatureHex: string;
}

/** vectors.json, with the entries the simulator tests replay. */
export function loadSignedVectors(): {
  bodyHash: { minifiedBody: string; sha256Hex: string }[];
  symmetric: {
    clientSecret: string;
    method: string;
    endpointPath: string;
    accessToken: string;
    timestamp: string;
    rawBody: string;
    minifiedBodySha256Hex: string;
    signatureBase64: string;
  }[];
  symmetricHex: SymmetricHexVector[];
} {
  return JSON.parse(readFileSync(vectorsPath(), 'utf8'));
}

/** Every header of a page's printed curl request, in order, as `[name, value]`. */
export function curlHeaders(page: string): [string, string][] {
  return [...page.matchAll(/--header '([^:']+): ([^']*)'/g)].map((m) => [m[1], m[2]]);
}

/** The method and URL path a page prints as `POST https://host/path`. */
export function pageEndpoint(page: string): { method: string; path: string } {
  const m = /^(GET|POST) https?:\/\/[^/\s]+(\/\S*)$/m.exec(page);
  if (!m) throw new Error('the page prints no "METHOD https://host/path" line');
  return { method: m[1], path: m[2] };
}

/** The non-blank lines of a page after `from` and before `to` (both markers left out), trimmed. */
export function pageLines(page: string, from: string, to: string): string[] {
  const start = page.indexOf(from);
  const end = page.indexOf(to, start + from.length);
  if (start < 0 || end < 0) {
    throw new Error(`page has no ${JSON.stringify(from)} … ${JSON.stringify(to)} section`);
  }
  return page
    .slice(start + from.length, end)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}
