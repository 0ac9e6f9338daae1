package duixian

import (
	"math/big"
	"sort"
)

// ProRata reduces awards in proportion so that together they take exactly
// budget (等比例核减, when a round's approved awards exceed its budget).
// Each award gets floor(award × budget ÷ total) fen; the fen left over
// (fewer than there are awards) go one each to the awards with the largest
// remainders, the earlier award first on a tie. So the total is the budget
// to the fen, no award grows, and none moves by a fen more than its share.
// Awards that fit the budget are returned as they are. The products are
// computed in big integers: 6,000万元 × a budget of 1亿元 is beyond int64.
func ProRata(awards []Money, budget Money) ([]Money, error) {
	if budget < 0 {
		return nil, Errorf(EINVALID, "budget", "预算不能为负", "the budget cannot be negative")
	}
	var total Money
	for i, a := range awards {
		if a < 0 {
			return nil, Errorf(EINVALID, "awards", "第 %d 项金额为负", "award %d is negative", i+1)
		}
		total += a
	}
	out := make([]Money, len(awards))
	copy(out, awards)
	if total <= budget {
		return out, nil
	}
	type share struct {
		i   int
		rem *big.Int
	}
	shares := make([]share, len(awards))
	b, t := big.NewInt(int64(budget)), big.NewInt(int64(total))
	var given Money
	for i, a := range awards {
		q, r := new(big.Int).QuoRem(new(big.Int).Mul(big.NewInt(int64(a)), b), t, new(big.Int))
		out[i] = Money(q.Int64())
		given += out[i]
		shares[i] = share{i, r}
	}
	sort.SliceStable(shares, func(x, y int) bool { return shares[x].rem.Cmp(shares[y].rem) > 0 })
	for k := 0; given < budget; k++ {
		out[shares[k].i]++
		given++
	}
	return out, nil
}
