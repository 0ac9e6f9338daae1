package password

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// The production cost, as stored: RFC 9106's second option, and the hash
// verifies with the cost it records.
func TestProductionHash(t *testing.T) {
	h := hashWith(&production, "正确的密码")
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Fatalf("encoding: %s", h)
	}
	for pw, want := range map[string]bool{"正确的密码": true, "错误的密码": false, "": false} {
		if ok, err := Check(context.Background(), h, pw); ok != want || err != nil {
			t.Fatalf("check %q: %v, %v", pw, ok, err)
		}
	}
}

// A test binary hashes cheaply, and what it hashes still verifies: Check
// reads the cost from the hash, so a production hash and a test hash are
// checked by the same code.
func TestHashAndCheck(t *testing.T) {
	if current.Load() != &testCost {
		t.Fatal("a test binary hashes with the production cost")
	}
	h := Hash("正确的密码")
	if !strings.HasPrefix(h, "$argon2id$v=19$m=8,t=1,p=1$") {
		t.Fatalf("encoding: %s", h)
	}
	ctx := context.Background()
	for pw, want := range map[string]bool{"正确的密码": true, "错误的密码": false, "": false} {
		if ok, err := Check(ctx, h, pw); ok != want || err != nil {
			t.Fatalf("check %q: %v, %v", pw, ok, err)
		}
	}
	if Hash("x") == Hash("x") {
		t.Fatal("two hashes of one password share a salt")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=x$AA$AA", "$argon2id$v=19$m=1,t=1,p=1$!$AA", "$argon2id$v=19$m=8,t=1,p=1$AAAA$"} {
		if ok, err := Check(ctx, bad, "x"); ok || err != nil {
			t.Fatalf("a malformed hash matched: %q (%v)", bad, err)
		}
	}
	if err := Decoy(ctx, "no such user"); err != nil {
		t.Fatal(err)
	}
}

// UseProductionCost only ever raises the cost.
func TestUseProductionCost(t *testing.T) {
	defer current.Store(&testCost)
	UseProductionCost()
	if current.Load() != &production {
		t.Fatal("the cost was not raised")
	}
}

// With every slot taken a check waits; a check whose context ends stops
// waiting and checks nothing; a freed slot lets the waiting one run.
func TestSlotsBoundHashing(t *testing.T) {
	h := Hash("pw")
	for range Slots() {
		slots <- struct{}{}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancelled := make(chan error, 1)
	go func() { _, err := Check(ctx, h, "pw"); cancelled <- err }()
	waiting := make(chan bool, 1)
	go func() { ok, err := Check(context.Background(), h, "pw"); waiting <- ok && err == nil }()
	time.Sleep(50 * time.Millisecond) // a chance to run, were a slot free
	select {
	case <-cancelled:
		t.Fatal("a check ran with every slot taken")
	case <-waiting:
		t.Fatal("a check ran with every slot taken")
	default:
	}
	cancel()
	if err := <-cancelled; !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled wait: %v", err)
	}
	if ok, err := Check(ctx, h, "pw"); ok || !errors.Is(err, context.Canceled) {
		t.Fatalf("a check with an ended context: %v, %v", ok, err)
	}
	release()
	if !<-waiting {
		t.Fatal("the waiting check failed once a slot was free")
	}
	for range Slots() - 1 {
		release()
	}
	if len(slots) != 0 {
		t.Fatalf("%d slots still taken", len(slots))
	}
}
