import { postgresFactory } from '../stores/postgres.factory.js';
import { describeDifferential } from './suite.js';

await describeDifferential(postgresFactory);
