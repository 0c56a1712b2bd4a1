-- +goose Up
-- Lookups that read whole tables: an expert's invitations and e-mails
-- (editing, declining, deleting and erasing an expert, their data
-- export, their previous round's answers, and the cascades of deleting
-- an expert), round 0's e-mails by study, and an expert's round-0
-- proposals (their page, the reminders). expert_id was indexed only as
-- the second column of invitations' UNIQUE (round_id, expert_id) and of
-- outbox_round_idx, which do not serve a lookup by expert alone.
CREATE INDEX invitations_expert_idx ON invitations(expert_id);
CREATE INDEX outbox_expert_idx ON outbox(expert_id);
CREATE INDEX outbox_study_idx ON outbox(study_id);
CREATE INDEX idea_proposals_invitation_idx ON idea_proposals(idea_invitation_id);

-- +goose Down
DROP INDEX idea_proposals_invitation_idx;
DROP INDEX outbox_study_idx;
DROP INDEX outbox_expert_idx;
DROP INDEX invitations_expert_idx;
