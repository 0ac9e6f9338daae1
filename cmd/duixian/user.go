package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/etown/duixian"
	"github.com/etown/duixian/account"
)

// runUser manages accounts from the command line, as the operating-system
// user who runs it (cliActor, an administrator): the first administrator of
// an empty database is made here.
func runUser(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError("user", "用法：user add|passwd|disable|enable|unlock|reset-second-factor|list …", "usage: user add|passwd|disable|enable|unlock|reset-second-factor|list …")
	}
	verb := args[0]
	fl := flag.NewFlagSet("user "+verb, flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	dbPath := fl.String("db", "duixian.db", "SQLite file, or postgres://… for PostgreSQL")
	name := fl.String("name", "", "the sign-in name")
	var in account.NewUser
	var role string
	var fromStdin, reset, asJSON bool
	switch verb {
	case "add":
		fl.StringVar(&role, "role", "", "role")
		fl.StringVar(&in.Display, "display", "", "the name shown")
		fl.StringVar(&in.Department, "department", "", "department (officials)")
		fl.StringVar(&in.Enterprise, "enterprise", "", "USCC (enterprise staff)")
		fl.StringVar(&in.Email, "email", "", "e-mail address for notifications (optional)")
		fl.StringVar(&in.Phone, "phone", "", "mobile number for notifications by SMS (optional)")
		fl.BoolVar(&fromStdin, "password-stdin", false, "read the password from standard input")
	case "passwd":
		fl.BoolVar(&fromStdin, "password-stdin", false, "read the password from standard input")
		fl.BoolVar(&reset, "reset", false, "the user must choose a new password at the next sign-in")
	case "list":
		fl.BoolVar(&asJSON, "json", false, "JSON output")
	case "disable", "enable", "unlock", "reset-second-factor":
	default:
		return usageError("user", fmt.Sprintf("未知的子命令 %q", verb), fmt.Sprintf("unknown subcommand %q", verb))
	}
	rest, err := parseInterspersed(fl, args[1:])
	if err != nil {
		return badFlags(err)
	}
	if len(rest) == 1 && *name == "" {
		*name = rest[0]
	} else if len(rest) > 0 {
		return usageError("user", fmt.Sprintf("多余的参数 %q", rest), fmt.Sprintf("unexpected arguments %q", rest))
	}
	if verb != "list" && *name == "" {
		return usageError("name", "须指定 --name", "--name is required")
	}
	var pw string
	if verb == "add" || verb == "passwd" {
		if !fromStdin {
			return usageError("password-stdin", "密码只从标准输入读取：须指定 --password-stdin", "the password is read only from standard input: --password-stdin is required")
		}
		if pw, err = readPassword(stdin, stderr); err != nil {
			return err
		}
	}
	ctx := context.Background()
	db, err := openDB(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	return userCommand(ctx, account.New(db, time.Now), verb, *name, role, in, pw, reset, asJSON, stdout)
}

// userCommand does what runUser was asked, on accounts.
func userCommand(ctx context.Context, accounts *account.Service, verb, name, role string, in account.NewUser, pw string, reset, asJSON bool, stdout io.Writer) error {
	actor := cliActor()
	var u *duixian.User
	var err error
	switch verb {
	case "add":
		in.Name, in.Role, in.Password = name, duixian.Role(role), pw
		u, err = accounts.Add(ctx, actor, in)
	case "passwd":
		u, err = accounts.SetPassword(ctx, actor, name, pw, reset)
	case "disable":
		u, err = accounts.Disable(ctx, actor, name)
	case "enable":
		u, err = accounts.Enable(ctx, actor, name)
	case "unlock":
		u, err = accounts.Unlock(ctx, actor, name)
	case "reset-second-factor":
		u, err = accounts.ResetSecondFactor(ctx, actor, name)
	case "list":
		return listUsers(ctx, accounts, actor, asJSON, stdout)
	}
	if err != nil {
		return err
	}
	st := account.StateOf(u, accounts.Now())
	fmt.Fprintf(stdout, "%s（%s）：%s / %s: %s\n", u.Name, u.Role, st.Zh(), u.Name, st)
	return nil
}

func listUsers(ctx context.Context, accounts *account.Service, actor duixian.Actor, asJSON bool, stdout io.Writer) error {
	var all []account.Listed
	for n := 1; ; n++ {
		p, err := accounts.List(ctx, actor, n)
		if err != nil {
			return err
		}
		all = append(all, p.Users...)
		if n >= p.Pages {
			break
		}
	}
	if asJSON {
		type row struct {
			duixian.User
			State        account.State `json:"state"`
			SecondFactor bool          `json:"second_factor"`
		}
		rows := make([]row, 0, len(all))
		for _, u := range all {
			rows = append(rows, row{u.User, u.State, u.SecondFactor})
		}
		return writeJSON(stdout, rows)
	}
	var tw table
	tw.add("NAME", "ROLE", "DEPARTMENT/ENTERPRISE", "STATE", "2FA", "DISPLAY")
	for _, u := range all {
		twofa := "-"
		if u.SecondFactor {
			twofa = "totp"
		}
		tw.add(u.Name, string(u.Role), u.Department+u.Enterprise, string(u.State), twofa, u.Display)
	}
	return tw.write(stdout)
}

// readPassword reads the password from standard input: typed twice, unseen,
// at a terminal; otherwise its first line (a second line, if any, must
// repeat it). Nothing about it is printed.
func readPassword(stdin io.Reader, prompts io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(prompts, "密码 / password: ")
		first, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(prompts)
		if err != nil {
			return "", err
		}
		fmt.Fprint(prompts, "再次输入 / again: ")
		second, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(prompts)
		if err != nil {
			return "", err
		}
		return samePassword(string(first), string(second), true)
	}
	sc := bufio.NewScanner(io.LimitReader(stdin, 64<<10))
	var lines []string
	for sc.Scan() && len(lines) < 3 {
		lines = append(lines, strings.TrimRight(sc.Text(), "\r"))
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	switch len(lines) {
	case 0:
		return samePassword("", "", false)
	case 1:
		return samePassword(lines[0], lines[0], false)
	case 2:
		return samePassword(lines[0], lines[1], true)
	}
	return "", duixian.Errorf(duixian.EINVALID, "password", "标准输入应为一行密码（或相同的两行）", "standard input must hold the password on one line (or the same on two)")
}

func samePassword(first, second string, twice bool) (string, error) {
	switch {
	case first == "":
		return "", duixian.Errorf(duixian.EINVALID, "password", "标准输入中没有密码", "no password on standard input")
	case twice && first != second:
		return "", duixian.Errorf(duixian.EINVALID, "password", "两次输入的密码不一致", "the two passwords differ")
	}
	return first, nil
}
