import { splitTarget } from './http-io';

describe('splitTarget', () => {
  it('splits the path from the query', () => {
    const t = splitTarget('/admin/accounts?provider=netzme&x=1');
    expect(t.path).toBe('/admin/accounts');
    expect(t.query().get('provider')).toBe('netzme');
    expect(splitTarget('/api/v1.0/payment/balance-inquiry').path).toBe(
      '/api/v1.0/payment/balance-inquiry',
    );
    expect(splitTarget(undefined).path).toBe('/');
  });

  it('handles an absolute-form target and never throws', () => {
    expect(splitTarget('http://127.0.0.1:8090/health?a=b').path).toBe('/health');
    expect(() => splitTarget('http://[')).not.toThrow();
  });
});
