import { describeDurableSteps } from '../conformance/durable-steps.js';
import { memoryFactory } from './memory.factory.js';

await describeDurableSteps(memoryFactory);
