import {
  CallHandler,
  ExecutionContext,
  HttpException,
  Inject,
  Injectable,
  NestInterceptor,
  UseInterceptors,
} from '@nestjs/common';
import type { Response } from 'express';
import type { Observable } from 'rxjs';
import { APP_CONFIG, AppConfig } from '@app/config';

const gates = new WeakMap<AppConfig, { inUse: number }>();

/**
 * At most `MAX_CONCURRENT_EXPORTS` exports (whole reports, CSV files) stream at once in this
 * producer; one more is answered 429 with `Retry-After` rather than queued. Each export holds
 * a database cursor's worth of rows and a socket for as long as the client reads, so twenty
 * at once starved the producer of memory. A slot is given back when the response closes
 * (finished, failed or abandoned by the client).
 */
@Injectable()
export class ExportSlots implements NestInterceptor {
  private readonly gate: { inUse: number };
  private readonly max: number;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.max = config.MAX_CONCURRENT_EXPORTS;
    // Nest makes one interceptor instance per module that uses it; the count must be one per
    // app, so it lives beside the app's config object, which every module shares.
    let gate = gates.get(config);
    if (!gate) gates.set(config, (gate = { inUse: 0 }));
    this.gate = gate;
  }

  /** Exports streaming now. */
  get busy(): number {
    return this.gate.inUse;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const res = context.switchToHttp().getResponse<Response>();
    if (this.gate.inUse >= this.max) {
      res.setHeader('Retry-After', '5');
      throw new HttpException(
        `${this.max} exports are already being written; retry in a few seconds`,
        429,
      );
    }
    this.gate.inUse++;
    res.once('close', () => this.gate.inUse--);
    return next.handle();
  }
}

/** Marks a route as an export: it takes one of the {@link ExportSlots}. */
export const Export = () => UseInterceptors(ExportSlots);
