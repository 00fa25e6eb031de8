-- A job's durable entries (Store.loadSteps), in no order: the caller sorts them (core/rules/steps.ts
-- compareSteps). $1 id.
SELECT entry FROM {{schema}}.steps WHERE job_id = $1
