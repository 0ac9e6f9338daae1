package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/etown/duixian"
	"github.com/etown/duixian/calendar"
	"github.com/etown/duixian/workflow"
)

// runDepartment lists the departments the platform knows with their
// settings, or changes one's: separation of duties (who proposed an amount
// neither approves nor pays it) is on unless turned off here, and who
// approves its annual plans (another of its officials unless it names
// them). A setting not given is left as it was.
func runDepartment(args []string, out io.Writer) error {
	bad := duixian.Errorf(duixian.EINVALID, "department", "用法：%s", "usage: %s",
		"duixian department list [--db …] | duixian department set --name NAME [--self-approval on|off] [--plan-approvers USER,…|none] [--db …]")
	if len(args) == 0 || args[0] != "list" && args[0] != "set" {
		return bad
	}
	fl := flag.NewFlagSet("department "+args[0], flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	dbPath := fl.String("db", "duixian.db", "SQLite file, or postgres://…")
	dir := fl.String("catalogue", "", "catalogue directory")
	name := fl.String("name", "", "the department")
	self := fl.String("self-approval", "", "on: who proposed an amount may approve and pay it; off: separation of duties")
	approvers := fl.String("plan-approvers", "", "the accounts that approve the department's annual plans, by commas; none: its own officials")
	if err := fl.Parse(args[1:]); err != nil || fl.NArg() > 0 {
		return duixian.Errorf(duixian.EINVALID, "flags", "参数错误：%v", "bad flags: %v", err)
	}
	ctx := context.Background()
	cat, db, err := openCatalogued(ctx, *dir, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	wf := workflow.New(db, cat, calendar.Default())
	depts, err := wf.Departments(ctx)
	if err != nil {
		return err
	}
	if args[0] == "set" {
		d := duixian.Department{Name: *name}
		for _, known := range depts {
			if known.Name == *name {
				d = known
			}
		}
		switch *self {
		case "on":
			d.SelfApproval = true
		case "off":
			d.SelfApproval = false
		case "":
			if *approvers == "" {
				return bad
			}
		default:
			return duixian.Errorf(duixian.EINVALID, "self-approval", "--self-approval 应为 on 或 off，收到“%s”", "--self-approval must be on or off, got %q", *self)
		}
		switch *approvers {
		case "":
		case "none":
			d.PlanApprovers = nil
		default:
			d.PlanApprovers = strings.Split(*approvers, ",")
		}
		if err := wf.SetDepartment(ctx, cliActor(), d); err != nil {
			return err
		}
		if depts, err = wf.Departments(ctx); err != nil {
			return err
		}
	}
	for _, d := range depts {
		if args[0] == "set" && d.Name != *name {
			continue
		}
		duties := "职责分离 separation of duties"
		if d.SelfApproval {
			duties = "拟定者可批准、拨付 self-approval"
		}
		plans := "建议方案由本部门其他人员批准 plans approved within the department"
		if len(d.PlanApprovers) > 0 {
			plans = "建议方案由" + strings.Join(d.PlanApprovers, "、") + "批准 plans approved by " + strings.Join(d.PlanApprovers, ", ")
		}
		fmt.Fprintf(out, "%s\t%s\t%s\n", d.Name, duties, plans)
	}
	return nil
}
