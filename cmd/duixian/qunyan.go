package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/etown/duixian"
	"github.com/etown/duixian/qunyan"
)

// qunyanUsage is the 群雁 registry's command (not in the top-level usage,
// which this file does not own).
const qunyanUsage = `duixian qunyan recheck [--db duixian.db|postgres://…] [--catalogue DIR] [--json]
    群雁计划动态管理：按26号附则3复核全部成员，有退出情形的自动退出并通知企业
    re-check every 群雁 member against 26号 附则3; members meeting an exit condition leave and are notified`

// runQunyan runs the 群雁 registry's scheduled work. A member whose check
// failed (its facts incomplete, say) is reported and makes the command
// exit 1 after the others are checked.
func runQunyan(args []string, out io.Writer) error {
	if len(args) == 0 || args[0] != "recheck" {
		return duixian.Errorf(duixian.EINVALID, "qunyan", "用法：%s", "usage: %s", "duixian qunyan recheck [--db …] [--catalogue DIR] [--json]")
	}
	fl := flag.NewFlagSet("qunyan recheck", flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	dbPath := fl.String("db", "duixian.db", "SQLite file, or postgres://…")
	dir := fl.String("catalogue", "", "catalogue directory")
	asJSON := fl.Bool("json", false, "write the summary as JSON")
	if err := fl.Parse(args[1:]); err != nil {
		return duixian.Errorf(duixian.EINVALID, "flags", "参数错误：%v", "bad flags: %v", err)
	}
	ctx := context.Background()
	cat, db, err := openCatalogued(ctx, *dir, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	sum, err := qunyan.New(db, cat).RecheckAll(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(out)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(sum); err != nil {
			return err
		}
		return recheckFailures(sum)
	}
	return printRecheck(out, sum)
}

// printRecheck writes a 群雁 re-check's summary for a person and fails when
// a member could not be re-checked.
func printRecheck(out io.Writer, sum *qunyan.Summary) error {
	fmt.Fprintf(out, "复核群雁计划成员 %d 家，自动退出 %d 家 / re-checked %d members, %d left the plan\n",
		sum.Checked, len(sum.Exited), sum.Checked, len(sum.Exited))
	for _, r := range sum.Exited {
		var why []string
		for _, x := range r.Exit.Reasons {
			why = append(why, x.Cite.String())
		}
		fmt.Fprintf(out, "  退出 exited  %s  原等级 %s  依据 %s\n", r.Enterprise, r.Tier, strings.Join(why, "、"))
	}
	return recheckFailures(sum)
}

func recheckFailures(sum *qunyan.Summary) error {
	if len(sum.Failed) == 0 {
		return nil
	}
	var lines []string
	for uscc, msg := range sum.Failed {
		lines = append(lines, "  "+uscc+": "+msg)
	}
	sort.Strings(lines)
	return &checkFailed{fmt.Sprintf("%d 家成员未能复核 / %d members could not be re-checked:\n%s", len(sum.Failed), len(sum.Failed), strings.Join(lines, "\n"))}
}
