import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_LOGGER, Logger, within } from '@app/infra';
import {
  Actor,
  AlertPublisher,
  changeDiscrepancy,
  DiscrepancyTransitionError,
  DiscrepancyView,
  UnseenDifferenceError,
} from '@app/reconciliation';
import { formatAmount } from '@app/snap';
import { rejectParam } from '../validation';

/** How long a resolve's answer waits for its alert to be queued (ioredis holds commands while Redis is away). */
const ALERT_QUEUE_WAIT_MS = 3_000;

/**
 * A person's acknowledge or resolve, for the API and the page alike: the change and its audit
 * record (one transaction), then `discrepancy.resolved` for a resolve. The change stands even
 * when the alert cannot be queued (Redis down): that is logged, not answered as a failure, and
 * the answer does not wait more than {@link ALERT_QUEUE_WAIT_MS} for it (the alert still goes
 * out if Redis comes back while ioredis holds it; publishing is idempotent per delivery).
 */
@Injectable()
export class DiscrepancyChanges {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly alerts: AlertPublisher,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * The discrepancy as changed. Refused as the API and the page answer it alike: 404 when there
   * is no such discrepancy, 409 when its status does not allow the change, 400 naming a
   * `seenDifference` it never showed (the difference the person saw, see `changeDiscrepancy`).
   */
  async change(
    id: string,
    action: 'acknowledge' | 'resolve',
    note: string,
    actor: Actor,
    seenDifference: bigint | null = null,
  ): Promise<DiscrepancyView> {
    let changed: DiscrepancyView | null;
    try {
      changed = await changeDiscrepancy(this.ds, id, action, note, actor, seenDifference);
    } catch (e) {
      if (e instanceof DiscrepancyTransitionError) throw new ConflictException(e.message);
      if (e instanceof UnseenDifferenceError)
        rejectParam('request body', 'seenDifference', formatAmount(e.seenDifference), e.message);
      throw e;
    }
    if (!changed) throw new NotFoundException(`discrepancy ${id} not found`);
    if (action === 'resolve')
      await within(
        ALERT_QUEUE_WAIT_MS,
        this.alerts.discrepancyResolved(changed, actor),
        'Redis',
      ).catch((e: unknown) =>
        this.logger.warn(
          { discrepancyId: id, err: (e as Error).message },
          'discrepancy.resolved alert not queued (failed, or still waiting for Redis: it goes out if Redis comes back while this process runs)',
        ),
      );
    return changed;
  }
}
