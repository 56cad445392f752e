import type { IncomingHttpHeaders } from 'node:http';

/** A request header by its (case-insensitive) name; repeated headers are joined by `, `. */
export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(', ') : value;
}
