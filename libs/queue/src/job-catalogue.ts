import {
  AlertWebhookJobData,
  BalanceInquiryJobData,
  DiscrepancyWebhookJobData,
  JOB,
  RetentionJobData,
  ScheduledRunJobData,
} from './jobs';
import {
  BALANCE_QUEUES,
  isSubscriberWebhookQueue,
  SCHEDULE_QUEUE,
  WEBHOOK_QUEUE,
} from './queue-names';

/** Every job name of the product. */
export type JobName = (typeof JOB)[keyof typeof JOB];

/** The payload of each job name: what an enqueue must give and a handler receives. */
export interface JobPayloads {
  [JOB.balanceInquiry]: BalanceInquiryJobData;
  [JOB.scheduledRun]: ScheduledRunJobData;
  [JOB.retention]: RetentionJobData;
  [JOB.alertWebhook]: AlertWebhookJobData;
  [JOB.discrepancyWebhook]: DiscrepancyWebhookJobData;
}

/**
 * The job names each queue carries. A process that consumes a queue must have exactly one
 * handler for each of them (checked at start-up: `checkJobHandlers`), and an enqueue helper
 * refuses a name its queue does not carry.
 */
export const QUEUE_JOBS: Readonly<Record<string, readonly JobName[]>> = {
  ...Object.fromEntries(BALANCE_QUEUES.map((queue) => [queue, [JOB.balanceInquiry]])),
  [SCHEDULE_QUEUE]: [JOB.scheduledRun, JOB.retention],
  [WEBHOOK_QUEUE]: [JOB.alertWebhook, JOB.discrepancyWebhook],
};

/** The job names each subscriber's delivery queue carries (`webhookQueueName`). */
export const SUBSCRIBER_WEBHOOK_JOBS: readonly JobName[] = [JOB.alertWebhook];

/**
 * The job names `queue` carries, a subscriber's delivery queue included; undefined for a queue
 * the catalogue does not know.
 */
export function catalogueJobs(queue: string): readonly JobName[] | undefined {
  return (
    QUEUE_JOBS[queue] ?? (isSubscriberWebhookQueue(queue) ? SUBSCRIBER_WEBHOOK_JOBS : undefined)
  );
}

/** The job names `queue` carries; throws naming the queue when the catalogue has no such queue. */
export function jobsOfQueue(queue: string): readonly JobName[] {
  const jobs = catalogueJobs(queue);
  if (!jobs) throw new Error(`queue ${JSON.stringify(queue)} is not in the job catalogue`);
  return jobs;
}
