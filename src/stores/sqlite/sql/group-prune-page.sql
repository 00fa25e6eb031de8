-- Groups' upkeep (src/core/rules/groups.ts forgettable): the next page of (name, group) rows after the cursor, in
-- primary key order: a range of hourglass_groups' key, whatever the number of groups.
SELECT name, grp FROM hourglass_groups WHERE (name, grp) > (@name, @grp) ORDER BY name, grp LIMIT @limit;
