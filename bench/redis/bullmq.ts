/** BullMQ 6 on Redis, its default backend, under a key prefix of its own. */
import { bullmqDriver } from '../harness/bullmq.js';
import { deleteKeys } from '../harness/util.js';

export default bullmqDriver({ backend: 'redis', cleanup: (spec) => deleteKeys(spec.redisUrl, `${spec.namespace}:*`) });
