-- trigger()'s second read: the job locked, and the status it had before trigger.sql writes it (whether its
-- durable entries go: core/rules/steps.ts triggerStartsCycle). $1 id.
SELECT status FROM {{schema}}.jobs WHERE id = $1 FOR UPDATE
