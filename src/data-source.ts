import { DataSource } from 'typeorm';
import { appMigrations } from './app.module.js';
import { readEnvironment } from './config/environment.js';
import { dataSourceOptions } from './database/data-source-options.js';

/** Entry for the TypeORM CLI (`npm run migration:generate`); the app builds its own. */
export default new DataSource(dataSourceOptions(readEnvironment(), appMigrations()));
