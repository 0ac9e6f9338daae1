// Command duixian is the E-Town policy fulfillment platform. It wires the
// catalogue (embedded, or a directory given by --catalogue) to the engine
// and offers the command-line contract other tools rely on:
//
//	duixian catalogue list [--json]
//	duixian catalogue show ID [--json]
//	duixian catalogue lint
//	duixian catalogue test [--json]
//	duixian catalogue coverage
//	duixian eval --clause ID --facts FILE|- [--date YYYY-MM-DD] [--as-of YYYY-MM-DD] [--json]
//	duixian eval --claims FILE|- [--json]
//	duixian serve [--addr 127.0.0.1:8080] [--db duixian.db|postgres://…] [--demo] [--workers 2]
//	duixian worker [--db duixian.db|postgres://…] [--workers 2]
//	duixian audit verify [--db duixian.db|postgres://…]
//	duixian user add|passwd|disable|enable|unlock|reset-second-factor|list …
//	duixian department list|set [--name N --self-approval on|off] [--db …]
//	duixian backup --db duixian.db --out FILE
//
// Exit codes: 0 done; 1 a check failed (lint, cases, coverage); 2 bad input
// (the message names the fact, field or file:line).
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	_ "time/tzdata" // Asia/Shanghai on any host

	"github.com/etown/duixian"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

const usage = `用法 / usage:
  duixian catalogue list [--json]           列出文件与条款 / list documents and clauses
  duixian catalogue show ID [--json]        条款详情：事实、条件、公式与原文 / one clause
  duixian catalogue lint                    检查目录 / check the catalogue
  duixian catalogue test [--json]           运行案例并报告覆盖 / run the cases, report coverage
  duixian catalogue coverage                列出每一条的编码状态 / every article's status
  duixian eval --clause ID --facts FILE|- [--date D] [--as-of D] [--json] [--trace=false]
  duixian eval --claims FILE|- [--json]     一个企业一年的多项申报 / one enterprise's year
  duixian serve [--addr 127.0.0.1:8080] [--db duixian.db|postgres://…] [--demo]
        [--session-max-age 12h] [--second-factor admin|ROLE,…|none] [--registry-activates=false]
        [--trusted-proxy CIDR]… [--metrics-token-file FILE] [--drain 25s] [--debug]
        [--oidc-issuer URL --oidc-client-id ID --oidc-client-secret-file FILE --oidc-redirect-url URL]
        [--oidc-uscc-claim uscc] [--oidc-official-claim preferred_username] [--oidc-scopes openid,profile,email]
        [--oidc-trusted-audiences A,…] [--oidc-post-logout-url URL] [--oidc-second-factor platform|provider]
        [--workers 2] [--job-timeout 5m] [--rescue-after 10m] [--match-daily HH:MM]
                                            启动平台（部署见 docs/deploy.md，统一身份认证见 docs/accounts.md）/ run the platform (docs/deploy.md; single sign-on: docs/accounts.md)
  duixian worker [--db …] [--workers 2] [--job-timeout 5m] [--rescue-after 10m] [--match-daily HH:MM]
                                            任务队列工作进程，可在多台机器上运行 / work the job queue only; run as many as wanted on one PostgreSQL
  duixian audit verify [--db duixian.db|postgres://…]
                                            校验审计日志链 / verify the audit chain
  duixian backup --db duixian.db --out FILE 在线备份 SQLite 并校验副本 / back up SQLite online, check the copy
  duixian match --date D [--as-of D] [--db …] [--clause ID]… [--out FILE.csv|.ndjson|.xlsx [--explain] | --store]
                                            免申即享：比对全部企业与条款 / match every enterprise
  duixian simulate --reform DIR [--date D] [--as-of D] [--db …] [--json] [--out FILE.xlsx] [--movers N] [--full]
                                            政策仿真：现行政策与改革方案对比（docs/simulate.md）/ what a reform would cost
  duixian import [--db …] FILE.csv|FILE.xlsx 导入企业数据（整体生效或整体不生效）/ import enterprise data
  duixian export publicity|disbursement|statistics [--db …] --out FILE.xlsx
                                            导出公示名单、拨付表、统计 / export for printing
  duixian demo-data --enterprises N --seed S [--db …]
                                            生成演示企业数据 / generate a synthetic registry
  duixian qunyan recheck [--db …]           群雁计划动态退出复核 / re-check the 群雁 members
  duixian user add --name N --role R [--display D] [--department D] [--enterprise USCC] --password-stdin [--db …]
                                            新建账户（密码从标准输入读取）/ add an account (password on stdin)
  duixian user passwd --name N --password-stdin [--reset] [--db …]
                                            设置密码；--reset 须在下次登录时修改 / set a password; --reset: changed at next sign-in
  duixian user disable|enable|unlock|reset-second-factor --name N [--db …]
                                            停用、启用、解锁、重置双因素认证 / disable, enable, unlock, reset the second factor
  duixian user list [--json] [--db …]       列出账户 / list the accounts
  duixian department list|set [--name N --self-approval on|off] [--db …]
                                            部门设置：职责分离 / departments: separation of duties
Every command takes --catalogue DIR to use a catalogue directory instead of the built-in one.
`

// exit codes
const (
	exitOK      = 0
	exitFailed  = 1
	exitBadData = 2
)

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitBadData
	}
	if slices.ContainsFunc(args[1:], isHelp) {
		fmt.Fprint(stdout, commandUsage(args[0]))
		return exitOK
	}
	var err error
	switch args[0] {
	case "catalogue":
		err = runCatalogue(args[1:], stdout)
	case "eval":
		err = runEval(args[1:], stdin, stdout, stderr)
	case "serve":
		err = runServe(args[1:], stdout, stderr)
	case "worker":
		err = runWorker(args[1:], stdout)
	case "audit":
		err = runAudit(args[1:], stdout)
	case "backup":
		err = runBackup(args[1:], stdout)
	case "match":
		err = runMatch(args[1:], stdout, stderr)
	case "simulate":
		err = runSimulate(args[1:], stdout, stderr)
	case "qunyan":
		err = runQunyan(args[1:], stdout)
	case "import":
		err = runImport(args[1:], stdout, stderr)
	case "export":
		err = runExport(args[1:], stdout)
	case "demo-data":
		err = runDemoData(args[1:], stdout)
	case "user":
		err = runUser(args[1:], stdin, stdout, stderr)
	case "department":
		err = runDepartment(args[1:], stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "未知命令 %q / unknown command %q\n%s", args[0], args[0], usage)
		return exitBadData
	}
	if err == nil {
		return exitOK
	}
	var e *duixian.Error
	if slices.ContainsFunc(args[1:], func(a string) bool { return a == "--json" || a == "-json" || a == "--json=true" }) && errors.As(err, &e) {
		// A client asked for JSON: the error is JSON too, on the same stream.
		writeJSON(stdout, e)
	} else {
		fmt.Fprintln(stderr, err)
	}
	var failed *checkFailed
	if errors.As(err, &failed) {
		return exitFailed
	}
	switch duixian.ErrorCode(err) {
	case duixian.EINVALID, duixian.ENOTFOUND:
		return exitBadData
	}
	return exitFailed
}

func isHelp(arg string) bool { return arg == "-h" || arg == "-help" || arg == "--help" }

// commandUsage is the part of usage about one command (its lines and their
// continuations), or the whole of it for a command it does not know.
func commandUsage(cmd string) string {
	var b strings.Builder
	b.WriteString("用法 / usage:\n")
	in := false
	for _, line := range strings.Split(usage, "\n") {
		switch {
		case strings.HasPrefix(line, "  duixian "):
			in = strings.HasPrefix(line, "  duixian "+cmd+" ")
		case !strings.HasPrefix(line, "      "):
			in = false
		}
		if in {
			b.WriteString(line + "\n")
		}
	}
	if b.Len() == len("用法 / usage:\n") {
		return usage
	}
	b.WriteString("Every command takes --catalogue DIR to use a catalogue directory instead of the built-in one.\n")
	return b.String()
}

// checkFailed is a check that ran and found problems (as opposed to input
// the command could not use).
type checkFailed struct{ msg string }

func (e *checkFailed) Error() string { return e.msg }
