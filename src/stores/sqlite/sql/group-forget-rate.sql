-- A forgotten group's rate key log (with by: 'group' the key is the group; '' is never one): all before its window.
DELETE FROM hourglass_rate WHERE name = @name AND rate_key = @grp;
