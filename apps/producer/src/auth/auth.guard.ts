import {
  CanActivate,
  ExecutionContext,
  Inject,
  Injectable,
  SetMetadata,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { APP_CONFIG, AppConfig } from '@app/config';
import { CredentialsCheck } from './credentials-check';

const PUBLIC = 'snap-recon:public';

/** Marks a route that needs no credentials (only health). */
export const Public = () => SetMetadata(PUBLIC, true);

/** Every route needs credentials unless marked {@link Public}; a failure is a bare 401. */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly check: CredentialsCheck;

  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.check = new CredentialsCheck(config);
  }

  canActivate(context: ExecutionContext): boolean {
    if (
      this.reflector.getAllAndOverride<boolean>(PUBLIC, [context.getHandler(), context.getClass()])
    )
      return true;
    const http = context.switchToHttp();
    if (this.check.allows(http.getRequest<Request>().headers)) return true;
    http.getResponse<Response>().setHeader('WWW-Authenticate', 'Basic realm="snap-recon"');
    throw new UnauthorizedException();
  }
}
