package matching

import (
	"context"

	"github.com/etown/duixian/sqldb"
)

// OfferBook is the offers kept in a database, as a service: what the
// enterprise pages read through an interface of their own.
type OfferBook struct{ DB *sqldb.DB }

// Offers lists an enterprise's offers (see Offers).
func (b OfferBook) Offers(ctx context.Context, enterprise string) ([]StoredOffer, error) {
	return Offers(ctx, b.DB, enterprise)
}
