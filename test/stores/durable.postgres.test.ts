import { describeDurableSteps } from '../conformance/durable-steps.js';
import { postgresFactory } from './postgres.factory.js';

await describeDurableSteps(postgresFactory);
