import {
  CallHandler,
  ExecutionContext,
  HttpException,
  Inject,
  Injectable,
  NestInterceptor,
  UseInterceptors,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import '../auth/actor';
import type { Observable } from 'rxjs';
import { APP_CONFIG, AppConfig } from '@app/config';

interface Gate {
  inUse: number;
  /** Exports streaming, by credential (actor name). */
  byActor: Map<string, number>;
}

const gates = new WeakMap<AppConfig, Gate>();

/**
 * At most `MAX_CONCURRENT_EXPORTS` exports (whole reports, CSV files) stream at once in this
 * producer, and at most half of them (at least one) for one credential; one more is answered
 * 429 with `Retry-After` rather than queued. Each export holds
 * a database cursor's worth of rows and a socket for as long as the client reads, so twenty
 * at once starved the producer of memory. A slot is given back when the response closes
 * (finished, failed or abandoned by the client), and an export whose client has read nothing
 * for `EXPORT_IDLE_TIMEOUT_MS` (it asked and stopped reading) is ended, so no client holds a
 * slot for ever.
 */
@Injectable()
export class ExportSlots implements NestInterceptor {
  private readonly gate: Gate;
  private readonly max: number;
  /** What one credential may hold: half the slots (at least one), so one slow reader cannot take them all. */
  private readonly maxPerActor: number;
  private readonly idleMs: number;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.max = config.MAX_CONCURRENT_EXPORTS;
    this.idleMs = config.EXPORT_IDLE_TIMEOUT_MS;
    this.maxPerActor = Math.max(1, Math.floor(this.max / 2));
    // Nest makes one interceptor instance per module that uses it; the count must be one per
    // app, so it lives beside the app's config object, which every module shares.
    let gate = gates.get(config);
    if (!gate) gates.set(config, (gate = { inUse: 0, byActor: new Map() }));
    this.gate = gate;
  }

  /** Exports streaming now. */
  get busy(): number {
    return this.gate.inUse;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const res = http.getResponse<Response>();
    const actor = http.getRequest<Request>().actor?.name ?? '';
    const mine = this.gate.byActor.get(actor) ?? 0;
    if (this.gate.inUse >= this.max || mine >= this.maxPerActor) {
      res.setHeader('Retry-After', '5');
      throw new HttpException(
        this.gate.inUse >= this.max
          ? `${this.max} exports are already being written; retry in a few seconds`
          : `this credential already has ${mine} export${mine === 1 ? '' : 's'} being written (at most ${this.maxPerActor}); retry when one is done`,
        429,
      );
    }
    this.gate.inUse++;
    this.gate.byActor.set(actor, mine + 1);
    endWhenIdleAndUnread(res, this.idleMs);
    res.once('close', () => {
      this.gate.inUse--;
      const left = (this.gate.byActor.get(actor) ?? 1) - 1;
      if (left > 0) this.gate.byActor.set(actor, left);
      else this.gate.byActor.delete(actor);
    });
    return next.handle();
  }
}

/**
 * Ends the export when its socket has been quiet for the idle timeout while the client refuses
 * bytes (`writableNeedDrain`: what was written is not being read). Quiet because the server has
 * nothing to send yet (a slow query, a CSV built before its first byte) is waited out.
 */
function endWhenIdleAndUnread(res: Response, idleMs: number): void {
  res.setTimeout(idleMs, () => {
    if (res.writableNeedDrain) res.destroy();
    else res.setTimeout(idleMs); // armed again; this listener stays
  });
}

/** Marks a route as an export: it takes one of the {@link ExportSlots}. */
export const Export = () => UseInterceptors(ExportSlots);
