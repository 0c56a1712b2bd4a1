package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/delphi-platform/delphi/internal/store"
)

// routes lists every route of the platform with the permission it needs.
func (a *App) routes() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = a.handleError
	e.IPExtractor = clientIP(a.cfg.TrustedProxies) // clientip.go: rate limits key on this
	e.Use(middleware.RequestID(), withRequestID)
	e.Use(a.logRequests)
	e.Use(middleware.Recover())
	e.Use(a.securityHeaders)
	e.Use(middleware.BodyLimit("4M"))

	// Static files and the expert's pages are compressed: experts are often
	// on phones. (Coordinator pages are not: they show what experts wrote
	// next to the coordinator's CSRF token, the setting BREACH needs.)
	gzip := middleware.GzipWithConfig(middleware.GzipConfig{Level: 5, MinLength: 1024})
	e.GET("/static/*", serveStatic(), gzip) // static.go: templates/static only
	e.GET("/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	e.GET("/readyz", a.showReadiness)

	// Pages: session cookie + CSRF on every form.
	web := e.Group("", a.csrf(), a.loadUser)
	web.GET("/", func(c echo.Context) error { return c.Redirect(http.StatusSeeOther, "/studies") })
	web.GET("/login", a.showLoginPage)
	web.POST("/login", a.login)
	web.POST("/logout", a.logout)
	web.GET("/account/setup/:token", a.showAccountSetup) // a new collaborator's one-time link
	web.POST("/account/setup/:token", a.setUpAccount)
	// Accounts (issue #14): a forgotten password by e-mail, the login's
	// second step, invitations to studies.
	web.GET("/login/forgot", a.showForgotPage)
	web.POST("/login/forgot", a.requestPasswordReset)
	web.GET("/account/reset/:token", a.showResetPage)
	web.POST("/account/reset/:token", a.resetPassword)
	web.GET("/login/code", a.showCodePage)
	web.POST("/login/code", a.verifyLoginCode)

	// Experts: a personal link, no account. The link's token becomes a
	// cookie and the address bar is cleaned at once.
	web.GET("/r/:token", a.enterByLink(a.roundLink))
	web.GET("/r/:token/decline", a.showDeclinePage(a.roundLink))
	web.POST("/r/:token/decline", a.declineByLink(a.roundLink))
	consented := a.requireConsent(a.roundLink)
	web.POST("/e/answer", a.saveExpertAnswer, a.requireExpertForSave, consented) // the autosave: hot path
	expert := web.Group("/e", a.requireExpert(a.roundLink))
	expert.GET("", a.showExpertRoundPage, gzip)
	expert.POST("/consent", a.consentExpert(a.roundLink))
	expert.GET("/background", a.showBackgroundForm(a.roundLink), consented) // expert_background.go
	expert.POST("/background", a.saveBackgroundForm(a.roundLink), consented)
	expert.POST("/decline", a.declineAsExpert)
	expert.POST("/rejoin", a.rejoinExpert(a.roundLink)) // after a decline, on purpose (issue #15)
	expert.POST("", a.saveExpertRatings, consented)
	expert.POST("/submit", a.submitExpertRound, consented)
	expert.GET("/thanks", a.showThanksPage, consented, gzip)
	expert.GET("/live", a.showLiveFigures, consented, gzip) // real-time mode
	// Round 0 (ideas.go): links of its own, through the same handlers.
	web.GET("/i/:token", a.enterByLink(a.ideaLink))
	web.GET("/i/:token/decline", a.showDeclinePage(a.ideaLink))
	web.POST("/i/:token/decline", a.declineByLink(a.ideaLink))
	ideas := web.Group("/ideas", gzip, a.requireExpert(a.ideaLink))
	ideas.GET("", a.showExpertIdeasPage)
	ideas.POST("", a.saveExpertIdeas, a.requireConsent(a.ideaLink))
	ideas.POST("/consent", a.consentExpert(a.ideaLink))
	ideas.GET("/background", a.showBackgroundForm(a.ideaLink), a.requireConsent(a.ideaLink))
	ideas.POST("/background", a.saveBackgroundForm(a.ideaLink), a.requireConsent(a.ideaLink))
	ideas.POST("/decline", a.declineAsExpert)
	ideas.POST("/rejoin", a.rejoinExpert(a.ideaLink))

	coord := web.Group("", requireUser)
	coord.GET("/studies", a.showStudiesPage)
	coord.POST("/studies", a.createStudy)
	coord.GET("/account", a.showTokensPage)
	coord.POST("/account/password", a.changePassword)
	coord.GET("/account/tokens", a.showTokensPage)
	coord.POST("/account/tokens", a.createToken)
	coord.POST("/account/tokens/:tid/revoke", a.revokeToken)
	coord.POST("/account/2fa/setup", a.setUpTwoFactor)
	coord.POST("/account/2fa/enable", a.enableTwoFactor)
	coord.POST("/account/2fa/disable", a.disableTwoFactor)
	coord.POST("/invitations/:id/accept", a.respondToInvitation(true))
	coord.POST("/invitations/:id/decline", a.respondToInvitation(false))

	read := coord.Group("/studies/:id", a.studyAccess(store.RoleResearcher))
	read.GET("", a.showStudyPage)
	read.GET("/settings", a.showSettingsPage)
	read.GET("/statements", a.showStatementsPage)
	read.GET("/panel", a.showPanelPage)
	read.GET("/audit", a.showAuditPage)
	read.GET("/rounds", a.showRoundsPage)
	read.GET("/rounds/:rid", a.showRoundPage)
	read.GET("/ideas", a.showIdeasPage)           // round 0
	read.GET("/texts", a.showTextsPage)           // texts & languages (handlers_texts.go)
	read.GET("/background", a.showBackgroundPage) // background form (handlers_background.go)

	edit := coord.Group("/studies/:id", a.studyAccess(store.RoleCoordinator))
	edit.POST("/info", a.updateStudyInfo)
	edit.POST("/scale", a.updateStudyScale)
	edit.POST("/criteria", a.updateStudyCriteria)
	edit.POST("/mode", a.updateStudyMode) // classic or real-time (realtime.go)
	edit.POST("/texts", a.saveTexts)
	edit.POST("/consent-items", a.addConsentItemAction)
	edit.POST("/consent-items/:cid", a.updateConsentItemAction)
	edit.POST("/consent-items/:cid/delete", a.deleteConsentItemAction)
	edit.POST("/background-fields", a.addBackgroundFieldAction)
	edit.POST("/background-fields/:fid", a.updateBackgroundFieldAction)
	edit.POST("/background-fields/:fid/delete", a.deleteBackgroundFieldAction)
	edit.POST("/members", a.addMember)
	edit.POST("/members/:uid", a.setMemberRole)
	edit.POST("/sections", a.createSection)
	edit.POST("/sections/:sid", a.renameSection)
	edit.POST("/sections/:sid/delete", a.deleteSection)
	edit.POST("/statements", a.addStatements)
	edit.GET("/statements/:sid", a.showStatementPage)
	edit.POST("/statements/:sid", a.updateStatement)
	edit.POST("/statements/:sid/move", a.moveStatement)
	edit.POST("/statements/:sid/delete", a.deleteStatement)
	edit.POST("/panel/import", a.importPanel)
	edit.POST("/panel/experts", a.addExpert)
	edit.GET("/panel/experts/:eid", a.showExpertPage)
	edit.POST("/panel/experts/:eid", a.updateExpert)
	edit.POST("/panel/experts/:eid/delete", a.deleteExpert)
	edit.GET("/panel/experts/:eid/export", a.exportExpertData)
	edit.GET("/panel/experts/:eid/erase", a.showErasePage)
	edit.POST("/panel/experts/:eid/erase", a.eraseExpertAction)
	edit.POST("/privacy", a.updateStudyPrivacy)
	edit.POST("/rounds", a.createRound)
	edit.POST("/rounds/:rid/settings", a.updateRound)
	edit.POST("/rounds/:rid/launch", a.launchRoundAction)
	edit.POST("/rounds/:rid/remind", a.remindRoundAction)
	edit.POST("/rounds/:rid/close", a.closeRoundAction)
	edit.POST("/rounds/:rid/snapshot", a.takeSnapshotAction) // real-time mode
	edit.POST("/ideas", a.addIdeaQuestions)                  // round 0 (ideas.go)
	edit.POST("/ideas/questions/:qid", a.editIdeaQuestion)
	edit.POST("/ideas/launch", a.launchIdeasAction)
	edit.POST("/ideas/close", a.closeIdeasAction)
	edit.POST("/ideas/remind", a.remindIdeasAction)
	edit.POST("/ideas/deadline", a.changeIdeasDeadline) // an open round 0's deadline (issue #15)
	edit.POST("/ideas/proposals", a.editProposals)
	edit.POST("/rounds/:rid/invitations/:iid/revoke", a.revokeInvitation)
	edit.POST("/rounds/:rid/invitations/:iid/link", a.sendNewLinkAction)
	edit.POST("/rounds/:rid/statements/:rsid/decision", a.decideStatement)
	edit.POST("/rounds/:rid/decisions", a.decideAll) // every statement's decision at once
	edit.POST("/rounds/:rid/statements/:rsid/comment", a.showComment)
	edit.POST("/rounds/:rid/replace", a.replaceStatement)
	edit.POST("/rounds/:rid/statements", a.addStatementFromComments)
	edit.GET("/rounds/:rid/outbox", a.showOutboxPage) // names, addresses, links: not for researchers
	edit.GET("/outbox/:mid", a.showMessagePage)
	edit.GET("/preview", a.showPreview) // an expert's pages, recording nothing (preview.go)
	// Bulk translation (translations.go): one sheet down, all or nothing up.
	edit.GET("/translations", a.downloadTranslations)
	edit.POST("/translations", a.uploadTranslations)
	edit.GET("/emails", a.showEmailsPage) // the e-mails to experts (handlers_emails.go)
	edit.GET("/emails/:kind/:lang/preview.html", a.showEmailPreviewHTML)
	edit.POST("/emails/:kind/:lang", a.saveEmailAction)
	edit.POST("/emails/:kind/:lang/reset", a.resetEmailAction)
	edit.POST("/emails/:kind/:lang/test", a.testEmailAction)
	edit.POST("/outbox/:mid/resend", a.resendMessage)

	// JSON API v1: bearer tokens, no cookies, no CSRF.
	api := e.Group("/api/v1", a.requireToken)
	api.POST("/studies", a.apiCreateStudy)
	apiRead := api.Group("/studies/:id", a.studyAccess(store.RoleResearcher))
	apiRead.GET("", a.apiGetStudy)
	apiRead.GET("/statements", a.apiListStatements)
	apiRead.GET("/panel", a.apiListPanel)
	apiEdit := api.Group("/studies/:id", a.studyAccess(store.RoleCoordinator))
	apiEdit.PATCH("", a.apiUpdateStudy)
	apiEdit.POST("/statements", a.apiAddStatements)
	apiEdit.POST("/panel", a.apiImportPanel)
	apiEdit.GET("/panel/:eid/export", a.exportExpertData)
	apiEdit.DELETE("/panel/:eid", a.apiEraseExpert)
	apiEdit.POST("/rounds", a.apiCreateRound)
	apiEdit.POST("/statements/:sid/reword", a.apiRewordStatement)
	apiEdit.PUT("/statements/:sid/translations", a.apiSetStatementTranslations)
	apiEdit.GET("/emails", a.apiListEmails)
	apiEdit.PUT("/emails/:kind/:lang", a.apiSaveEmail)
	apiEdit.DELETE("/emails/:kind/:lang", a.apiResetEmail)
	apiEdit.POST("/emails/:kind/:lang/test", a.apiTestEmail)
	apiRead.GET("/sections", a.apiListSections)
	// Study texts and consent items per language (handlers_texts.go).
	apiRead.GET("/texts", a.apiGetTexts)
	apiEdit.PUT("/texts", a.apiPutTexts)
	apiRead.GET("/consent-items", a.apiListConsentItems)
	apiEdit.POST("/consent-items", a.apiAddConsentItem)
	apiEdit.PATCH("/consent-items/:cid", a.apiUpdateConsentItem)
	apiEdit.DELETE("/consent-items/:cid", a.apiDeleteConsentItem)
	// The background form and the panel description it makes (handlers_background.go).
	apiRead.GET("/background-fields", a.apiListBackgroundFields)
	apiEdit.POST("/background-fields", a.apiAddBackgroundField)
	apiEdit.PATCH("/background-fields/:fid", a.apiUpdateBackgroundField)
	apiEdit.DELETE("/background-fields/:fid", a.apiDeleteBackgroundField)
	apiRead.GET("/panel-description", a.apiPanelDescription)
	apiEdit.PATCH("/sections/:sid", a.apiUpdateSection)
	apiEdit.GET("/translations", a.downloadTranslations) // ?format=xlsx|csv
	apiEdit.PUT("/translations", a.apiPutTranslations)
	// Real-time mode (issue #8): figures at every snapshot, revision counts, raw export.
	apiRead.GET("/realtime", a.apiGetRealtime)
	apiRead.GET("/realtime/ratings.csv", a.apiRealtimeRatings)
	apiEdit.POST("/realtime/snapshots", a.apiTakeSnapshot)
	// Round 0 (ideas.go).
	apiRead.GET("/ideas", a.apiGetIdeas)
	apiRead.GET("/proposal-links", a.apiProposalLinks)
	apiEdit.POST("/ideas", a.apiCreateIdeas)
	apiEdit.POST("/ideas/launch", a.apiLaunchIdeas)
	apiEdit.POST("/ideas/close", a.apiCloseIdeas)
	apiEdit.POST("/ideas/remind", a.apiRemindIdeas)
	apiEdit.PATCH("/ideas", a.apiChangeIdeasDeadline) // deadline and reminders, draft or open (issue #15)
	apiEdit.POST("/ideas/proposals/:pid/theme", a.apiSetTheme)
	apiEdit.POST("/ideas/merge", a.apiMergeProposals)
	apiEdit.POST("/ideas/statements", a.apiStatementFromProposals)
	apiRound := api.Group("/rounds/:rid", a.roundAccess(store.RoleResearcher))
	apiRound.GET("", a.apiGetRound)
	apiRound.GET("/open-answers", a.apiOpenAnswers)
	apiRoundEdit := api.Group("/rounds/:rid", a.roundAccess(store.RoleCoordinator))
	apiRoundEdit.PATCH("", a.apiUpdateRound)
	apiRoundEdit.POST("/launch", a.apiLaunchRound)
	apiRoundEdit.POST("/remind", a.apiRemindRound)
	apiRoundEdit.POST("/close", a.apiCloseRound)
	apiRoundEdit.POST("/decisions", a.apiSetDecisions)

	// Results and exports: researchers, coordinators and owners (issue #6).
	read.GET("/results", a.showResultsPage)
	read.GET("/results/sensitivity", a.showSensitivityPage)
	read.GET("/results/attrition", a.showAttritionPage)
	read.GET("/results/figures", a.showFiguresPage)
	read.GET("/results/figures/:file", a.showFigure)
	read.GET("/results/methods", a.showMethodsPage)
	read.POST("/results/methods", a.saveMethodsNarrative)
	for _, g := range []*echo.Group{read, apiRead} {
		g.GET("/results.json", a.getResults)
		g.GET("/export.xlsx", a.exportXLSX)
		g.GET("/raw.csv", a.exportRawCSV)
		g.GET("/codebook.txt", a.exportCodebook)
		g.GET("/lineage.csv", a.exportLineageCSV)
	}
	apiRead.GET("/results", a.getResults)

	// The panel (issue #15): import with a preview, export with the
	// status per round, a late recruit invited to the open round.
	edit.POST("/panel/import/apply", a.applyPanelImport)
	edit.GET("/panel.csv", a.exportPanelCSV)
	edit.POST("/panel/experts/:eid/invite", a.inviteExpertAction)
	apiEdit.GET("/panel.csv", a.exportPanelCSV)
	apiEdit.POST("/panel/:eid/invite", a.apiInviteExpert)
	return e
}
