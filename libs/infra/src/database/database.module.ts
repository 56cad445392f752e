import { DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions, DbSettings } from './data-source';

/**
 * The database of every app: Postgres through TypeORM's root module over
 * {@link dataSourceOptions} (schema first on the search path, raw-SQL migrations, synchronize
 * off). It hands back TypeORM's own module rather than wrapping it, so the `DataSource`
 * token and the order in which Nest closes the pool at shutdown stay TypeORM's.
 */
export class DatabaseModule {
  static forRoot(config: DbSettings): DynamicModule {
    return TypeOrmModule.forRoot(dataSourceOptions(config));
  }
}
