export * from './credentials.schema';
export * from './config.schema';
export * from './load-config';
export * from './redis-connection';
export * from './config.module';
export * from './logger';
export * from './log-context';
export * from './metrics';
