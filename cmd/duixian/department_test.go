package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// Separation of duties is on for every department until an administrator
// turns it off for one, from the command line.
func TestDepartmentCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "d.db")
	code, out, errs := runCmd(t, "", "department", "list", "--db", db)
	if code != 0 || !strings.Contains(out, "宣传文化部\t职责分离") || strings.Contains(out, "self-approval") {
		t.Fatalf("list: %d\n%s\n%s", code, out, errs)
	}
	if code, out, errs = runCmd(t, "", "department", "set", "--name", "宣传文化部", "--self-approval", "on", "--db", db); code != 0 || !strings.HasPrefix(strings.TrimSpace(out), "宣传文化部\t拟定者可批准、拨付 self-approval\t建议方案由本部门其他人员批准") {
		t.Fatalf("set: %d\n%s\n%s", code, out, errs)
	}
	if _, out, _ = runCmd(t, "", "department", "list", "--db", db); !strings.Contains(out, "宣传文化部\t拟定者可批准") || !strings.Contains(out, "商务金融局\t职责分离") {
		t.Fatalf("after set: %s", out)
	}
	for _, args := range [][]string{
		{"department", "set", "--name", "宣传文化司", "--self-approval", "on", "--db", db},
		{"department", "set", "--name", "宣传文化部", "--self-approval", "yes", "--db", db},
		{"department", "drop", "--db", db},
	} {
		if code, _, errs := runCmd(t, "", args...); code != 2 || !strings.Contains(errs, " / ") {
			t.Errorf("%v: exit %d, %q", args, code, errs)
		}
	}
	if _, out, _ = runCmd(t, "", "department", "list", "--db", db); !strings.Contains(out, "宣传文化部\t拟定者可批准") {
		t.Fatalf("a refused set changed the settings: %s", out)
	}

	// Who approves the annual plans: an official's account the department
	// names (the 管委会's), the other setting kept; an unknown one refused.
	if code, _, errs := runCmd(t, "", "department", "set", "--name", "宣传文化部", "--plan-approvers", "nobody", "--db", db); code != 2 || !strings.Contains(errs, "nobody") {
		t.Fatalf("an unknown approver: exit %d, %q", code, errs)
	}
	if code, _, errs := runCmd(t, "secret-password-1\n", "user", "add", "--name", "guanweihui", "--role", "reviewer", "--department", "管委会", "--password-stdin", "--db", db); code != 0 {
		t.Fatalf("user add: %d %s", code, errs)
	}
	if code, out, errs := runCmd(t, "", "department", "set", "--name", "宣传文化部", "--plan-approvers", "guanweihui", "--db", db); code != 0 ||
		!strings.Contains(out, "宣传文化部\t拟定者可批准、拨付 self-approval\t建议方案由guanweihui批准") {
		t.Fatalf("set plan approvers: %d\n%s\n%s", code, out, errs)
	}
	if _, out, _ = runCmd(t, "", "department", "set", "--name", "宣传文化部", "--plan-approvers", "none", "--db", db); !strings.Contains(out, "建议方案由本部门其他人员批准") {
		t.Fatalf("approvers cleared: %s", out)
	}
}
