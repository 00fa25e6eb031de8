/**
 * From the decorated classes handed to registerJobs to a checked plan: which jobs exist, which @query feeds
 * which @job, and every name they will use. All checks happen here, before anything is defined or stored,
 * so bad input leaves the scheduler and the store untouched.
 */
import { ValidationError } from '../core/errors.js';
import { groupOf, hasUngroupedEntries, type MethodEntry } from './metadata.js';
import type { JobSchedule } from './schedule.js';

/** Name of the jobs that carry a @query's items: one per item, handled by the paired @job method. */
export function itemJobName(name: string): string {
  return `${name}:item`;
}

export interface PlannedJob {
  /** The repeating job's name (the name given to @job). */
  name: string;
  group: string;
  groupClass: Function;
  schedule: JobSchedule;
  /** The @job method: the whole job, or (with a query) the handler of one item. */
  jobEntry: MethodEntry;
  /** The paired @query method, if any. */
  queryEntry: MethodEntry | null;
  /** With a query: the name of its item jobs. */
  itemName: string | null;
}

export interface PlannedGroup {
  groupClass: Function;
  group: string;
  jobs: PlannedJob[];
}

export function methodLabel(groupClass: Function, entry: MethodEntry): string {
  return `${groupClass.name || '(anonymous class)'}.${String(entry.methodName)}`;
}

export function planGroups(groups: unknown, takenNames: Iterable<string>): PlannedGroup[] {
  if (!Array.isArray(groups)) throw new ValidationError('groups', groups, 'must be an array of classes decorated with @cron(group)');
  const plans = groups.map((groupClass, i) => planGroup(groupClass, `groups[${i}]`));
  assertUnique(plans, takenNames);
  return plans;
}

function planGroup(groupClass: unknown, field: string): PlannedGroup {
  if (typeof groupClass !== 'function') throw new ValidationError(field, groupClass, 'must be a class decorated with @cron(group)', 'NOT_A_JOB_GROUP');
  const meta = groupOf(groupClass);
  if (!meta) {
    const reason = hasUngroupedEntries(groupClass)
      ? 'has @job or @query methods but the class lacks @cron(group)'
      : 'is not decorated with @cron(group)';
    throw new ValidationError(field, groupClass, reason, 'NOT_A_JOB_GROUP');
  }
  const jobs = new Map<string, MethodEntry>();
  const queries = new Map<string, MethodEntry>();
  for (const entry of meta.entries) {
    const seen = entry.kind === 'job' ? jobs : queries;
    const other = seen.get(entry.name);
    if (other) {
      throw new ValidationError(methodLabel(groupClass, entry), entry.name, `${entry.written} is also on ${methodLabel(groupClass, other)}`, 'DUPLICATE_JOB_NAME');
    }
    seen.set(entry.name, entry);
  }
  for (const [name, queryEntry] of queries) {
    const jobEntry = jobs.get(name);
    if (!jobEntry) {
      throw new ValidationError(methodLabel(groupClass, queryEntry), name, `${queryEntry.written} has no @job (or @daily, ...) of the same name in group ${JSON.stringify(meta.group)}`, 'UNPAIRED_QUERY');
    }
    if (jobEntry.methodName === queryEntry.methodName) {
      throw new ValidationError(methodLabel(groupClass, queryEntry), name, 'one method cannot be both the query and the job: the job handles each item the query returns', 'UNPAIRED_QUERY');
    }
  }
  return {
    groupClass,
    group: meta.group,
    jobs: [...jobs.values()].map((jobEntry) => {
      const queryEntry = queries.get(jobEntry.name) ?? null;
      return {
        name: jobEntry.name,
        group: meta.group,
        groupClass,
        schedule: jobEntry.schedule!,
        jobEntry,
        queryEntry,
        itemName: queryEntry ? itemJobName(jobEntry.name) : null,
      };
    }),
  };
}

/** Job names are global in a store: two methods must never share one, in this call or with earlier defines. */
function assertUnique(plans: PlannedGroup[], takenNames: Iterable<string>): void {
  const taken = new Set(takenNames);
  const owners = new Map<string, string>();
  const classes = new Map<Function, string>();
  const groupNames = new Map<string, Function>();
  plans.forEach((plan, i) => {
    if (classes.has(plan.groupClass)) throw new ValidationError(`groups[${i}]`, plan.groupClass, `is listed twice (also ${classes.get(plan.groupClass)})`, 'DUPLICATE_GROUP');
    classes.set(plan.groupClass, `groups[${i}]`);
    const sameGroup = groupNames.get(plan.group);
    if (sameGroup) throw new ValidationError(`groups[${i}]`, plan.group, `group name is also used by class ${sameGroup.name}`, 'DUPLICATE_GROUP');
    groupNames.set(plan.group, plan.groupClass);
    for (const job of plan.jobs) {
      const where = methodLabel(plan.groupClass, job.jobEntry);
      for (const name of job.itemName ? [job.name, job.itemName] : [job.name]) {
        const owner = owners.get(name);
        if (owner) throw new ValidationError(where, name, `job name is also used by ${owner}`, 'DUPLICATE_JOB_NAME');
        if (taken.has(name)) throw new ValidationError(where, name, 'job name is already defined on this scheduler', 'DUPLICATE_JOB_NAME');
        owners.set(name, `${where} (group ${JSON.stringify(plan.group)})`);
      }
    }
  });
}
