package mail

import (
	"context"
	"fmt"

	gomail "github.com/wneessen/go-mail"
)

// AccountMessage is an e-mail about a coordinator's account: a set-up
// link, a password-reset link, an invitation to a study.
type AccountMessage struct {
	ToAddress, ToName, Subject, Text string
}

// SendNow sends an account e-mail at once, over its own connection,
// without the outbox. These messages carry a link that opens an account:
// the outbox's messages can be read by a study's coordinators, and a
// coordinator must never read another person's set-up or reset link. They
// are useful for an hour or a week only, and whoever waits for one can
// ask again, so they are not retried.
func (d *Dispatcher) SendNow(ctx context.Context, m AccountMessage) error {
	d.init()
	msg := gomail.NewMsg()
	if err := msg.From(d.From); err != nil {
		return fmt.Errorf("mail: from %q: %w", d.From, err)
	}
	if err := msg.AddToFormat(m.ToName, m.ToAddress); err != nil {
		return fmt.Errorf("mail: to: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	msg.SetMessageID()
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	client, err := d.dial(ctx)
	if err != nil {
		return fmt.Errorf("mail: connect: %w", err)
	}
	defer client.Close()
	if err := client.Send(msg); err != nil {
		return fmt.Errorf("mail: send: %w", err)
	}
	return nil
}
