import { probeReason } from './probe-reason';

describe('probeReason', () => {
  it('keeps what happened and drops where and as whom', () => {
    expect(probeReason('connect ECONNREFUSED 10.0.3.4:6379')).toBe(
      'connect ECONNREFUSED <address>',
    );
    expect(probeReason('connect ECONNREFUSED ::1:5432')).toBe('connect ECONNREFUSED <address>');
    expect(probeReason('getaddrinfo ENOTFOUND redis.internal.example')).toBe(
      'getaddrinfo ENOTFOUND <address>',
    );
    expect(probeReason('password authentication failed for user "recon"')).toBe(
      'password authentication failed for user "<name>"',
    );
    expect(probeReason('database "snap_prod" does not exist')).toBe(
      'database "<name>" does not exist',
    );
    expect(probeReason('Connection terminated: server at 192.168.1.20 closed')).toBe(
      'Connection terminated: server at <address> closed',
    );
  });

  it('leaves a reason without an address or a name as it is', () => {
    for (const reason of [
      'relation "reconciliation_runs" does not exist',
      'no answer within 2000 ms',
      'Redis connection is reconnecting',
    ])
      expect(probeReason(reason)).toBe(reason);
  });
});
