import type { DataSource } from 'typeorm';
import * as alertFiguresRepository from '../repositories/alert-figures.repository';
import type { AlertFigures } from '../repositories/alert-figures.repository';
import * as runsRepository from '../repositories/runs.repository';

export type { AlertFigures };

/** The alerting gauges' figures (one statement: a scrape every 15 s must stay cheap). */
export function loadAlertFigures(ds: DataSource): Promise<AlertFigures> {
  return alertFiguresRepository.read(ds);
}

/**
 * Marks the running runs started more than `deadlineSeconds` ago as stalled and returns their
 * ids; a run is marked (and so announced) once, whichever worker's sweep finds it first.
 */
export function markStalledRuns(ds: DataSource, deadlineSeconds: number): Promise<string[]> {
  return runsRepository.markStalled(ds, deadlineSeconds);
}
