-- +goose Up
-- A study's results version: a number that changes, in the same
-- transaction, with everything its results are computed from (the
-- results pages and exports: workflow.StudyResults): the study's settings,
-- its rounds and the statements they presented, the panel's groups and
-- countries (and erasures), the statements and their lineage, the
-- decisions, the real-time snapshots, the methods narrative. An instance
-- keeps the computed results of a study until the version moves, so
-- several instances on one database stay correct, and so do instances
-- that do not know of the version: the triggers count their writes too.
-- The answers and invitations are not watched: they change on every
-- autosave, and a closed round's (the only ones the results read) no
-- longer change but with their expert's erasure, or the round's close,
-- which are watched.
CREATE TABLE results_versions (
    study_id INTEGER PRIMARY KEY REFERENCES studies(id) ON DELETE CASCADE,
    version  INTEGER NOT NULL
);

-- SQLite: one trigger per table and event.
-- +goose StatementBegin
CREATE TRIGGER studies_update_results AFTER UPDATE ON studies
BEGIN
    INSERT INTO results_versions (study_id, version) SELECT id, 1 FROM studies WHERE id = NEW.id
    ON CONFLICT (study_id) DO UPDATE SET version = version + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER rounds_insert_results AFTER INSERT ON rounds
BEGIN
    INSERT INTO results_versions (study_id, version) SELECT id, 1 FROM studies WHERE id = NEW.study_id
    ON CONFLICT (study_id) DO UPDATE SET version = version + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER rounds_update_results AFTER UPDATE ON rounds
BEGIN
    INSERT INTO results_versions (study_id, version) SELECT id, 1 FROM studies WHERE id = NEW.study_id
    ON CONFLICT (study_id) DO UPDATE SET version = version + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER rounds_delete_results AFTER DELETE ON rounds
BEGIN
    INSERT INTO results_versions (study_id, version) SELECT id, 1 FROM studies WHERE id = OLD.study_id
    ON CONFLICT (study_id) DO UPDATE SET version = version + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER round_statements_insert_results AFTER INSERT ON round_statements
BEGIN
    INSERT INTO results_versions (study_id, version) SELECT id, 1 FROM studies WHERE id = (SELECT study_id FROM rounds WHERE id = NEW.round_id)
    ON CONFLICT (study_id) DO UPDATE SET version = version + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER round_statements_update_results AFTER UPDATE ON round_statements
BEGIN
    INSERT INTO results_versions (study_id, version) SELECT id, 1 FROM studies WHERE id = (SELECT study_id FROM rounds WHERE id = NEW.round_id)
    ON CONFLICT (study_id) DO UPDATE SET version = version + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER round_statements_delete_results AFTER DELETE ON round_statements
BEGIN
    INSERT INTO results_versions (study_id, version) SELECT id, 1 FROM studies WHERE id = (SELECT study_id FROM rounds WHERE id = OLD.round_id)
    ON CONFLICT (study_id) DO UPDATE SET version = version + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER decisions_insert_results AFTER INSERT ON decisions
BEGIN
    INSERT INTO results_versions (study_id, version) SELECT id, 1 FROM studies WHERE id = (SELECT r.study_id FROM round_statements x JOIN rounds r ON r.id = x.round_id WHERE x.id = NEW.round_statement_id)
    ON CONFLICT (study_id) DO UPDATE SET version = version + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER decisions_update_results AFTER UPDATE ON decisions
BEGIN
    INSERT INTO results_versions (study_id, version) SELECT id, 1 FROM studies WHERE id = (SELECT r.study_id FROM round_statements x JOIN rounds r ON r.id = x.round_id WHERE x.id = NEW.round_statement_id)
    ON CONFLICT (study_id) DO UPDATE SET version = version + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER decisions_delete_results AFTER DELETE ON decisions
BEGIN
    INSERT INTO results_versions (study_id, version) SELECT id, 1 FROM studies WHERE id = (SELECT r.study_id FROM round_statements x JOIN rounds r ON r.id = x.round_id WHERE x.id = OLD.round_statement_id)
    ON CONFLICT (study_id) DO UPDATE SET version = version + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER experts_insert_results AFTER INSERT ON experts
BEGIN
    INSERT INTO results_versions (study_id, version) SELECT id, 1 FROM studies WHERE id = NEW.study_id
    ON CONFLICT (study_id) DO UPDATE SET version = version + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER experts_delete_results AFTER DELETE ON experts
BEGIN
    INSERT INTO results_versions (study_id, version) SELECT id, 1 FROM studies WHERE id = OLD.study_id
    ON CONFLICT (study_id) DO UPDATE SET version = version + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER statements_insert_results AFTER INSERT ON statements
BEGIN
    INSERT INTO results_versions (study_id, version) SELECT id, 1 FROM studies WHERE id = NEW.study_id
    ON CONFLICT (study_id) DO UPDATE SET version = version + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER statements_update_results AFTER UPDATE ON statements
BEGIN
    INSERT INTO results_versions (study_id, version) SELECT id, 1 FROM studies WHERE id = NEW.study_id
    ON CONFLICT (study_id) DO UPDATE SET version = version + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER statements_delete_results AFTER DELETE ON statements
BEGIN
    INSERT INTO results_versions (study_id, version) SELECT id, 1 FROM studies WHERE id = OLD.study_id
    ON CONFLICT (study_id) DO UPDATE SET version = version + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER statement_links_insert_results AFTER INSERT ON statement_links
BEGIN
    INSERT INTO results_versions (study_id, version) SELECT id, 1 FROM studies WHERE id = (SELECT study_id FROM statements WHERE id = NEW.statement_id)
    ON CONFLICT (study_id) DO UPDATE SET version = version + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER statement_links_update_results AFTER UPDATE ON statement_links
BEGIN
    INSERT INTO results_versions (study_id, version) SELECT id, 1 FROM studies WHERE id = (SELECT study_id FROM statements WHERE id = NEW.statement_id)
    ON CONFLICT (study_id) DO UPDATE SET version = version + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER statement_links_delete_results AFTER DELETE ON statement_links
BEGIN
    INSERT INTO results_versions (study_id, version) SELECT id, 1 FROM studies WHERE id = (SELECT study_id FROM statements WHERE id = OLD.statement_id)
    ON CONFLICT (study_id) DO UPDATE SET version = version + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER statement_sources_insert_results AFTER INSERT ON statement_sources
BEGIN
    INSERT INTO results_versions (study_id, version) SELECT id, 1 FROM studies WHERE id = (SELECT study_id FROM statements WHERE id = NEW.statement_id)
    ON CONFLICT (study_id) DO UPDATE SET version = version + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER statement_sources_update_results AFTER UPDATE ON statement_sources
BEGIN
    INSERT INTO results_versions (study_id, version) SELECT id, 1 FROM studies WHERE id = (SELECT study_id FROM statements WHERE id = NEW.statement_id)
    ON CONFLICT (study_id) DO UPDATE SET version = version + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER statement_sources_delete_results AFTER DELETE ON statement_sources
BEGIN
    INSERT INTO results_versions (study_id, version) SELECT id, 1 FROM studies WHERE id = (SELECT study_id FROM statements WHERE id = OLD.statement_id)
    ON CONFLICT (study_id) DO UPDATE SET version = version + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER realtime_snapshots_insert_results AFTER INSERT ON realtime_snapshots
BEGIN
    INSERT INTO results_versions (study_id, version) SELECT id, 1 FROM studies WHERE id = (SELECT study_id FROM rounds WHERE id = NEW.round_id)
    ON CONFLICT (study_id) DO UPDATE SET version = version + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER realtime_snapshots_update_results AFTER UPDATE ON realtime_snapshots
BEGIN
    INSERT INTO results_versions (study_id, version) SELECT id, 1 FROM studies WHERE id = (SELECT study_id FROM rounds WHERE id = NEW.round_id)
    ON CONFLICT (study_id) DO UPDATE SET version = version + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER realtime_snapshots_delete_results AFTER DELETE ON realtime_snapshots
BEGIN
    INSERT INTO results_versions (study_id, version) SELECT id, 1 FROM studies WHERE id = (SELECT study_id FROM rounds WHERE id = OLD.round_id)
    ON CONFLICT (study_id) DO UPDATE SET version = version + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER methods_narratives_insert_results AFTER INSERT ON methods_narratives
BEGIN
    INSERT INTO results_versions (study_id, version) SELECT id, 1 FROM studies WHERE id = NEW.study_id
    ON CONFLICT (study_id) DO UPDATE SET version = version + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER methods_narratives_update_results AFTER UPDATE ON methods_narratives
BEGIN
    INSERT INTO results_versions (study_id, version) SELECT id, 1 FROM studies WHERE id = NEW.study_id
    ON CONFLICT (study_id) DO UPDATE SET version = version + 1;
END;
-- +goose StatementEnd
-- Experts: only what the results use (group, country) and erasure;
-- consent, declining and e-mail changes leave the results alone.
-- +goose StatementBegin
CREATE TRIGGER experts_update_results AFTER UPDATE ON experts WHEN OLD.stakeholder_group IS NOT NEW.stakeholder_group OR OLD.country IS NOT NEW.country OR OLD.erased_at IS NOT NEW.erased_at
BEGIN
    INSERT INTO results_versions (study_id, version) SELECT id, 1 FROM studies WHERE id = NEW.study_id
    ON CONFLICT (study_id) DO UPDATE SET version = version + 1;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER studies_update_results;
DROP TRIGGER rounds_insert_results;
DROP TRIGGER rounds_update_results;
DROP TRIGGER rounds_delete_results;
DROP TRIGGER round_statements_insert_results;
DROP TRIGGER round_statements_update_results;
DROP TRIGGER round_statements_delete_results;
DROP TRIGGER decisions_insert_results;
DROP TRIGGER decisions_update_results;
DROP TRIGGER decisions_delete_results;
DROP TRIGGER experts_insert_results;
DROP TRIGGER experts_delete_results;
DROP TRIGGER statements_insert_results;
DROP TRIGGER statements_update_results;
DROP TRIGGER statements_delete_results;
DROP TRIGGER statement_links_insert_results;
DROP TRIGGER statement_links_update_results;
DROP TRIGGER statement_links_delete_results;
DROP TRIGGER statement_sources_insert_results;
DROP TRIGGER statement_sources_update_results;
DROP TRIGGER statement_sources_delete_results;
DROP TRIGGER realtime_snapshots_insert_results;
DROP TRIGGER realtime_snapshots_update_results;
DROP TRIGGER realtime_snapshots_delete_results;
DROP TRIGGER methods_narratives_insert_results;
DROP TRIGGER methods_narratives_update_results;
DROP TRIGGER experts_update_results;
DROP TABLE results_versions;
