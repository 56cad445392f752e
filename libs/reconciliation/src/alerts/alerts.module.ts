import { Global, Module } from '@nestjs/common';
import { AlertPublisher } from './alert-publisher';

/**
 * Provides the {@link AlertPublisher} to every module of the app (the worker's services, the
 * producer's discrepancy changes). Needs `InfraModule` (the webhook queue) and `ConfigModule`.
 */
@Global()
@Module({ providers: [AlertPublisher], exports: [AlertPublisher] })
export class AlertsModule {}
