import { STATUS_CODES, maxHeaderSize } from 'node:http';
import type { Duplex } from 'node:stream';
import { problem, PROBLEM_CONTENT_TYPE, FieldError } from './problem';

/** What a request Node's parser refused gets: its status and field error, as Node picks it. */
function refusal(code: string | undefined): { status: number; error: FieldError } {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return {
        status: 431,
        error: {
          field: '(headers)',
          value: null,
          reason: `are larger than the server's limit of ${maxHeaderSize} bytes in all`,
        },
      };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return {
        status: 413,
        error: { field: '(body)', value: null, reason: 'has chunk extensions over the limit' },
      };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      // Node gives this one code for the headers' timeout and the whole request's.
      return {
        status: 408,
        error: {
          field: '(request)',
          value: null,
          reason:
            'did not arrive in time (its headers within HTTP_HEADERS_TIMEOUT_MS, all of it within HTTP_REQUEST_TIMEOUT_MS)',
        },
      };
    default:
      return {
        status: 400,
        error: { field: '(request)', value: null, reason: 'is not a valid HTTP/1.1 request' },
      };
  }
}

/** The response in flight on a socket, when there is one (Node keeps it there). */
const inFlight = (socket: Duplex) =>
  (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;

/**
 * The server's `clientError` handler: a request Node's HTTP parser refuses (headers over the
 * size limit, a malformed request, a request timed out) is answered as every other 4xx is, with
 * a problem document, where Node's own answer has an empty body. As Node does: the answer is
 * written only when no response on the socket has begun (a pipelined request's error must not
 * land inside the body of the one before), and the socket is destroyed after it (a client that
 * never closes its side would otherwise hold it).
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code !== 'ECONNRESET' && socket.writable && !inFlight(socket)?.headersSent) {
    const { status, error } = refusal(err.code);
    const body = JSON.stringify(problem(status, STATUS_CODES[status]?.toLowerCase(), [error]));
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  }
  socket.destroy();
}
