import { DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { withoutPassword } from '@app/config';
import { dataSourceOptions, DbSettings } from './data-source';
import { assertSearchPath, SearchPathError } from './search-path-check';

/**
 * The database of every app: Postgres through TypeORM's root module over
 * {@link dataSourceOptions} (schema first on the search path, raw-SQL migrations, synchronize
 * off). It hands back TypeORM's own module rather than wrapping it, so the `DataSource`
 * token and the order in which Nest closes the pool at shutdown stay TypeORM's.
 */
export class DatabaseModule {
  static forRoot(config: DbSettings): DynamicModule {
    return TypeOrmModule.forRootAsync({
      // A wrong search_path is refused at once: retrying (TypeORM's 9 attempts, 3 s apart)
      // cannot fix a setting.
      useFactory: () =>
        Object.assign(dataSourceOptions(config), {
          toRetry: (e: unknown) => !(e instanceof SearchPathError),
        }),
      // TypeORM retries this (a Postgres starting beside the app); the last failure names the
      // setting, not only "connect ECONNREFUSED 127.0.0.1:5432".
      dataSourceFactory: async (options) => {
        let ds: DataSource;
        try {
          ds = await new DataSource(options!).initialize();
        } catch (e) {
          throw new Error(
            `cannot connect to Postgres at DATABASE_URL=${withoutPassword(config.DATABASE_URL)}: ${(e as Error).message}`,
          );
        }
        try {
          await assertSearchPath(ds, config.DATABASE_SCHEMA);
        } catch (e) {
          await ds.destroy();
          throw e;
        }
        return ds;
      },
    });
  }
}
