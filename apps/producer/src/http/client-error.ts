import { maxHeaderSize, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { problem, PROBLEM_CONTENT_TYPE, FieldError } from './problem';

/** What a request Node's parser refused gets: a status and the problem's one field error. */
function refusal(code: string | undefined): { status: number; error: FieldError } {
  if (code === 'HPE_HEADER_OVERFLOW') {
    return {
      status: 431,
      error: {
        field: '(headers)',
        value: null,
        reason: `are larger than the server's limit of ${maxHeaderSize} bytes in all`,
      },
    };
  }
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return {
      status: 408,
      error: {
        field: '(request)',
        value: null,
        reason: 'did not arrive whole within HTTP_REQUEST_TIMEOUT_MS',
      },
    };
  }
  return {
    status: 400,
    error: { field: '(request)', value: null, reason: 'is not a valid HTTP/1.1 request' },
  };
}

/**
 * The server's `clientError` handler: a request Node's HTTP parser refuses (headers over the
 * size limit, a malformed request line, a request timed out) is answered as every other 4xx
 * is, with a problem document; Node's own answer has an empty body. A socket the client has
 * reset or already closed is just destroyed.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const { status, error } = refusal(err.code);
  const body = JSON.stringify(problem(status, STATUS_CODES[status]?.toLowerCase(), [error]));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}
