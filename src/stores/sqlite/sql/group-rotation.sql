-- One page of a name's rotation: its ready groups, least recently served first, then by group (byte order, as
-- rules/groups.ts compareRotation), after (@served, @grp). A keyset page of hourglass_groups_rotation.
SELECT grp, served FROM hourglass_groups INDEXED BY hourglass_groups_rotation
WHERE ready = 1 AND name = @name AND (served, grp) > (@served, @grp)
ORDER BY served, grp
LIMIT @limit;
