-- Every sheet import, whatever it fed: who, when, which file, the counts, and the error report
-- (xlsx) when rows were rejected, for the importer to download (`/api/v1/imports/{id}/report`).

CREATE TABLE imports (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    mode        TEXT NOT NULL,
    rows        INTEGER NOT NULL,
    inserted    INTEGER NOT NULL,
    updated     INTEGER NOT NULL,
    unchanged   INTEGER NOT NULL,
    rejected    INTEGER NOT NULL,
    committed   BOOLEAN NOT NULL,
    report      BLOB,
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL
);
CREATE INDEX imports_by_creator ON imports(created_by, id);
