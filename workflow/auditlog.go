package workflow

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/audit"
	"github.com/etown/duixian/sqldb"
)

// AuditLog is the audit log as supervision reads it: a page of the entries
// about a subject, and whether the chain verifies.
type AuditLog struct {
	Entries []duixian.AuditEntry // newest first
	Next    string               // the cursor of the next (older) page; "" on the last
	Total   int64                // entries about the subject
	Checked int64                // entries verified
	// Walked is how many entries this view read to verify the chain: none
	// when nothing was appended since the last view, those appended since
	// otherwise, the whole chain on the first view and every
	// auditFullRecheck.
	Walked int64
	// Broken is why the chain does not verify (an *audit.Break naming the
	// first broken entry), nil when it does.
	Broken error
}

// auditFullRecheck is how often a view walks the whole chain again. In
// between, a view verifies only the entries appended since the last one,
// from the mark that walk reached: each entry, its link to the entries
// verified before, and the end against the head. An entry changed behind
// the store's back after it was verified is found by the next whole walk
// (or `duixian audit verify`, which always walks it whole); one that moves
// the head back or replaces the last entry is found at once.
const auditFullRecheck = time.Hour

// auditCheck is what the views verified: the head the last check saw,
// the mark the chain verified to, when it was last walked whole.
type auditCheck struct {
	mu      sync.Mutex
	head    audit.Head
	mark    audit.Mark
	full    time.Time
	checked int64
	broken  error
}

// AuditLog reads a page of the audit log about subject ("" for all),
// newest first, for supervision and administrators, and verifies the chain:
// the entries appended since the last view, or all of them on the first
// view, every auditFullRecheck, and while the chain is broken.
func (s *Service) AuditLog(ctx context.Context, actor duixian.Actor, subject string, p duixian.PageRequest) (*AuditLog, error) {
	if actor.Role != duixian.RoleSupervisor && actor.Role != duixian.RoleAdmin {
		return nil, duixian.Forbidden("审计日志仅供监督检查人员和管理员查阅", "only supervision and administrators read the audit log")
	}
	size, err := duixian.PageSize(p.Limit)
	if err != nil {
		return nil, err
	}
	before, err := auditCursor(p.After)
	if err != nil {
		return nil, err
	}
	v := &AuditLog{}
	var head audit.Head
	var headless error // the head cannot be read: VerifyAuditFrom says why
	err = s.DB.Read(ctx, func(tx *sqldb.Tx) error {
		var err error
		if v.Entries, err = tx.AuditEntries(sqldb.AuditFilter{Subject: subject, Newest: true, Cursor: before, Limit: size + 1}); err != nil {
			return err
		}
		if v.Total, err = tx.AuditCount(subject); err != nil {
			return err
		}
		head.Seq, head.Hash, headless = tx.AuditHead()
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(v.Entries) > size {
		v.Entries = v.Entries[:size]
		v.Next = strconv.FormatInt(v.Entries[size-1].Seq, 10)
	}
	c := &s.audit
	c.mu.Lock()
	defer c.mu.Unlock()
	now := s.Now()
	whole := c.full.IsZero() || now.Sub(c.full) >= auditFullRecheck || now.Before(c.full)
	moved := headless != nil || head != c.head
	if whole || moved {
		from := c.mark
		if whole || c.broken != nil {
			from = audit.Start
		}
		m, read, err := s.DB.VerifyAuditFrom(ctx, from)
		if err != nil && ctx.Err() != nil {
			return nil, err
		}
		v.Walked = read
		if from == audit.Start {
			c.full = now
		}
		c.head, c.mark, c.checked, c.broken = head, m, m.Seq, err
	}
	v.Checked, v.Broken = c.checked, c.broken
	return v, nil
}

// auditCursor reads a page cursor of the audit log: the number of the
// last entry shown.
func auditCursor(after string) (int64, error) {
	if after == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(after, 10, 64)
	if err != nil || n < 1 {
		return 0, duixian.Errorf(duixian.EINVALID, "after", "翻页位置“%s”无效，应为审计记录编号", "the page cursor %q is not valid: it is an entry's number", after)
	}
	return n, nil
}

// AuditTrail lists a page of the audit entries about subject ("" for all),
// oldest first, from after the entry a cursor names: a reader that keeps
// the last page's Next reads only what was appended since. Who may read it
// is the route's to decide (administrators, supervisors).
func (s *Service) AuditTrail(ctx context.Context, subject string, p duixian.PageRequest) (*duixian.Page[duixian.AuditEntry], error) {
	size, err := duixian.PageSize(p.Limit)
	if err != nil {
		return nil, err
	}
	after, err := auditCursor(p.After)
	if err != nil {
		return nil, err
	}
	page := &duixian.Page[duixian.AuditEntry]{Items: []duixian.AuditEntry{}}
	err = s.DB.Read(ctx, func(tx *sqldb.Tx) error {
		list, err := tx.AuditEntries(sqldb.AuditFilter{Subject: subject, Cursor: after, Limit: size + 1})
		if len(list) > size {
			list = list[:size]
			page.Next = strconv.FormatInt(list[size-1].Seq, 10)
		}
		page.Items = append(page.Items, list...)
		return err
	})
	return page, err
}
