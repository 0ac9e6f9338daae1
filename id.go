package duixian

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"
)

// NewID makes a record id that reads as the day it was made in Shanghai,
// followed by ten random hex digits: A20261130C58392ECD2.
func NewID(prefix string, at time.Time) string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	return prefix + at.In(Shanghai).Format("20060102") + strings.ToUpper(hex.EncodeToString(b))
}
