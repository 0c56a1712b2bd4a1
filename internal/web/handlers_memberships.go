package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/delphi-platform/delphi/internal/fault"
	"github.com/delphi-platform/delphi/internal/mail"
	"github.com/delphi-platform/delphi/internal/store"
)

// mailAccount sends an account e-mail (a set-up or reset link, an
// invitation to a study) in the background, so that the page answers at
// once, and as fast whether or not an e-mail goes out. It does nothing
// without SMTP. Close waits for the e-mails under way.
func (a *App) mailAccount(m mail.AccountMessage) {
	if a.mailer == nil {
		return
	}
	a.accountMail.Add(1)
	go func() {
		defer a.accountMail.Done()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := a.mailer.SendNow(ctx, m); err != nil {
			a.log.Warn("account e-mail not sent", "subject", m.Subject, "err", err)
		}
	}()
}

// invitationMail tells someone who has an account that a study invited
// them; they accept after logging in, on their list of studies.
func (a *App) invitationMail(st store.Study, by, invitee store.User, role string) mail.AccountMessage {
	return mail.AccountMessage{ToAddress: invitee.Email, ToName: invitee.Name,
		Subject: "Invitation to the Delphi study " + st.Title,
		Text: fmt.Sprintf("Hello %s,\n\n%s <%s> invites you to the Delphi study %q as %s.\n\n"+
			"Log in at %s/studies to accept or decline; until you accept you have no access to the study.\n\n"+
			"If you do not know this person, decline the invitation.\n",
			invitee.Name, by.Name, by.Email, st.Title, role, a.cfg.BaseURL)}
}

// respondToInvitation accepts (or declines) the logged-in user's pending
// membership of a study; only accepted memberships open a study.
func (a *App) respondToInvitation(accept bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		u := user(c)
		sid := paramID(c, "id")
		err := a.store.AcceptMembership(c.Request().Context(), sid, u.ID, accept)
		switch {
		case errors.Is(err, store.ErrUnconfirmedAccount):
			setFlash(c, "Not accepted: "+fault.Message(err)+".")
			return c.Redirect(http.StatusSeeOther, "/studies")
		case errors.Is(err, store.ErrNotFound):
			return echo.NewHTTPError(http.StatusNotFound, "there is no such invitation (it may have been withdrawn)")
		case err != nil:
			return err
		}
		a.log.InfoContext(c.Request().Context(), "invitation answered", "user_id", u.ID, "study_id", sid, "accepted", accept, "request_id", requestID(c))
		if !accept {
			setFlash(c, "Invitation declined.")
			return c.Redirect(http.StatusSeeOther, "/studies")
		}
		setFlash(c, "Invitation accepted.")
		return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/studies/%d", sid))
	}
}
