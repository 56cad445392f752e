import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { BullBoardModule } from '@bull-board/nestjs';
import { DynamicModule, Module } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { AppConfig } from '@app/config';
import { ALL_QUEUES } from '@app/queue';
import { CredentialsCheck } from '../auth/credentials-check';

/** The same credentials as the API, as express middleware (Bull Board is not a Nest route). */
function requireCredentials(config: AppConfig) {
  const check = new CredentialsCheck(config);
  return (req: Request, res: Response, next: NextFunction) => {
    if (check.allows(req.headers)) return next();
    res.setHeader('WWW-Authenticate', 'Basic realm="snap-recon"');
    res.status(401).json({ statusCode: 401, message: 'Unauthorized' });
  };
}

/**
 * Bull Board at `/queues` for every queue, behind the API's credentials. Job payloads hold
 * ids only (see libs/queue/src/jobs.ts), so the board shows no secret.
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
          middleware: requireCredentials(config),
          boardOptions: { uiConfig: { boardTitle: 'snap-recon queues' } },
        }),
        ...ALL_QUEUES.map((name) =>
          BullBoardModule.forFeature({
            name,
            adapter: BullMQAdapter,
            options: { readOnlyMode: false },
          }),
        ),
      ],
    };
  }
}
