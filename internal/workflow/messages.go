package workflow

import (
	"github.com/delphi-platform/delphi/internal/mail"
	"github.com/delphi-platform/delphi/internal/store"
)

// expertMessage composes one expert's e-mail of a kind (mail.Kind*), in
// their language, carrying their personal link (linkPrefix + token: /r/
// for a round, /i/ for round 0) and its decline link, which is also the
// one-click List-Unsubscribe address. The rounds' e-mails and round 0's
// are all made here; d gives what differs (round, counts, deadline).
func (w *Service) expertMessage(st store.Study, roundID int64, e store.Expert, kind, linkPrefix, token string, d mail.MessageData) (store.NewMessage, error) {
	link := w.baseURL + linkPrefix + token
	d.StudyTitle, d.StudyDescription, d.ExpertName, d.ContactEmail = st.Title, st.Description, e.Name, st.ContactEmail
	d.Link, d.DeclineLink = link, link+"/decline"
	d.Location = st.Location() // deadlines in the study's zone, with its offset
	subject, text, html, err := mail.Compose(kind, e.Language, d)
	if err != nil {
		return store.NewMessage{}, err
	}
	return store.NewMessage{StudyID: st.ID, RoundID: roundID, ExpertID: e.ID, Kind: mail.OutboxKind(kind), ToAddress: e.Email, ToName: e.Name,
		Subject: subject, TextBody: text, HTMLBody: html, ListUnsubscribe: d.DeclineLink, Secret: token}, nil
}
