import { isIP } from 'node:net';
import type { NextFunction, Request, Response } from 'express';
import ipaddr from 'ipaddr.js';
import type { Cluster, Redis } from 'ioredis';
import type { AppConfig } from '@app/config';
import { type Logger, queuePrefix } from '@app/infra';
import { problem, sendProblem } from '../http/problem';
import { CredentialsCheck, presented } from './credentials-check';
import { LoginFailures } from './login-failures';

/**
 * The address failed logins count against: `req.ip` (the X-Forwarded-For client when
 * TRUST_PROXY names the proxy), the connection's peer when that is not an IP address (a
 * trusted proxy can forward any text), and an IPv6 address by its /64, the block one
 * subscriber holds (counted per address, it could guess from a fresh address at every try).
 */
export function clientKey(req: Request): string {
  const address = isIP(req.ip ?? '') ? req.ip! : (req.socket.remoteAddress ?? 'unknown');
  if (isIP(address) !== 6) return address;
  const ip = ipaddr.IPv6.parse(address);
  if (ip.isIPv4MappedAddress()) return ip.toIPv4Address().toString();
  return `${ip.toNormalizedString().split(':').slice(0, 4).join(':')}::/64`;
}

/** The only routes answered without credentials: `GET /health` and below (any letter case). */
export function isPublicRequest(req: Request): boolean {
  return (req.method === 'GET' || req.method === 'HEAD') && /^\/health(\/|$)/i.test(req.path);
}

/**
 * Express middleware placed before every body parser and route (the API, the pages, Bull
 * Board, the OpenAPI document): it checks the credentials and puts the caller on the request
 * as `req.actor`, or answers 401 before anything of the body is read. Being mounted on every
 * path, it guards `/docs`, `/DOCS-JSON` and `/queues` alike whatever the letter case (Express
 * matches routes case-insensitively; a string compare did not). Wrong credentials count
 * against the client's address ({@link LoginFailures}, in `redis` when given: shared by every
 * producer process) and are logged without the secret.
 */
export function authenticate(config: AppConfig, logger: Logger, redis?: Redis | Cluster) {
  const check = new CredentialsCheck(config);
  const failures = new LoginFailures(
    config.AUTH_FAILURES_PER_MINUTE,
    redis && { client: redis, keyPrefix: `${queuePrefix(config)}:login-failures` },
  );
  const knownUsers = new Set([
    config.BASIC_AUTH_USER,
    ...config.BASIC_AUTH_USERS.map((u) => u.name),
  ]);
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const client = clientKey(req);
    const given = presented(req.headers);
    if (given.kind === 'none') {
      if (isPublicRequest(req)) return next();
      res.setHeader('WWW-Authenticate', 'Basic realm="snap-recon"');
      return sendProblem(req, res, problem(401, 'credentials required'));
    }
    const refuse = (waitMs: number) => {
      logger.warn(
        { client, method: req.method, path: req.path },
        'login refused: too many failures',
      );
      res.setHeader('Retry-After', String(Math.max(1, Math.ceil(waitMs / 1000))));
      sendProblem(
        req,
        res,
        problem(429, 'too many failed logins from this client; wait and retry'),
      );
    };
    // Checked here and now (no I/O). A wrong credential is counted at once, without reading the
    // count first: tries sent in parallel then each see the failures before them, and a right
    // one behind the limit's worth of wrong ones is refused like them (reading first let every
    // parallel try pass the check before any failure was counted).
    const actor = check.actorOf(given);
    if (actor) {
      const waitMs = await failures.waitMs(client);
      if (waitMs > 0) return refuse(waitMs);
      req.actor = actor;
      return next();
    }
    const count = await failures.record(client);
    if (count > config.AUTH_FAILURES_PER_MINUTE) return refuse(await failures.waitMs(client));
    logger.warn(
      {
        client,
        method: req.method,
        path: req.path,
        scheme: given.kind,
        // A user name is logged only when it is a configured one (a password typed into the
        // user field must not land in the log).
        user: given.kind === 'basic' && knownUsers.has(given.user) ? given.user : undefined,
        failuresThisMinute: count,
      },
      'login failed',
    );
    if (isPublicRequest(req)) return next();
    res.setHeader('WWW-Authenticate', 'Basic realm="snap-recon"');
    sendProblem(req, res, problem(401, 'wrong credentials'));
  };
}
