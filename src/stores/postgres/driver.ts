/**
 * pg, loaded here and only here at run time (every other file imports its types only), through
 * requireDriver: `import 'hourglass-jobs/postgres'` without pg installed throws DriverMissingError naming the
 * package, instead of Node's ERR_MODULE_NOT_FOUND before any of our code runs.
 */
import type PgModule from 'pg';
import { requireDriver } from '../../core/store-url.js';

export const pg = requireDriver<typeof PgModule>('pg');
