import { EndpointKind, SERVICE_CODES } from './provider-rules';
import type { Reply } from './replies';

/**
 * What a provider down as a whole answers (setting `outages`): its gateway's HTTP 503 page,
 * or nothing until the read-timeout hold is over. Before any signature or token check: a
 * provider that is down checks nothing.
 */
export function outageReply(kind: EndpointKind, outage: '503' | 'hang'): Reply {
  if (outage === 'hang')
    return { type: 'hold', label: 'read-timeout', serviceCode: SERVICE_CODES[kind] };
  return {
    type: 'raw',
    status: 503,
    contentType: 'text/html',
    text: '<html><body><h1>503 Service Unavailable</h1></body></html>',
    label: 'outage-503',
  };
}
