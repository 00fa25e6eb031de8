import { postgresFactory } from '../stores/postgres.factory.js';
import { describeDifferential } from './suite.js';
import { describeSchedulerDifferential } from './scheduler-api.js';

await describeDifferential(postgresFactory);
await describeSchedulerDifferential(postgresFactory);
