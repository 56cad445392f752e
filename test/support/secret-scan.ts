import type { Redis } from 'ioredis';

/** A text to search, and where it came from (for the report). */
export interface ScannedText {
  where: string;
  text: string;
}

/** A secret to look for; `label` names it in findings, so a report never prints the secret. */
export interface SecretNeedle {
  label: string;
  value: string;
}

/** One secret found somewhere. */
export interface Leak {
  where: string;
  secret: string;
  form: string;
}

/**
 * The forms a secret can take once written somewhere: as is, its head (cut short), JSON-escaped,
 * URL-encoded and base64 (a basic-auth header, a token in a URL). A PEM key is looked for by the whole body
 * and by each line of it (a log may cut or escape the line breaks).
 */
export function needleForms(needle: SecretNeedle): { form: string; text: string }[] {
  const forms = new Map<string, string>();
  const add = (form: string, text: string) => {
    if (text.length >= 12 && !forms.has(text)) forms.set(text, form);
  };
  const value = needle.value;
  if (value.includes('-----BEGIN')) {
    const lines = value.split(/\r?\n/).filter((l) => l && !l.startsWith('-----'));
    add('pem body', lines.join(''));
    lines.forEach((line, i) => add(`pem line ${i + 1}`, line));
    add('pem json-escaped', JSON.stringify(value).slice(1, -1));
  } else {
    add('as is', value);
    // What is left of a secret cut short (a message bounded in length): its first 16 characters.
    if (value.length >= 24) add('head', value.slice(0, 16));
    add('json-escaped', JSON.stringify(value).slice(1, -1));
    add('url-encoded', encodeURIComponent(value));
    add('base64', Buffer.from(value).toString('base64'));
  }
  return [...forms].map(([text, form]) => ({ form, text }));
}

/**
 * Every text that holds a secret, in any form: one leak per text and secret, naming the first
 * form found (as is, head, JSON-escaped, URL-encoded, base64; a PEM by body, then by line).
 */
export function scanTexts(texts: readonly ScannedText[], needles: readonly SecretNeedle[]): Leak[] {
  const formsBySecret = needles.map((n) => ({ secret: n.label, forms: needleForms(n) }));
  const leaks: Leak[] = [];
  for (const { where, text } of texts) {
    for (const { secret, forms } of formsBySecret) {
      const found = forms.find((f) => text.includes(f.text));
      if (found) leaks.push({ where, secret, form: found.form });
    }
  }
  return leaks;
}

/**
 * Every key under `prefix:` in Redis with its whole value, whatever its type (job hashes with
 * data, return values, failure reasons and stack traces; lists, sets, sorted sets, streams,
 * strings). `skip` leaves keys out (and says so in `skipped`).
 */
export async function redisTexts(
  redis: Redis,
  prefix: string,
  skip: (key: string) => boolean = () => false,
): Promise<{ texts: ScannedText[]; keys: number; jobHashes: number; skipped: string[] }> {
  const texts: ScannedText[] = [];
  const skipped: string[] = [];
  let keys = 0;
  let jobHashes = 0;
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    for (const key of batch) {
      if (skip(key)) {
        skipped.push(key);
        continue;
      }
      keys++;
      const type = await redis.type(key);
      let value: unknown;
      if (type === 'hash') {
        const hash = await redis.hgetall(key);
        if ('data' in hash && 'opts' in hash) jobHashes++;
        value = hash;
      } else if (type === 'string') value = await redis.get(key);
      else if (type === 'list') value = await redis.lrange(key, 0, -1);
      else if (type === 'set') value = await redis.smembers(key);
      else if (type === 'zset') value = await redis.zrange(key, 0, -1, 'WITHSCORES');
      else if (type === 'stream') value = await redis.xrange(key, '-', '+');
      else value = `(type ${type})`;
      texts.push({ where: `redis ${key}`, text: `${key}\n${JSON.stringify(value)}` });
    }
  } while (cursor !== '0');
  return { texts, keys, jobHashes, skipped };
}
