import type { EndpointKind } from './provider-rules';
import { Reply, snapReply } from './replies';
import { SERVICE_CODES } from './provider-rules';

/** The faults every endpoint can produce the same way. */
export type CommonFault =
  '500' | '504' | '429' | 'connection-reset' | 'read-timeout' | 'non-json' | 'code';

const GATEWAY_PAGE =
  '<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>';

/** The answer for a fault that does not depend on the endpoint's own body. */
export function commonFaultReply(
  kind: EndpointKind,
  fault: { kind: CommonFault; responseCode?: string; retryAfter?: string },
): Reply {
  switch (fault.kind) {
    case '500':
      return snapReply(kind, 500, '00');
    case '504':
      return snapReply(kind, 504, '00');
    case '429': {
      const reply = snapReply(kind, 429, '00');
      return fault.retryAfter === undefined
        ? reply
        : { ...reply, headers: { 'Retry-After': fault.retryAfter } };
    }
    case 'connection-reset':
      return { type: 'reset', label: 'connection-reset' };
    case 'read-timeout':
      return { type: 'hold', label: 'read-timeout', serviceCode: SERVICE_CODES[kind] };
    case 'non-json':
      return {
        type: 'raw',
        status: 502,
        contentType: 'text/html; charset=utf-8',
        text: GATEWAY_PAGE,
        label: 'non-json',
      };
    case 'code': {
      const code = fault.responseCode!;
      return {
        type: 'json',
        status: Number(code.slice(0, 3)),
        body: { responseCode: code, responseMessage: 'Simulated' },
        label: code,
      };
    }
  }
}
