import { memoryFactory } from '../stores/memory.factory.js';
import { describeDifferential } from './suite.js';

await describeDifferential(memoryFactory);
