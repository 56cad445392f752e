import type { Request } from 'express';
import { clientKey } from './authenticate.middleware';

const req = (ip: string | undefined, peer = '10.0.0.9') =>
  ({ ip, socket: { remoteAddress: peer } }) as unknown as Request;

describe('clientKey: what failed logins count against', () => {
  it('an IPv4 address as it is', () => {
    expect(clientKey(req('203.0.113.7'))).toBe('203.0.113.7');
  });

  it('an IPv6 address by its /64: a subscriber’s fresh addresses share one count', () => {
    expect(clientKey(req('2001:db8:1:2::1'))).toBe('2001:db8:1:2::/64');
    expect(clientKey(req('2001:db8:1:2:aaaa:bbbb:cccc:dddd'))).toBe('2001:db8:1:2::/64');
    expect(clientKey(req('2001:db8:1:3::1'))).toBe('2001:db8:1:3::/64');
  });

  it('an IPv4-mapped IPv6 address as the IPv4 address', () => {
    expect(clientKey(req('::ffff:127.0.0.1'))).toBe('127.0.0.1');
  });

  it('a forwarded text that is not an IP address: the connection’s peer instead', () => {
    expect(clientKey(req('not-an-ip'))).toBe('10.0.0.9');
    expect(clientKey(req(undefined))).toBe('10.0.0.9');
  });
});
