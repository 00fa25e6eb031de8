/**
 * hourglass-jobs/memory: the in-process reference store. Every rule of a job's life applied directly
 * (src/core/rules), nothing persisted: for unit tests of code that schedules jobs, and the model the real
 * stores are proven against (test/differential).
 */
export { MemoryStore } from './store.js';
