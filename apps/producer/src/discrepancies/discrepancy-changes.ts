import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_LOGGER, Logger } from '@app/infra';
import { Actor, AlertPublisher, changeDiscrepancy, DiscrepancyView } from '@app/reconciliation';

/**
 * A person's acknowledge or resolve, for the API and the page alike: the change and its audit
 * record (one transaction), then `discrepancy.resolved` for a resolve. The change stands even
 * when the alert cannot be queued (Redis down): that is logged, not answered as a failure.
 */
@Injectable()
export class DiscrepancyChanges {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly alerts: AlertPublisher,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Null when there is no such discrepancy; throws `DiscrepancyTransitionError` when not allowed.
   * `seenDifference` (acknowledge): the difference the person saw, see `changeDiscrepancy`.
   */
  async change(
    id: string,
    action: 'acknowledge' | 'resolve',
    note: string,
    actor: Actor,
    seenDifference: bigint | null = null,
  ): Promise<DiscrepancyView | null> {
    const changed = await changeDiscrepancy(this.ds, id, action, note, actor, seenDifference);
    if (changed && action === 'resolve')
      await this.alerts
        .discrepancyResolved(changed, actor)
        .catch((e: unknown) =>
          this.logger.warn(
            { discrepancyId: id, err: (e as Error).message },
            'discrepancy.resolved alert not queued',
          ),
        );
    return changed;
  }
}
