-- Most persons belong to no household, and a NULL household needs no index entry (a lookup by
-- household, `household_id = $1` or `= ANY(…)`, still uses the partial index).
DROP INDEX persons_by_household;
CREATE INDEX persons_by_household ON persons(household_id) WHERE household_id IS NOT NULL;
