package workflow

import (
	"context"
	"sort"
	"strings"

	"github.com/etown/duixian"
	"github.com/etown/duixian/sqldb"
)

// The departments the platform knows: those responsible for a clause of
// the catalogue, those of its officials' accounts, and those whose
// settings were written. Opinions are asked of these only, so that a case
// never waits on a department nobody answers for.
func (s *Service) departmentSet(tx *sqldb.Tx) (map[string]bool, error) {
	set := map[string]bool{}
	for _, cl := range s.Catalogue.Clauses() {
		for _, d := range cl.Departments() {
			set[d] = true
		}
	}
	users, err := tx.Users()
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		if u.Department != "" && u.Role != duixian.RoleEnterprise {
			set[u.Department] = true
		}
	}
	settings, err := tx.Departments()
	if err != nil {
		return nil, err
	}
	for _, d := range settings {
		set[d.Name] = true
	}
	return set, nil
}

func sorted(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for d := range set {
		out = append(out, d)
	}
	sort.Strings(out)
	return out
}

// Departments lists the departments the platform knows with their
// settings, by name.
func (s *Service) Departments(ctx context.Context) ([]duixian.Department, error) {
	var out []duixian.Department
	err := s.DB.Read(ctx, func(tx *sqldb.Tx) error {
		set, err := s.departmentSet(tx)
		if err != nil {
			return err
		}
		for _, name := range sorted(set) {
			d, _, err := tx.Department(name)
			if err != nil {
				return err
			}
			out = append(out, d)
		}
		return nil
	})
	return out, err
}

// SetDepartment writes a known department's settings (administrators),
// with an audit entry.
func (s *Service) SetDepartment(ctx context.Context, actor duixian.Actor, d duixian.Department) error {
	if actor.Role != duixian.RoleAdmin {
		return duixian.Forbidden("只有管理员可以设置部门", "only administrators change a department's settings")
	}
	d.Name = strings.TrimSpace(d.Name)
	return s.DB.Tx(ctx, func(tx *sqldb.Tx) error {
		set, err := s.departmentSet(tx)
		if err != nil {
			return err
		}
		if !set[d.Name] {
			return duixian.Errorf(duixian.EINVALID, "name", "平台没有部门“%[1]s”；已有部门：%[2]s", "the platform has no department %[1]q; it has: %[3]s",
				d.Name, strings.Join(sorted(set), "、"), strings.Join(sorted(set), ", "))
		}
		for i, name := range d.PlanApprovers {
			name = strings.TrimSpace(name)
			u, err := tx.User(name)
			if duixian.ErrorCode(err) == duixian.ENOTFOUND || err == nil && (u.Role != duixian.RoleReviewer || u.Disabled) {
				return duixian.Errorf(duixian.EINVALID, "plan_approvers", "批准建议方案的须为在用的审核人员账号，“%s”不是", "a plan approver must be an active reviewer's account; %q is not", name)
			}
			if err != nil {
				return err
			}
			d.PlanApprovers[i] = name
		}
		old, _, err := tx.Department(d.Name)
		if err != nil {
			return err
		}
		if err := tx.PutDepartment(d); err != nil {
			return err
		}
		return tx.Audit(s.desk().Entry(actor, "department-settings", d.Name, dutiesOf(old), dutiesOf(d)))
	})
}

// dutiesOf says, for the audit log, how a department's duties are split.
func dutiesOf(d duixian.Department) string {
	out := "职责分离：拟定金额者不得批准、拨付"
	if d.SelfApproval {
		out = "拟定金额者可批准、拨付（职责分离已关闭）"
	}
	if len(d.PlanApprovers) > 0 {
		out += "；建议方案由" + strings.Join(d.PlanApprovers, "、") + "批准"
	}
	return out
}

// proposer is who proposed a's amount: the application says so since it
// keeps the name; before, the audit log's propose entry did.
func proposer(tx *sqldb.Tx, a *duixian.Application) (string, error) {
	if a.ProposedBy != "" || a.Proposed == 0 {
		return a.ProposedBy, nil
	}
	log, err := tx.AuditLog(a.ID)
	if err != nil {
		return "", err
	}
	for i := len(log) - 1; i >= 0; i-- {
		if log[i].Action == "propose" {
			return log[i].Actor.User, nil
		}
	}
	return "", nil
}

// separated refuses actor approving or paying an amount they proposed
// (separation of duties), unless the department responsible for the
// clause turned it off — every one of them, for a clause two share.
func (s *Service) separated(tx *sqldb.Tx, actor duixian.Actor, a *duixian.Application, zh, en string) error {
	by, err := proposer(tx, a)
	if err != nil || by != actor.User {
		return err
	}
	if cl, ok := s.Catalogue.Clause(a.Clause); ok {
		self := true
		for _, name := range cl.Departments() {
			d, _, err := tx.Department(name)
			if err != nil {
				return err
			}
			self = self && d.SelfApproval
		}
		if self {
			return nil
		}
	}
	return duixian.Errorf(duixian.EFORBIDDEN, "actor", "职责分离：金额由您拟定，须由他人%[1]s", "separation of duties: you proposed the amount, so someone else must %[2]s it", zh, en)
}
