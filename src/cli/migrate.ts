/** hourglass migrate --store URL [--status]: run a store's migrations ahead of a deploy, or show them. */
import { silentLogger } from '../core/logger.js';
import { openStore } from './shared.js';

export async function migrateCommand(options: { store: string; status: boolean; json: boolean }): Promise<number> {
  const store = await openStore(options.store); // closed by main when the command ends
  let result;
  if (options.status) {
    // Connecting must not migrate: only init() would, so read the status on a store that was not initialised.
    result = await store.migrationStatus();
  } else {
    await store.init({ logger: silentLogger });
    result = await store.migrate();
  }
  if (options.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    for (const m of result.applied) {
      process.stdout.write(`applied  ${String(m.version).padStart(3, '0')}_${m.name}${m.appliedAt ? `  ${new Date(m.appliedAt).toISOString()}` : ''}\n`);
    }
    for (const m of result.pending) process.stdout.write(`pending  ${String(m.version).padStart(3, '0')}_${m.name}\n`);
    process.stdout.write(result.pending.length === 0 ? `${store.kind} store is up to date\n` : `${result.pending.length} migration(s) pending\n`);
  }
  return 0;
}
