import { createServer } from 'node:http';

/**
 * The ceiling's do-nothing HTTP endpoint: answers every request 200 with a small JSON body
 * once the request body is read. Keep-alive as a provider would. 127.0.0.1 only.
 */
const BODY = JSON.stringify({ responseCode: '2001100', responseMessage: 'Successful' });
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(BODY),
    });
    res.end(BODY);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
