import pino, { Logger } from 'pino';
import type { SnapLogger } from '@app/snap';

/** A pino logger whose JSON lines are kept in memory, for tests that read what was logged. */
export function memoryLogger(
  level = 'debug',
  lines: string[] = [],
): { logger: Logger; lines: string[] } {
  const logger = pino({ level }, { write: (line: string) => lines.push(line) });
  return { logger, lines };
}

/** A SnapClient logger (pino-shaped) that keeps JSON lines in memory. */
export function memorySnapLogger(lines: string[] = []): { logger: SnapLogger; lines: string[] } {
  return memoryLogger('debug', lines);
}

/** Parsed JSON log lines. */
export function parsed(lines: readonly string[]): Record<string, unknown>[] {
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Every (needle, line) pair where a secret shows up in a log line (needles shorter than 6 chars are skipped). */
export function leaks(
  lines: readonly string[],
  secrets: readonly string[],
): { secret: string; line: string }[] {
  const found: { secret: string; line: string }[] = [];
  for (const secret of secrets) {
    if (secret.length < 6) continue;
    for (const line of lines)
      if (line.includes(secret)) found.push({ secret: `${secret.slice(0, 4)}…`, line });
  }
  return found;
}
