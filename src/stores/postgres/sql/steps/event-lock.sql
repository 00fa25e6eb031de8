-- Serialise, per event name, sendEvent with a suspension that registers a wait for that name: whichever commits
-- second sees what the first did (the event, or the wait), so no event falls between a run's look and its wait.
-- Transaction-scoped advisory lock in the class 'hgev', keyed on the schema and the name.
-- $1 schema and name.
SELECT pg_advisory_xact_lock(1751607670, hashtext($1));
