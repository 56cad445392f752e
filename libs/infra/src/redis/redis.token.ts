/** Injection token of the Redis connection shared by BullMQ queues and the token cache. */
export const REDIS = Symbol('REDIS');
