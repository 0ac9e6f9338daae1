package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
)

func runEval(args []string, stdin io.Reader, out, stderr io.Writer) error {
	fl := flag.NewFlagSet("eval", flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	dir := fl.String("catalogue", "", "catalogue directory")
	clause := fl.String("clause", "", "clause id")
	factsPath := fl.String("facts", "", "facts JSON file, or - for standard input")
	claimsPath := fl.String("claims", "", "claim set JSON file, or - for standard input")
	date := fl.String("date", "", "event date YYYY-MM-DD (default today)")
	asOf := fl.String("as-of", "", "as-of date YYYY-MM-DD (default today)")
	asJSON := fl.Bool("json", false, "JSON output")
	trace := fl.Bool("trace", true, "include the trace")
	if err := fl.Parse(args); err != nil {
		return duixian.Errorf(duixian.EINVALID, "flags", "参数错误：%v", "bad flags: %v", err)
	}
	cat, err := loadCatalogue(*dir)
	if err != nil {
		return err
	}
	opt := engine.Options{Trace: *trace}
	if *claimsPath != "" {
		if *date != "" {
			return duixian.Errorf(duixian.EINVALID, "--date", "--claims 中每项申报自带事项发生日（event_date），不能再给 --date",
				"with --claims each claim gives its own event_date; --date does not apply")
		}
		data, err := readInput(*claimsPath, stdin)
		if err != nil {
			return err
		}
		set, err := cat.DecodeClaimSet(data)
		if err != nil {
			return err
		}
		if *asOf != "" {
			d, err := duixian.ParseDate(*asOf)
			if err != nil {
				return duixian.Errorf(duixian.EINVALID, "--as-of", "日期格式应为 YYYY-MM-DD", "must be a date YYYY-MM-DD")
			}
			if !set.AsOf.IsZero() && set.AsOf != d {
				return duixian.Errorf(duixian.EINVALID, "--as-of", "申报文件的判定日为 %s，与 --as-of %s 不一致", "the claims file's as_of %s differs from --as-of %s", set.AsOf, d)
			}
			set.AsOf = d
		}
		if set.AsOf.IsZero() {
			set.AsOf = duixian.Today()
			fmt.Fprintf(stderr, "注意：未给判定日（--as-of 或 as_of），按今天 %s 判定 / note: no as-of date given; decided as of today, %s\n", set.AsOf, set.AsOf)
		}
		y, err := cat.EvaluateYear(set, opt)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(out, y)
		}
		fmt.Fprintf(out, "%d年度申报合计 %s（%s元）\n", y.Year, y.Total.Wan(), y.Total)
		for _, d := range y.Decisions {
			fmt.Fprintln(out)
			printDecision(out, d)
		}
		return nil
	}
	if *clause == "" || *factsPath == "" {
		return duixian.Errorf(duixian.EINVALID, "--clause", "需要 --clause 与 --facts，或 --claims", "need --clause and --facts, or --claims")
	}
	data, err := readInput(*factsPath, stdin)
	if err != nil {
		return err
	}
	claim := duixian.Claim{Clause: *clause, EventDate: duixian.Today(), AsOf: duixian.Today()}
	if _, ok := cat.Clause(*clause); !ok {
		return duixian.Errorf(duixian.ENOTFOUND, "--clause", "没有条款 %s", "no clause %s", *clause)
	}
	for _, d := range []struct {
		flag, v string
		dst     *duixian.Date
	}{{"--date", *date, &claim.EventDate}, {"--as-of", *asOf, &claim.AsOf}} {
		if d.v == "" {
			// Said, because a past year's document answers "expired" for a
			// claim dated today.
			fmt.Fprintf(stderr, "注意：未给 %s，按今天 %s 计 / note: no %s given; today, %s, is used\n", d.flag, duixian.Today(), d.flag, duixian.Today())
			continue
		}
		if *d.dst, err = duixian.ParseDate(d.v); err != nil {
			return duixian.Errorf(duixian.EINVALID, d.flag, "日期格式应为 YYYY-MM-DD", "must be a date YYYY-MM-DD")
		}
	}
	if claim.Facts, err = cat.DecodeJSONFacts("facts", data); err != nil {
		return err
	}
	// A claim alone is the year's only claim: the rules across a year (21号
	// 第九条's cap at the year's costs) hold for it too, so --clause and a
	// one-claim --claims decide alike.
	// Decided alone first, so a bad fact is named as the claim's, not as
	// claims[0]'s.
	if _, err := cat.Evaluate(claim, engine.Options{}); err != nil {
		return err
	}
	y, err := cat.EvaluateYear(duixian.ClaimSet{Year: claim.EventDate.Year, AsOf: claim.AsOf, Claims: []duixian.Claim{claim}}, opt)
	if err != nil {
		return err
	}
	d := y.Decisions[0]
	if *asJSON {
		return writeJSON(out, d)
	}
	printDecision(out, d)
	return nil
}

func readInput(path string, stdin io.Reader) ([]byte, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, duixian.Errorf(duixian.EINVALID, path, "无法读取：%v", "cannot read: %v", err)
	}
	return data, nil
}

func printDecision(out io.Writer, d duixian.Decision) {
	fmt.Fprintf(out, "%s %s\n适用：%s（版本 %s）；事项发生日 %s；判定日 %s\n", d.Clause, d.Title, d.Document.Number, d.Document.Version, d.EventDate, d.AsOf)
	switch {
	case d.Eligible && d.Outcome != "" && d.Amount == 0:
		// A classification (a 群雁 tier, a land path, an honour) is not
		// about money: it states its outcome below, and no amount.
		fmt.Fprintln(out, "结论：符合")
	case d.Eligible:
		fmt.Fprintf(out, "结论：符合，金额 %s（%s元）", d.Amount.Wan(), d.Amount)
		if d.Batched {
			fmt.Fprintf(out, "，当前可兑现 %s", d.PayableNow.Wan())
		}
		fmt.Fprintln(out)
	default:
		fmt.Fprintln(out, "结论：不符合 / not eligible")
	}
	if d.Outcome != "" {
		fmt.Fprintf(out, "认定结果：%s\n", d.Outcome)
	}
	if len(d.Reasons) > 0 {
		fmt.Fprintln(out, "原因 / reasons:")
		for _, r := range d.Reasons {
			fmt.Fprintf(out, "  - %s（%s）[%s]\n    %s\n", r.Zh, r.Cite, r.Code, r.En)
		}
	}
	if len(d.Trace) > 0 {
		fmt.Fprintln(out, "过程 / trace:")
		for _, s := range d.Trace {
			fmt.Fprintf(out, "  %s\n", s.Text)
		}
	}
}
