/**
 * The Postgres fault test restarts the shared server, so it runs alone, after every other file
 * (`npm test` runs vitest.faults.config.ts last).
 */
import { availability } from '../conformance/factory.js';
import { postgresFactory } from './postgres.factory.js';
import { describePostgresFault } from './postgres.fault.js';

const { skip } = await availability(postgresFactory);
describePostgresFault(skip);
