package duixian_test

import (
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/etown/duixian"
)

// 等比例核减: three awards of 100, 200 and 300 元 in a budget of 500 元 are
// 83.33, 166.67 and 250.00: the fen left by the floors goes to the largest
// remainder, and the total is the budget to the fen.
func TestProRataExample(t *testing.T) {
	got, err := duixian.ProRata([]duixian.Money{100 * duixian.Yuan, 200 * duixian.Yuan, 300 * duixian.Yuan}, 500*duixian.Yuan)
	if err != nil {
		t.Fatal(err)
	}
	want := []duixian.Money{8333, 16667, 25000}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	// Equal remainders: the earlier award gets the fen.
	got, _ = duixian.ProRata([]duixian.Money{1, 1, 1}, 2)
	if got[0] != 1 || got[1] != 1 || got[2] != 0 {
		t.Fatalf("ties: %v", got)
	}
	// Within the budget nothing changes; 6,000万元 awards do not overflow.
	got, _ = duixian.ProRata([]duixian.Money{6000 * 10000 * duixian.Yuan, 6000 * 10000 * duixian.Yuan}, 10000*10000*duixian.Yuan)
	if got[0]+got[1] != 10000*10000*duixian.Yuan || got[0] != 5000*10000*duixian.Yuan {
		t.Fatalf("large: %v", got)
	}
	if _, err := duixian.ProRata([]duixian.Money{1}, -1); duixian.ErrorCode(err) != duixian.EINVALID {
		t.Fatal("a negative budget accepted")
	}
}

// For any awards and budget: the total is exactly min(budget, sum), no
// award grows, and each is within a fen of its exact share.
func TestProRataProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		n := 1 + r.IntN(12)
		awards := make([]duixian.Money, n)
		var sum duixian.Money
		for i := range awards {
			awards[i] = duixian.Money(r.Int64N(5_000_000_00))
			sum += awards[i]
		}
		budget := duixian.Money(r.Int64N(int64(sum) + 2))
		got, err := duixian.ProRata(awards, budget)
		if err != nil {
			t.Fatal(err)
		}
		var total duixian.Money
		for i, g := range got {
			total += g
			if g > awards[i] || g < 0 {
				t.Fatalf("award %d grew or went negative: %v → %v", i, awards, got)
			}
			if sum > budget {
				// |g - a·b/s| < 1 fen  ⇔  |g·s - a·b| < s
				diff := new(big.Int).Sub(new(big.Int).Mul(big.NewInt(int64(g)), big.NewInt(int64(sum))),
					new(big.Int).Mul(big.NewInt(int64(awards[i])), big.NewInt(int64(budget))))
				if diff.CmpAbs(big.NewInt(int64(sum))) >= 0 {
					t.Fatalf("award %d off its share by a fen or more: %v, budget %v → %v", i, awards, budget, got)
				}
			}
		}
		if want := min(budget, sum); total != want {
			t.Fatalf("total %v, want %v (%v, budget %v)", total, want, awards, budget)
		}
	}
}
