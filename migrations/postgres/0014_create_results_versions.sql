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
    study_id BIGINT PRIMARY KEY REFERENCES studies(id) ON DELETE CASCADE,
    version  BIGINT NOT NULL
);

-- One function for every watched table; its argument names the column
-- that leads to the study.
-- +goose StatementBegin
CREATE FUNCTION results_changed() RETURNS trigger AS $$
DECLARE
    r jsonb;
    study BIGINT;
BEGIN
    IF TG_OP = 'DELETE' THEN r := to_jsonb(OLD); ELSE r := to_jsonb(NEW); END IF;
    study := CASE TG_ARGV[0]
        WHEN 'id' THEN (r->>'id')::bigint
        WHEN 'study_id' THEN (r->>'study_id')::bigint
        WHEN 'round_id' THEN (SELECT study_id FROM rounds WHERE id = (r->>'round_id')::bigint)
        WHEN 'statement_id' THEN (SELECT study_id FROM statements WHERE id = (r->>'statement_id')::bigint)
        WHEN 'round_statement_id' THEN (SELECT x.study_id FROM round_statements rs JOIN rounds x ON x.id = rs.round_id
            WHERE rs.id = (r->>'round_statement_id')::bigint)
    END;
    INSERT INTO results_versions (study_id, version) SELECT id, 1 FROM studies WHERE id = study
    ON CONFLICT (study_id) DO UPDATE SET version = results_versions.version + 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
CREATE TRIGGER studies_results AFTER UPDATE ON studies FOR EACH ROW EXECUTE FUNCTION results_changed('id');
CREATE TRIGGER rounds_results AFTER INSERT OR UPDATE OR DELETE ON rounds FOR EACH ROW EXECUTE FUNCTION results_changed('study_id');
CREATE TRIGGER round_statements_results AFTER INSERT OR UPDATE OR DELETE ON round_statements FOR EACH ROW EXECUTE FUNCTION results_changed('round_id');
CREATE TRIGGER decisions_results AFTER INSERT OR UPDATE OR DELETE ON decisions FOR EACH ROW EXECUTE FUNCTION results_changed('round_statement_id');
CREATE TRIGGER experts_results AFTER INSERT OR DELETE ON experts FOR EACH ROW EXECUTE FUNCTION results_changed('study_id');
CREATE TRIGGER statements_results AFTER INSERT OR UPDATE OR DELETE ON statements FOR EACH ROW EXECUTE FUNCTION results_changed('study_id');
CREATE TRIGGER statement_links_results AFTER INSERT OR UPDATE OR DELETE ON statement_links FOR EACH ROW EXECUTE FUNCTION results_changed('statement_id');
CREATE TRIGGER statement_sources_results AFTER INSERT OR UPDATE OR DELETE ON statement_sources FOR EACH ROW EXECUTE FUNCTION results_changed('statement_id');
CREATE TRIGGER realtime_snapshots_results AFTER INSERT OR UPDATE OR DELETE ON realtime_snapshots FOR EACH ROW EXECUTE FUNCTION results_changed('round_id');
CREATE TRIGGER methods_narratives_results AFTER INSERT OR UPDATE ON methods_narratives FOR EACH ROW EXECUTE FUNCTION results_changed('study_id');
-- Experts: only what the results use (group, country) and erasure;
-- consent, declining and e-mail changes leave the results alone.
CREATE TRIGGER experts_update_results AFTER UPDATE ON experts FOR EACH ROW
    WHEN (OLD.stakeholder_group IS DISTINCT FROM NEW.stakeholder_group OR OLD.country IS DISTINCT FROM NEW.country
        OR OLD.erased_at IS DISTINCT FROM NEW.erased_at)
    EXECUTE FUNCTION results_changed('study_id');

-- +goose Down
DROP TRIGGER studies_results ON studies;
DROP TRIGGER rounds_results ON rounds;
DROP TRIGGER round_statements_results ON round_statements;
DROP TRIGGER decisions_results ON decisions;
DROP TRIGGER experts_results ON experts;
DROP TRIGGER statements_results ON statements;
DROP TRIGGER statement_links_results ON statement_links;
DROP TRIGGER statement_sources_results ON statement_sources;
DROP TRIGGER realtime_snapshots_results ON realtime_snapshots;
DROP TRIGGER methods_narratives_results ON methods_narratives;
DROP TRIGGER experts_update_results ON experts;
DROP FUNCTION results_changed();
DROP TABLE results_versions;
