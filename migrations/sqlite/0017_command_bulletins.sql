-- Bulletin templates the command office edited (a bundled template with no row here is used as
-- shipped), and the archive of generated bulletins.
CREATE TABLE cmd_bulletin_templates (
    name        TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    -- Beijing time of the daily generation, 'HH:MM'; none: generated on demand only.
    daily_at    TEXT,
    version     INTEGER NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL
);

CREATE TABLE cmd_bulletins (
    id            INTEGER PRIMARY KEY,
    template_name TEXT NOT NULL,
    area_code     TEXT NOT NULL,
    bulletin_on   TEXT NOT NULL,
    title         TEXT NOT NULL,
    -- The composed bulletin (compose::Bulletin as JSON): the preview and the XLSX come from it.
    content       TEXT NOT NULL,
    docx          BLOB NOT NULL,
    generated_at  TEXT NOT NULL,
    generated_by  TEXT NOT NULL,
    UNIQUE (template_name, area_code, bulletin_on)
);
CREATE INDEX cmd_bulletins_by_day ON cmd_bulletins(bulletin_on, id);
