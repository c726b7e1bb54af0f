-- Enterprise accounts: an account in the `enterprise` role speaks for one enterprise, and sees
-- and reports only that enterprise's records. NULL for every other account.

ALTER TABLE users ADD COLUMN enterprise_id BIGINT REFERENCES enterprises(id);
CREATE INDEX users_by_enterprise ON users(enterprise_id) WHERE enterprise_id IS NOT NULL;
