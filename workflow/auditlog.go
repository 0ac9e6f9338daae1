package workflow

import (
	"context"
	"sync"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/sqldb"
)

// AuditLog is the audit log as supervision reads it: the entries about a
// subject and whether the whole chain verifies.
type AuditLog struct {
	Entries []duixian.AuditEntry // in order
	Checked int64                // entries verified
	// Broken is why the chain does not verify (an *audit.Break naming the
	// first broken entry), nil when it does.
	Broken error
}

// auditRecheck is how long a verification stands for a chain whose head
// has not moved. Walking the chain reads every entry; a page read again and
// again (filtering by subject) need not walk it each time, while a change
// made behind the store's back is still reported within this time.
const auditRecheck = time.Minute

// auditCheck is the last verification: the head it ended at and when.
type auditCheck struct {
	mu      sync.Mutex
	seq     int64
	hash    string
	at      time.Time
	checked int64
	broken  error
}

// AuditLog reads the audit log about subject ("" for all) for supervision
// and administrators, and verifies the chain: again when an entry was
// appended since the last verification or it is older than auditRecheck.
func (s *Service) AuditLog(ctx context.Context, actor duixian.Actor, subject string) (*AuditLog, error) {
	if actor.Role != duixian.RoleSupervisor && actor.Role != duixian.RoleAdmin {
		return nil, duixian.Forbidden("审计日志仅供监督检查人员和管理员查阅", "only supervision and administrators read the audit log")
	}
	v := &AuditLog{}
	var seq int64
	var hash string
	var headless error // the head cannot be read: VerifyAudit says why
	err := s.DB.Read(ctx, func(tx *sqldb.Tx) error {
		var err error
		if v.Entries, err = tx.AuditLog(subject); err != nil {
			return err
		}
		seq, hash, headless = tx.AuditHead()
		return nil
	})
	if err != nil {
		return nil, err
	}
	c := &s.audit
	c.mu.Lock()
	defer c.mu.Unlock()
	now := s.Now()
	if headless != nil || c.at.IsZero() || c.seq != seq || c.hash != hash || now.Sub(c.at) >= auditRecheck || now.Before(c.at) {
		n, err := s.DB.VerifyAudit(ctx)
		if err != nil && ctx.Err() != nil {
			return nil, err
		}
		c.seq, c.hash, c.at, c.checked, c.broken = seq, hash, now, n, err
	}
	v.Checked, v.Broken = c.checked, c.broken
	return v, nil
}
