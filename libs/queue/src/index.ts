export * from './job-options';
export * from './jobs';
export * from './queue-names';
