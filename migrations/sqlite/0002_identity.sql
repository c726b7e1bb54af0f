-- Identity and trust: the hash-chained audit log, login throttling, API tokens, module grants and
-- the personal-data permission. Timestamps are UTC, bound from Rust (never CURRENT_TIMESTAMP).

-- Holders may reveal one record's full personal data (ID number, phone, address) with a reason.
ALTER TABLE users ADD COLUMN can_reveal_pii BOOLEAN NOT NULL DEFAULT FALSE;

-- Append-only and hash-chained: hash = SHA-256 of the canonical form of every other column,
-- prev_hash included (see audit/chain.rs). seq runs 1, 2, 3… without gaps.
CREATE TABLE audit_log (
    seq          INTEGER PRIMARY KEY,
    at           TEXT NOT NULL,
    actor_id     INTEGER,
    actor_name   TEXT NOT NULL,
    client_addr  TEXT,
    action       TEXT NOT NULL,
    record_kind  TEXT,
    record_id    TEXT,
    area_code    TEXT,
    reason       TEXT,
    before_json  TEXT,
    after_json   TEXT,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL
);
CREATE INDEX audit_by_actor ON audit_log(actor_name, seq);
CREATE INDEX audit_by_action ON audit_log(action, seq);
CREATE INDEX audit_by_record ON audit_log(record_kind, record_id, seq);
CREATE INDEX audit_by_at ON audit_log(at);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

-- The newest entry: appends lock this row, so they are serialized and the chain never forks;
-- `audit verify` compares it with the last entry, so a deleted tail shows.
CREATE TABLE audit_head (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    seq   INTEGER NOT NULL,
    hash  TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Every sign-in attempt is written before the password is checked and removed again when it
-- succeeds or is refused unchecked, so what stays are failures, counted per account and per address.
CREATE TABLE login_attempts (
    id           INTEGER PRIMARY KEY,
    username     TEXT NOT NULL,
    client_addr  TEXT NOT NULL,
    at           TEXT NOT NULL
);
CREATE INDEX login_attempts_by_user ON login_attempts(username, at);
CREATE INDEX login_attempts_by_addr ON login_attempts(client_addr, at);

-- Tokens of machine clients; only the SHA-256 of the token is kept.
CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL,
    area_code     TEXT NOT NULL REFERENCES areas(code),
    modules       TEXT NOT NULL,
    created_by    INTEGER REFERENCES users(id),
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    revoked_at    TEXT,
    last_used_at  TEXT
);
CREATE INDEX api_tokens_by_area ON api_tokens(area_code);

-- Module grants beyond the roles' defaults: to one user, or to a unit (a department's modules).
CREATE TABLE user_modules (
    user_id     INTEGER NOT NULL REFERENCES users(id),
    module      TEXT NOT NULL,
    level       TEXT NOT NULL,
    granted_at  TEXT NOT NULL,
    PRIMARY KEY (user_id, module)
);
CREATE TABLE unit_modules (
    unit_id     INTEGER NOT NULL REFERENCES org_units(id),
    module      TEXT NOT NULL,
    level       TEXT NOT NULL,
    granted_at  TEXT NOT NULL,
    PRIMARY KEY (unit_id, module)
);
