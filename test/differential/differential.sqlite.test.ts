import { sqliteFileFactory } from '../stores/sqlite.factory.js';
import { describeDifferential } from './suite.js';

await describeDifferential(sqliteFileFactory);
