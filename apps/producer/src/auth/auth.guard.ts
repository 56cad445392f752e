import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  SetMetadata,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { Role, roleAllows } from '@app/config';
import { defaultRole, REQUIRED_ROLE, roleRefusal } from './roles';
import './actor';

const PUBLIC = 'snap-recon:public';

/** Marks a route that needs no credentials (only health). */
export const Public = () => SetMetadata(PUBLIC, true);

/**
 * Every Nest route needs an authenticated caller (`req.actor`, set by the authentication
 * middleware before the body was read) unless marked {@link Public}, with at least the role
 * the route requires ({@link RequireRole}, or by method: GET viewer, others operator).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, targets)) return true;
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    if (!req.actor) {
      http.getResponse<Response>().setHeader('WWW-Authenticate', 'Basic realm="snap-recon"');
      throw new UnauthorizedException('credentials required');
    }
    const needed =
      this.reflector.getAllAndOverride<Role>(REQUIRED_ROLE, targets) ?? defaultRole(req.method);
    if (!roleAllows(req.actor.role, needed))
      throw new ForbiddenException(roleRefusal(req.method, req.path, needed, req.actor));
    return true;
  }
}
