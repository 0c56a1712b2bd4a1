package fault

import (
	"errors"
	"fmt"
	"testing"
)

func TestKindAndMessageThroughWrapping(t *testing.T) {
	errGone := New(NotFound, "the expert is not in this study")
	wrapped := fmt.Errorf("store: expert by id: %w", errGone)
	if KindOf(wrapped) != NotFound || Message(wrapped) != "the expert is not in this study" {
		t.Errorf("wrapped: %v %q", KindOf(wrapped), Message(wrapped))
	}
	if !errors.Is(wrapped, errGone) {
		t.Error("errors.Is lost the sentinel")
	}
	plain := fmt.Errorf("store: begin: %w", errors.New("driver: bad connection"))
	if KindOf(plain) != Internal || Message(plain) != "" {
		t.Errorf("an internal error shows %v %q", KindOf(plain), Message(plain))
	}
}
