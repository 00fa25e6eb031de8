/**
 * ctx.results(): what a workflow node's dependencies gave, by their keys (JobRecord.flow.after). A completed
 * dependency gives its result (kept for it whatever shouldSaveResult says: outcome.ts); one that failed or was
 * cancelled (the node runs anyway with onDependencyFailure: 'run') gives `{ error }`; one deleted since, null.
 * Reads the dependencies by id, a bounded number at a time: a fan-in of 10,000 makes 10,000 point reads.
 */
import type { ClaimedJob } from './store.js';
import type { JobsClient, Json } from './types.js';

const AT_ONCE = 100;

export async function dependencyResults(job: Pick<ClaimedJob, 'flow'>, client: Pick<JobsClient, 'getJob'>): Promise<Record<string, Json>> {
  const entries = Object.entries(job.flow?.after ?? {});
  const results: Record<string, Json> = {};
  for (let i = 0; i < entries.length; i += AT_ONCE) {
    const chunk = entries.slice(i, i + AT_ONCE);
    const jobs = await Promise.all(chunk.map(([, id]) => client.getJob(id)));
    chunk.forEach(([key], j) => {
      const dep = jobs[j];
      if (!dep) results[key] = null;
      else if (dep.status === 'completed') results[key] = dep.result;
      else results[key] = { error: dep.lastError ?? `dependency "${key}" is ${dep.status}` };
    });
  }
  return results;
}
