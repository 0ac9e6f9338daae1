package duixian

import (
	"errors"
	"fmt"
)

// Application error codes. Each maps to one HTTP status in package http and
// one exit code in cmd/duixian; nothing else inspects error text.
const (
	EINVALID   = "invalid"   // bad input: a fact missing, mistyped or out of bounds
	ENOTFOUND  = "not_found" // no such clause, document or record
	ECONFLICT  = "conflict"  // the request contradicts what is already recorded (a state, a reused key)
	EFORBIDDEN = "forbidden" // the actor may not do this (another enterprise, another department)
	EREFUSED   = "refused"   // the rules refuse it: Reasons say which article
	EINTERNAL  = "internal"  // a bug or an unexpected failure
)

// Error is an application error with a message in Chinese and in English.
// Field names the input at fault (a fact, a column, a file:line) when there
// is one, so a person can find and fix it.
// As JSON (the API's error body, and the command line's with --json) it is
// {"code", "field", "message_zh", "message_en", "reasons"}.
type Error struct {
	Code    string   `json:"code"`
	Field   string   `json:"field,omitempty"`
	Zh      string   `json:"message_zh"`
	En      string   `json:"message_en"`
	Reasons []Reason `json:"reasons,omitempty"` // for EREFUSED: the engine's reasons, each citing its article
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s / %s", e.Field, e.Zh, e.En)
	}
	return e.Zh + " / " + e.En
}

// Errorf builds an Error; zh and en share the arguments.
func Errorf(code, field, zh, en string, args ...any) *Error {
	return &Error{Code: code, Field: field, Zh: fmt.Sprintf(zh, args...), En: fmt.Sprintf(en, args...)}
}

// ErrorCode returns the code of an application error, EINTERNAL otherwise.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return EINTERNAL
}

// Forbidden is an EFORBIDDEN error: the actor may not do this.
func Forbidden(zh, en string, args ...any) *Error { return Errorf(EFORBIDDEN, "", zh, en, args...) }

// Conflict is an ECONFLICT error: the request contradicts the state.
func Conflict(zh, en string, args ...any) *Error { return Errorf(ECONFLICT, "", zh, en, args...) }
