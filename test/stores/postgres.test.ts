/**
 * PostgresStore on a real server, in one file so its parts run in this order and never overlap: the shared
 * conformance suites, then the postgres-specific tests (functions, the rules of issue 10, the differences from
 * the model that test/differential found). The fault test that restarts the server is postgres.fault.test.ts,
 * run on its own after everything else (vitest.faults.config.ts): a restart under other files fails them.
 * Without a server a developer gets one skip line; in CI (CI=true) the run fails instead.
 */
import { availability } from '../conformance/factory.js';
import { describeSchedulerContract } from '../conformance/scheduler-contract.js';
import { describeSchedulerDurability } from '../conformance/scheduler-durability.js';
import { describeStoreContract } from '../conformance/store-contract.js';
import { describeGroupRotation } from '../conformance/group-rotation.js';
import { describePostgresClaimPlan } from './postgres.claim-plan.js';
import { describePostgresGroupPlan } from './postgres.group-plan.js';
import { describePostgresGroupNestedPlan } from './postgres.group-nested-plan.js';
import { postgresFactory } from './postgres.factory.js';
import { describePostgresFunctions } from './postgres.functions.js';
import { describePostgresModel } from './postgres.model.js';
import { describePostgresRules } from './postgres.rules.js';
import { describePostgresSpecific } from './postgres.specific.js';

const { skip } = await availability(postgresFactory);

await describeStoreContract(postgresFactory);
await describeGroupRotation(postgresFactory);
await describeSchedulerContract(postgresFactory);
await describeSchedulerDurability(postgresFactory);
describePostgresSpecific(skip);
describePostgresRules(skip);
describePostgresFunctions(skip);
describePostgresModel(skip);
describePostgresClaimPlan(skip);
describePostgresGroupPlan(skip);
describePostgresGroupNestedPlan(skip);
