package web

import (
	"encoding/json"
	"errors"

	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/delphi-platform/delphi/internal/store"
	"github.com/delphi-platform/delphi/internal/workflow"
	"github.com/delphi-platform/delphi/rounds"
)

// studyJSON is a study as the API shows it.
type studyJSON struct {
	ID               int64      `json:"id"`
	Title            string     `json:"title"`
	Description      string     `json:"description"`
	Languages        []string   `json:"languages"`
	ContactEmail     string     `json:"contact_email"`
	MaxRounds        int        `json:"max_rounds"`
	RequireAll       bool       `json:"require_all"`
	ScaleMin         int        `json:"scale_min"`
	ScaleMax         int        `json:"scale_max"`
	ScaleLabels      []string   `json:"scale_labels"`
	Bands            string     `json:"bands"`
	AllowUnable      bool       `json:"allow_unable"`
	ConsensusRule    string     `json:"consensus_rule"`
	Quantile         string     `json:"quantile"`
	FinalNoConsensus string     `json:"final_no_consensus"`
	SettingsLockedAt *time.Time `json:"settings_locked_at"`
	CreatedAt        time.Time  `json:"created_at"`
	Role             string     `json:"role,omitempty"`
	ErasurePolicy    string     `json:"erasure_policy"`
	RetentionDays    int        `json:"retention_days"` // 0: kept until erased by a coordinator
	Mode             string     `json:"mode"`
	Status           string     `json:"status"`    // "in preparation", "running" or "finished" (store.Phase*)
	TimeZone         string     `json:"time_zone"` // IANA name: deadlines without a zone are read in it
	// Criteria (issue 17): criterion 1's name, criteria 2 and 3, and the
	// combination rule, as PATCH takes them (criteria_api.go).
	CriterionName string          `json:"criterion_name"`
	Criteria      []criterionJSON `json:"criteria"`
	Combine       string          `json:"combine"`
}

// studyJSONWithStatus is toStudyJSON with the study's phase.
func (a *App) studyJSONWithStatus(c echo.Context, st store.Study, role string) (studyJSON, error) {
	j, err := toStudyJSON(st, role)
	if err == nil {
		j.Status, err = a.store.StudyPhase(c.Request().Context(), st)
	}
	return j, err
}

func toStudyJSON(st store.Study, role string) (studyJSON, error) {
	sc, err := st.Scale()
	if err != nil {
		return studyJSON{}, err
	}
	j := studyJSON{ID: st.ID, Title: st.Title, Description: st.Description, Languages: st.LanguageList(),
		ContactEmail: st.ContactEmail, MaxRounds: st.MaxRounds, RequireAll: st.RequireAll, ScaleMin: sc.Min, ScaleMax: sc.Max,
		ScaleLabels: sc.Labels, Bands: sc.Bands.String(), AllowUnable: sc.AllowUnable, ConsensusRule: sc.Rule.String(),
		Quantile: sc.Quantile, FinalNoConsensus: sc.FinalNoConsensus, CreatedAt: st.CreatedAt, Role: role,
		ErasurePolicy: st.ErasurePolicy, RetentionDays: int(st.RetentionDays.Int64), Mode: st.Mode, TimeZone: st.TimeZone}
	j.CriterionName, j.Criteria, j.Combine = sc.Name, criteriaJSON(sc), sc.Combine
	if st.Locked() {
		t := st.SettingsLockedAt.Time
		j.SettingsLockedAt = &t
	}
	return j, nil
}

// decodeJSON reads a JSON body strictly: unknown fields are errors, so a
// typo in a setting's name is reported instead of silently ignored.
func decodeJSON(c echo.Context, v any) error {
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "the request body is not valid JSON for this call: "+jsonProblem(err))
	}
	if dec.More() {
		return echo.NewHTTPError(http.StatusBadRequest, "the request body has data after the JSON value")
	}
	return nil
}

// jsonProblem says in words what is wrong with a JSON body, without the
// Go names that encoding/json puts in its errors.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("a syntax error at byte %d", syn.Offset)
	case errors.As(err, &typ) && typ.Field != "":
		return fmt.Sprintf("the field %q cannot be a JSON %s", typ.Field, typ.Value)
	case errors.As(err, &typ):
		return fmt.Sprintf("the body cannot be a JSON %s", typ.Value)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the body is empty or ends too early"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "there is no field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	}
	var te *time.ParseError
	if errors.As(err, &te) {
		return fmt.Sprintf("%q is not a time like 2026-03-01T17:00:00Z", te.Value)
	}
	return "it cannot be read"
}

func (a *App) apiCreateStudy(c echo.Context) error {
	var in workflow.StudyInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	var fe rounds.FieldErrors
	if in.Title == nil {
		fe = append(fe, rounds.FieldError{Field: "title", Message: "required"})
	}
	if in.ScaleMin == nil || in.ScaleMax == nil {
		fe = append(fe, rounds.FieldError{Field: "scale", Message: "scale_min and scale_max are required"})
	}
	if len(fe) > 0 {
		return fe
	}
	st, err := a.flow.CreateStudy(c.Request().Context(), user(c).ID, in)
	if err != nil {
		return err
	}
	j, err := a.studyJSONWithStatus(c, st, store.RoleOwner)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, fmt.Sprintf("/api/v1/studies/%d", st.ID))
	return c.JSON(http.StatusCreated, j)
}

func (a *App) apiGetStudy(c echo.Context) error {
	role, _ := c.Get(ctxRole).(string)
	j, err := a.studyJSONWithStatus(c, study(c), role)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, j)
}

// apiUpdateStudy changes any settings given; after round 1 launched,
// changes to the scale or consensus definition need amendment_reason.
func (a *App) apiUpdateStudy(c echo.Context) error {
	ctx := c.Request().Context()
	st := study(c)
	var in workflow.StudyInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	updated, err := a.flow.UpdateStudy(ctx, st, user(c).ID, in)
	if err != nil {
		return err
	}
	role, _ := c.Get(ctxRole).(string)
	j, err := a.studyJSONWithStatus(c, updated, role)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, j)
}

type statementJSON struct {
	ID           int64             `json:"id"`
	Text         string            `json:"text"`
	Section      string            `json:"section,omitempty"`
	Position     int               `json:"position"`
	Translations map[string]string `json:"translations,omitempty"`
}

func (a *App) statementsJSON(c echo.Context, studyID int64, only map[int64]bool) ([]statementJSON, error) {
	ctx := c.Request().Context()
	secs, err := a.store.SectionsByStudy(ctx, studyID)
	if err != nil {
		return nil, err
	}
	names := map[int64]string{}
	for _, s := range secs {
		names[s.ID] = s.Title
	}
	sts, err := a.store.StatementsByStudy(ctx, studyID)
	if err != nil {
		return nil, err
	}
	tr, err := a.store.TranslationsByStudy(ctx, studyID)
	if err != nil {
		return nil, err
	}
	out := []statementJSON{}
	for _, s := range sts {
		if only != nil && !only[s.ID] {
			continue
		}
		out = append(out, statementJSON{ID: s.ID, Text: s.Text, Section: names[s.SectionID.Int64], Position: s.Position, Translations: tr[s.ID]})
	}
	return out, nil
}

func (a *App) apiListStatements(c echo.Context) error {
	out, err := a.statementsJSON(c, study(c).ID, nil)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// apiAddStatements takes a JSON array of {"text", "section"} and adds all
// of them, or none when any is invalid.
func (a *App) apiAddStatements(c echo.Context) error {
	st := study(c)
	var items []store.NewStatement
	if err := decodeJSON(c, &items); err != nil {
		return err
	}
	if len(items) == 0 {
		return rounds.FieldErrors{{Field: "statements", Message: "send a JSON array with at least one statement"}}
	}
	var fe rounds.FieldErrors
	for i, it := range items {
		switch text := strings.TrimSpace(it.Text); {
		case text == "":
			fe = append(fe, rounds.FieldError{Field: fmt.Sprintf("[%d].text", i), Message: "the statement is empty"})
		case len([]rune(text)) > workflow.MaxStatementLength:
			fe = append(fe, rounds.FieldError{Field: fmt.Sprintf("[%d].text", i), Message: fmt.Sprintf("longer than %d characters", workflow.MaxStatementLength)})
		}
	}
	if len(fe) > 0 {
		return fe
	}
	added, err := a.store.AddStatements(c.Request().Context(), st.ID, user(c).ID, items)
	if err != nil {
		return err
	}
	only := map[int64]bool{}
	for _, s := range added {
		only[s.ID] = true
	}
	out, err := a.statementsJSON(c, st.ID, only)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

type expertJSON struct {
	ID         int64             `json:"id"`
	Email      string            `json:"email"`
	Name       string            `json:"name"`
	Group      string            `json:"stakeholder_group"`
	Country    string            `json:"country"`
	Language   string            `json:"language"`
	Status     string            `json:"status"`
	Attributes map[string]string `json:"attributes,omitempty"`
}

// apiListPanel lists the panel for a coordinator, filtered as the panel
// page filters it (query parameters q, group, country, status); a
// researcher gets the counts by stakeholder group and country only
// (panelCountsJSON).
func (a *App) apiListPanel(c echo.Context) error {
	if researcher(c) {
		pc, err := a.panelCounts(c)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, pc)
	}
	ctx := c.Request().Context()
	st := study(c)
	f, fe := panelFilter(c)
	if len(fe) > 0 {
		return fe
	}
	es, err := a.store.ExpertsByStudy(ctx, st.ID)
	if err != nil {
		return err
	}
	_, invited, err := a.flow.OpenRoundInvitations(ctx, st.ID)
	if err != nil {
		return err
	}
	out := make([]expertJSON, 0, len(es))
	for _, e := range es {
		if e.ErasedAt.Valid || !f.Match(e, invited[e.ID]) {
			continue // a tombstone: no one to list; or filtered out
		}
		out = append(out, expertJSON{e.ID, e.Email, e.Name, e.Group, e.Country, e.Language, e.Status, e.AttributeMap()})
	}
	return c.JSON(http.StatusOK, out)
}

type importProblemJSON struct {
	Row     int    `json:"row"`
	Column  string `json:"column"`
	Message string `json:"message"`
}

// importResultJSON is what an import did, or would do with dry_run.
type importResultJSON struct {
	DryRun      bool                `json:"dry_run"`
	Imported    int                 `json:"imported"` // new experts
	Updated     int                 `json:"updated"`
	Unchanged   int                 `json:"unchanged"`
	Fingerprint string              `json:"fingerprint,omitempty"`
	New         []newExpertJSON     `json:"new"`
	Changes     []expertChangeJSON  `json:"changes"`
	Errors      []importProblemJSON `json:"errors"`
	Warnings    []importProblemJSON `json:"warnings"` // rows imported that deserve a look
}

type newExpertJSON struct {
	Row      int    `json:"row"`
	Email    string `json:"email"`
	Name     string `json:"name"`
	Group    string `json:"stakeholder_group"`
	Country  string `json:"country"`
	Language string `json:"language"`
}

type expertChangeJSON struct {
	Row      int               `json:"row"`
	ExpertID int64             `json:"expert_id"`
	Email    string            `json:"email"` // the current address
	Changes  []fieldChangeJSON `json:"changes"`
	Note     string            `json:"note,omitempty"` // what a new address means for an invited expert
}

type fieldChangeJSON struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// apiImportPanel takes a text/csv body: rows of experts already in the
// panel update them, the others are added. With ?dry_run=true it only
// answers what the import would do; with ?fingerprint= (from a dry run) it
// applies only if that is still what it does (else 409). Any problem
// imports nothing and answers 422 with every problem by row and column.
func (a *App) apiImportPanel(c echo.Context) error {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	if !strings.HasPrefix(ct, "text/csv") {
		return echo.NewHTTPError(http.StatusUnsupportedMediaType, "send the panel as a CSV body with Content-Type: text/csv")
	}
	var opt workflow.ImportOptions
	switch v := c.QueryParam("dry_run"); v {
	case "", "false", "0":
	case "true", "1":
		opt.DryRun = true
	default:
		return rounds.FieldErrors{{Field: "dry_run", Message: fmt.Sprintf("%q is not true or false", v)}}
	}
	opt.Fingerprint = c.QueryParam("fingerprint")
	plan, problems, err := a.flow.ImportPanel(c.Request().Context(), study(c), user(c).ID, io.LimitReader(c.Request().Body, 8<<20), opt)
	if err != nil {
		return err
	}
	res := importResultJSON{DryRun: opt.DryRun, New: []newExpertJSON{}, Changes: []expertChangeJSON{}, Errors: []importProblemJSON{}, Warnings: []importProblemJSON{}}
	for _, p := range problems {
		res.Errors = append(res.Errors, importProblemJSON{p.Row, p.Column, p.Message})
	}
	if len(problems) > 0 {
		return c.JSON(http.StatusUnprocessableEntity, res)
	}
	res.Imported, res.Updated, res.Unchanged, res.Fingerprint = len(plan.New), len(plan.Updated), plan.Unchanged, plan.Fingerprint
	for _, p := range plan.Warnings {
		res.Warnings = append(res.Warnings, importProblemJSON{p.Row, p.Column, p.Message})
	}
	for _, e := range plan.New {
		res.New = append(res.New, newExpertJSON{e.Row, strings.ToLower(e.Email), e.Name, e.Group, e.Country, e.Language})
	}
	for _, ch := range plan.Updated {
		j := expertChangeJSON{Row: ch.Row, ExpertID: ch.Expert.ID, Email: ch.Expert.Email}
		for _, f := range ch.Changes {
			j.Changes = append(j.Changes, fieldChangeJSON(f))
		}
		if ch.Invited && ch.EmailChanged() {
			j.Note = workflow.EmailChangeNote
		}
		res.Changes = append(res.Changes, j)
	}
	return c.JSON(http.StatusOK, res)
}

// apiInviteExpert invites one expert to the open round (InviteToOpenRound).
func (a *App) apiInviteExpert(c echo.Context) error {
	eid := paramID(c, "eid")
	r, err := a.flow.InviteToOpenRound(c.Request().Context(), study(c), eid, user(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"expert_id": eid, "round_id": r.ID, "round": r.Number})
}
