import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { BullBoardModule } from '@bull-board/nestjs';
import { DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from '@app/config';
import { productQueueNames } from '@app/infra';
import { boardRoles } from './board-roles';
import { RecordedSubscriberQueues } from './recorded-subscriber-queues';

/**
 * Bull Board at `/queues` for every queue (each webhook subscriber's own among them, and those
 * of removed subscribers that still hold jobs: {@link RecordedSubscriberQueues}), behind the
 * API's credentials (checked for every path by the authentication middleware) and read-only but
 * for `admin` ({@link boardRoles}, mounted by the app on the path and here again). Job payloads
 * hold ids, or an alert's body and its URL's fingerprint (see libs/queue/src/jobs.ts), so the
 * board shows no secret.
 */
@Module({})
export class QueueBoardModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: QueueBoardModule,
      imports: [
        BullBoardModule.forRoot({
          route: '/queues',
          adapter: ExpressAdapter,
          // The same check again; the app's own mount records the changes in the audit trail.
          middleware: boardRoles(() => undefined),
          boardOptions: { uiConfig: { boardTitle: 'snap-recon queues' } },
        }),
        ...productQueueNames(config).map((name) =>
          BullBoardModule.forFeature({
            name,
            adapter: BullMQAdapter,
            options: { readOnlyMode: false },
          }),
        ),
      ],
      providers: [RecordedSubscriberQueues],
      exports: [RecordedSubscriberQueues],
    };
  }
}
