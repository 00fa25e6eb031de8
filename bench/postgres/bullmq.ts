/** BullMQ 6 on its PostgreSQL backend (createPostgresBackend), in a schema of its own. */
import { bullmqDriver } from '../harness/bullmq.js';
import { dropSchema } from '../harness/util.js';

export default bullmqDriver({ backend: 'postgres', cleanup: (spec) => dropSchema(spec.pgUrl, spec.namespace) });
