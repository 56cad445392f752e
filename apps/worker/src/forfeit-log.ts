import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { APP_LOGGER, Logger } from '@app/infra';
import type { ProviderName } from '@app/snap';

/** The message of the log line that carries the counts (read back by {@link slotsGivenUp}). */
export const FORFEIT_MESSAGE = 'pacing slots given up: reached too late by a busy process';

/**
 * Pacing slots this process reached too late to use (its event loop or CPU too busy), logged
 * at most every 10 s, and what is left when the worker stops: a steady stream of them means
 * the workers lack CPU and lose rate.
 */
@Injectable()
export class ForfeitLog implements OnApplicationShutdown {
  private counts: Partial<Record<ProviderName, number>> = {};
  private timer: NodeJS.Timeout | null = null;

  constructor(@Inject(APP_LOGGER) private readonly logger: Logger) {}

  readonly count = (provider: ProviderName): void => {
    this.counts[provider] = (this.counts[provider] ?? 0) + 1;
    this.timer ??= setTimeout(() => this.flush(), 10_000).unref();
  };

  /** Writes the counts not logged yet, if any. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (Object.keys(this.counts).length === 0) return;
    this.logger.warn({ forfeited: this.counts }, FORFEIT_MESSAGE);
    this.counts = {};
  }

  onApplicationShutdown(): void {
    this.flush();
  }
}

/**
 * The slots given up per provider, summed over a worker log's JSON lines (other lines are
 * skipped): what the benchmark and the chaos suite read back from the workers.
 */
export function slotsGivenUp(lines: Iterable<string>): Record<string, number> {
  const total: Record<string, number> = {};
  for (const line of lines) {
    if (!line.includes(FORFEIT_MESSAGE)) continue;
    const { forfeited } = JSON.parse(line) as { forfeited?: Record<string, number> };
    for (const [provider, n] of Object.entries(forfeited ?? {}))
      total[provider] = (total[provider] ?? 0) + n;
  }
  return total;
}
