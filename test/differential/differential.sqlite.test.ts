import { sqliteFileFactory } from '../stores/sqlite.factory.js';
import { describeDifferential } from './suite.js';
import { describeSchedulerDifferential } from './scheduler-api.js';

await describeDifferential(sqliteFileFactory);
await describeSchedulerDifferential(sqliteFileFactory);
