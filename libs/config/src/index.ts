export * from './credentials.schema';
export * from './config.schema';
export * from './load-config';
export * from './config.module';
export * from './webhook-settings';
