// Package password hashes and checks passwords with argon2id (RFC 9106);
// the platform stores nothing else about a password.
//
// A hash costs 64 MiB and about 180 ms of two cores. Hashing is therefore
// bounded: at most Slots() hashes run at once and the rest queue, so a storm
// of sign-ins (honest or not) waits its turn instead of taking the
// server's memory and every core; a request whose client has gone stops
// waiting. Callers hash outside any database transaction, so that the
// queue never holds a lock.
package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/crypto/argon2"
)

// cost is argon2id's cost; a hash records the cost it was made with, so a
// change of cost never invalidates a stored hash.
type cost struct {
	time    uint32
	memory  uint32 // KiB
	threads uint8
}

// production is RFC 9106's second recommended option (64 MiB, 3 passes).
var production = cost{time: 3, memory: 64 * 1024, threads: 2}

// testCost is argon2id's minimum (8 KiB per lane, one pass): a test binary
// hashes its demo users' passwords in microseconds instead of spending
// minutes of the suite on them. What tests assert about hashing (the
// encoding, a salt per hash, a wrong password refused) does not depend on
// the cost.
var testCost = cost{time: 1, memory: 8, threads: 1}

const keyLen = 32

// current is the cost of new hashes. It is testCost only when
// testing.Testing() reports a test binary: that is decided by the linker
// (go test links the binary with testing.testBinary=1) and is false in every
// binary go build makes, whatever its flags, environment or input, so no
// production binary can hash cheaply.
var current atomic.Pointer[cost]

func init() {
	if testing.Testing() {
		current.Store(&testCost)
	} else {
		current.Store(&production)
	}
}

// UseProductionCost makes new hashes use the production cost from now on,
// in a test binary too: for the benchmarks that measure what a sign-in
// costs. It can only raise the cost; a production binary has it already.
func UseProductionCost() { current.Store(&production) }

// slots bounds the hashes that run at once. Each hash keeps two cores busy
// (two lanes); the bound leaves at least one core of a larger machine to
// everything else, and on a machine of two cores lets one hash run at a
// time.
var slots = make(chan struct{}, max(1, (runtime.GOMAXPROCS(0)-1)/int(production.threads)))

// Slots is how many hashes may run at once.
func Slots() int { return cap(slots) }

// acquire waits for a slot, or until ctx ends.
func acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func release() { <-slots }

// Hash returns an encoded argon2id hash (PHC format): cost, salt and key.
// It waits for a slot however long that takes: it serves seeding and
// administration, not requests.
func Hash(password string) string { return hashWith(current.Load(), password) }

func hashWith(c *cost, password string) string {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		panic(err)
	}
	_ = acquire(context.Background())
	key := argon2.IDKey([]byte(password), salt, c.time, c.memory, c.threads, keyLen)
	release()
	return encode(c, salt, key)
}

func encode(c *cost, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, c.memory, c.time, c.threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// Check reports whether password matches the encoded hash, in constant
// time, with the cost the hash records. It waits for a slot; if ctx ends
// first it returns ctx's error and checks nothing.
func Check(ctx context.Context, encoded, password string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, nil
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false, nil
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false, nil
	}
	if err := acquire(ctx); err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	release()
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// decoys holds, per cost, a hash that no password is checked against
// except by Decoy.
var decoys sync.Map // cost → encoded hash

// Decoy spends on password what Check spends on a real account's hash (the
// same cost, the same queue), and matches nothing: for a sign-in name with
// no account, so that how long the answer takes does not tell that the
// account does not exist.
func Decoy(ctx context.Context, password string) error {
	c := *current.Load()
	h, ok := decoys.Load(c)
	if !ok {
		salt := make([]byte, 16)
		if _, err := rand.Read(salt); err != nil {
			panic(err)
		}
		// A key no argon2id output equals in practice: all zeros.
		h, _ = decoys.LoadOrStore(c, encode(&c, salt, make([]byte, keyLen)))
	}
	_, err := Check(ctx, h.(string), password)
	return err
}
