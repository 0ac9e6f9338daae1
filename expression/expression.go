// Package expression compiles the conditions and formulas of the catalogue.
//
// The language is CEL (cel.dev/cel-go) with one addition: a decimal type,
// so that amounts, areas and rates stay exact. A fact of type decimal or money
// is a decimal inside an expression; integer and decimal literals mix with it
// (`area_m2 >= 30`, `30 <= area_m2`, `publication_area_m2 * 2 >
// business_area_m2`, `premium * 0.5`, `1 - share`).
//
// A fact of type date is a date: dates compare with < <= > >= == !=, and
// full_years(a, b), full_months(a, b) and days_between(a, b) count the time
// from a to b as the Civil Code counts it (duixian.FullMonths); add_years
// and add_months move a date; date("2025-01-01") is a date literal; and
// known(d) is false for an optional date nobody gave. Every expression may
// read event_date (the day the claimed event happened) and as_of (the day
// the decision is made).
//
// Every expression is compiled and type-checked against the facts it may use
// when the catalogue loads; an unknown fact, a type error, floating-point
// arithmetic or an expression whose worst-case cost exceeds MaxCost is an
// error at load time, never at evaluation time.
package expression

import (
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/checker"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
	"cel.dev/cel-go/interpreter"
	"github.com/etown/duixian"
	"github.com/govalues/decimal"
)

// Type is the type of a fact as expressions see it.
type Type int

const (
	Bool Type = iota + 1
	Int
	Decimal
	String
	StringList
	// Number accepts an int or a decimal result (a count of events, a
	// capacity in kW); Program.Decimal widens it.
	Number
	// Date is a civil date in Shanghai (duixian.Date); the zero date is an
	// optional date nobody gave.
	Date
)

// The dates every expression may read, besides the facts.
const (
	EventDate = "event_date"
	AsOf      = "as_of"
)

func (t Type) String() string {
	switch t {
	case Bool:
		return "bool"
	case Int:
		return "int"
	case Decimal:
		return "decimal"
	case String:
		return "string"
	case StringList:
		return "list(string)"
	case Number:
		return "int or decimal"
	case Date:
		return "date"
	}
	return "unknown"
}

func (t Type) cel() *cel.Type {
	switch t {
	case Bool:
		return cel.BoolType
	case Int:
		return cel.IntType
	case Decimal:
		return decimalType
	case String:
		return cel.StringType
	case StringList:
		return cel.ListType(cel.StringType)
	case Date:
		return dateType
	}
	return cel.DynType
}

// MaxCost bounds the worst-case cost of one expression, as CEL estimates it
// with every list at its declared maximum length.
const MaxCost = 100000

// MaxListLen is the longest list a fact may hold, for the cost estimate; the
// engine refuses longer input.
const MaxListLen = 1000

var (
	decimalType    = cel.OpaqueType("decimal")
	decimalRuntime = types.NewObjectType("decimal",
		traits.AdderType, traits.SubtractorType, traits.MultiplierType,
		traits.DividerType, traits.ComparerType, traits.NegatorType)
)

var (
	dateType    = cel.OpaqueType("date")
	dateRuntime = types.NewObjectType("date", traits.ComparerType)
)

// Day is a date inside an expression.
type Day struct{ D duixian.Date }

func (x Day) ConvertToNative(t reflect.Type) (any, error) {
	if t == reflect.TypeOf(duixian.Date{}) {
		return x.D, nil
	}
	return nil, fmt.Errorf("date cannot become %v", t)
}

func (x Day) ConvertToType(t ref.Type) ref.Val {
	switch t {
	case types.StringType:
		return types.String(x.D.String())
	case types.TypeType:
		return dateRuntime
	}
	return types.NewErr("date cannot be converted to %v", t)
}

func (x Day) Equal(o ref.Val) ref.Val {
	y, ok := o.(Day)
	return types.Bool(ok && x.D == y.D)
}

func (x Day) Type() ref.Type { return dateRuntime }
func (x Day) Value() any     { return x.D }

func (x Day) Compare(o ref.Val) ref.Val {
	y, ok := o.(Day)
	if !ok {
		return types.NewErr("cannot compare a date with %v", o.Type())
	}
	if err := given(x, y); err != nil {
		return err
	}
	return types.Int(compareDates(x.D, y.D))
}

func compareDates(a, b duixian.Date) int {
	switch {
	case a.Before(b):
		return -1
	case b.Before(a):
		return 1
	}
	return 0
}

// given refuses to reason with an optional date nobody gave: a condition
// must test known(d) first.
func given(days ...Day) ref.Val {
	for _, d := range days {
		if d.D.IsZero() {
			return types.NewErr("an optional date was not given; test known(…) first")
		}
	}
	return nil
}

// Dec is a decimal value inside an expression.
type Dec struct{ D decimal.Decimal }

func (x Dec) ConvertToNative(t reflect.Type) (any, error) {
	if t == reflect.TypeOf(decimal.Decimal{}) {
		return x.D, nil
	}
	return nil, fmt.Errorf("decimal cannot become %v", t)
}

func (x Dec) ConvertToType(t ref.Type) ref.Val {
	switch t {
	case types.StringType:
		return types.String(x.D.String())
	case types.TypeType:
		return decimalRuntime
	}
	return types.NewErr("decimal cannot be converted to %v", t)
}

func (x Dec) Equal(o ref.Val) ref.Val {
	y, ok := asDecimal(o)
	if !ok {
		return types.False
	}
	return types.Bool(x.D.Cmp(y) == 0)
}

func (x Dec) Type() ref.Type { return decimalRuntime }
func (x Dec) Value() any     { return x.D }

func (x Dec) Add(o ref.Val) ref.Val      { return arith(x, o, decimal.Decimal.Add) }
func (x Dec) Subtract(o ref.Val) ref.Val { return arith(x, o, decimal.Decimal.Sub) }
func (x Dec) Multiply(o ref.Val) ref.Val { return arith(x, o, decimal.Decimal.Mul) }
func (x Dec) Divide(o ref.Val) ref.Val   { return arith(x, o, decimal.Decimal.Quo) }
func (x Dec) Negate() ref.Val            { return Dec{x.D.Neg()} }

func (x Dec) Compare(o ref.Val) ref.Val {
	y, ok := asDecimal(o)
	if !ok {
		return types.NewErr("cannot compare decimal with %v", o.Type())
	}
	return types.Int(x.D.Cmp(y))
}

func arith(x Dec, o ref.Val, f func(a, b decimal.Decimal) (decimal.Decimal, error)) ref.Val {
	y, ok := asDecimal(o)
	if !ok {
		return types.NewErr("no decimal arithmetic with %v", o.Type())
	}
	r, err := f(x.D, y)
	if err != nil {
		return types.NewErr("decimal arithmetic: %v", err)
	}
	return Dec{r}
}

// asDecimal widens the right operand. A double can only be a literal (the
// checker rejects any other double), and the shortest decimal that formats
// back to the same double is the literal as written: 0.29 stays 0.29.
func asDecimal(v ref.Val) (decimal.Decimal, bool) {
	switch t := v.(type) {
	case Dec:
		return t.D, true
	case types.Int:
		d, err := decimal.New(int64(t), 0)
		return d, err == nil
	case types.Double:
		d, err := decimal.Parse(strconv.FormatFloat(float64(t), 'f', -1, 64))
		return d, err == nil
	case types.String: // decimal("…"), written exactly
		d, err := decimal.Parse(string(t))
		return d, err == nil
	}
	return decimal.Decimal{}, false
}

// Env declares the facts an expression may use.
type Env struct {
	env  *cel.Env
	vars map[string]Type
}

// NewEnv declares vars, by name, besides event_date and as_of.
func NewEnv(vars map[string]Type) (*Env, error) {
	vars = maps.Clone(vars)
	vars[EventDate], vars[AsOf] = Date, Date
	opts := append(decimalLibrary(), cel.CrossTypeNumericComparisons(false))
	opts = append(opts, dateLibrary()...)
	for name, t := range vars {
		opts = append(opts, cel.Variable(name, t.cel()))
	}
	e, err := cel.NewEnv(opts...)
	if err != nil {
		return nil, err
	}
	return &Env{env: e, vars: vars}, nil
}

// Extend returns an environment that also declares more vars (the fields of
// a record, inside a rule that runs once per record).
func (e *Env) Extend(more map[string]Type) (*Env, error) {
	all := make(map[string]Type, len(e.vars)+len(more))
	for k, v := range e.vars {
		all[k] = v
	}
	for k, v := range more {
		all[k] = v
	}
	return NewEnv(all)
}

func decimalLibrary() []cel.EnvOption {
	D := decimalType
	var opts []cel.EnvOption
	sig := func(op, name string, result *cel.Type, pairs ...[2]*cel.Type) {
		var ovs []cel.FunctionOpt
		for i, p := range pairs {
			ovs = append(ovs, cel.Overload(fmt.Sprintf("%s_decimal_%d", name, i), []*cel.Type{p[0], p[1]}, result))
		}
		opts = append(opts, cel.Function(op, ovs...))
	}
	mixed := [][2]*cel.Type{{D, D}, {D, cel.IntType}, {D, cel.DoubleType}}
	arith := map[string]string{
		operators.Add: "add", operators.Subtract: "subtract",
		operators.Multiply: "multiply", operators.Divide: "divide",
	}
	compare := map[string]string{
		operators.Less: "less", operators.LessEquals: "less_equals",
		operators.Greater: "greater", operators.GreaterEquals: "greater_equals",
	}
	for op, name := range arith {
		sig(op, name, D, mixed...)
	}
	for op, name := range compare {
		sig(op, name, cel.BoolType, mixed...)
	}
	opts = append(opts, cel.Function(operators.Negate,
		cel.Overload("negate_decimal", []*cel.Type{D}, D)))
	// decimal(x) lifts an int fact into decimal arithmetic; decimal("0.1…")
	// reads a literal with more digits than a float64 keeps, exactly.
	opts = append(opts, cel.Function("decimal",
		cel.Overload("decimal_int", []*cel.Type{cel.IntType}, D,
			cel.UnaryBinding(func(v ref.Val) ref.Val {
				d, _ := asDecimal(v)
				return Dec{d}
			})),
		cel.Overload("decimal_string", []*cel.Type{cel.StringType}, D,
			cel.UnaryBinding(func(v ref.Val) ref.Val {
				d, ok := asDecimal(v)
				if !ok {
					return types.NewErr("decimal(%q): not a decimal number", v)
				}
				return Dec{d}
			}))))
	// max/min of two decimals, for "the lower of" formulas.
	opts = append(opts, cel.Function("min",
		cel.Overload("min_decimal", []*cel.Type{D, D}, D,
			cel.BinaryBinding(func(a, b ref.Val) ref.Val {
				return Dec{a.(Dec).D.Min(b.(Dec).D)}
			}))))
	opts = append(opts, cel.Function("max",
		cel.Overload("max_decimal", []*cel.Type{D, D}, D,
			cel.BinaryBinding(func(a, b ref.Val) ref.Val {
				return Dec{a.(Dec).D.Max(b.(Dec).D)}
			}))))
	return opts
}

func dateLibrary() []cel.EnvOption {
	D := dateType
	var opts []cel.EnvOption
	for op, name := range map[string]string{
		operators.Less: "less", operators.LessEquals: "less_equals",
		operators.Greater: "greater", operators.GreaterEquals: "greater_equals",
	} {
		opts = append(opts, cel.Function(op, cel.Overload(name+"_date", []*cel.Type{D, D}, cel.BoolType)))
	}
	count := func(name string, f func(a, b duixian.Date) int) cel.EnvOption {
		return cel.Function(name, cel.Overload(name+"_date_date", []*cel.Type{D, D}, cel.IntType,
			cel.BinaryBinding(func(a, b ref.Val) ref.Val {
				x, y := a.(Day), b.(Day)
				if err := given(x, y); err != nil {
					return err
				}
				return types.Int(f(x.D, y.D))
			})))
	}
	move := func(name string, months int) cel.EnvOption {
		return cel.Function(name, cel.Overload(name+"_date_int", []*cel.Type{D, cel.IntType}, D,
			cel.BinaryBinding(func(a, n ref.Val) ref.Val {
				x := a.(Day)
				if err := given(x); err != nil {
					return err
				}
				k := int64(n.(types.Int))
				if k > 12000 || k < -12000 {
					return types.NewErr("%s: %d is out of range", name, k)
				}
				return Day{x.D.AddMonths(months * int(k))}
			})))
	}
	opts = append(opts,
		count("full_years", duixian.FullYears),
		count("full_months", duixian.FullMonths),
		count("days_between", duixian.DaysBetween),
		move("add_years", 12),
		move("add_months", 1),
		cel.Function("date", cel.Overload("date_string", []*cel.Type{cel.StringType}, D,
			cel.UnaryBinding(func(v ref.Val) ref.Val {
				d, err := duixian.ParseDate(string(v.(types.String)))
				if err != nil {
					return types.NewErr("date(%q): not a date YYYY-MM-DD", v)
				}
				return Day{d}
			}))),
		cel.Function("known", cel.Overload("known_date", []*cel.Type{D}, cel.BoolType,
			cel.UnaryBinding(func(v ref.Val) ref.Val { return types.Bool(!v.(Day).D.IsZero()) }))),
	)
	return opts
}

// Program is a compiled expression.
type Program struct {
	ast    *ast.AST
	Source string
	// Vars are the facts the expression reads, in order of first use;
	// event_date and as_of are the claim's, not facts, and not among them.
	Vars []string
	// ReadsEventDate reports whether the expression reads event_date.
	ReadsEventDate bool
	prg            cel.Program
	out            Type
}

// CompileError locates a problem inside one expression.
type CompileError struct {
	Line, Column int // 1-based, within the expression source
	Message      string
}

func (e *CompileError) Error() string {
	return fmt.Sprintf("%d:%d: %s", e.Line, e.Column, e.Message)
}

// amountLiteral is an amount written as the gazette writes it inside an
// expression: 3000万元, 1.5亿元, 2500元. CEL has no such token, so the
// rewrite to a plain number of yuan cannot change the meaning of anything else.
var amountLiteral = regexp.MustCompile(`(\d+(?:\.\d+)?)(亿元|万元|元)`)

func rewriteAmounts(src string) (string, error) {
	var bad error
	out := amountLiteral.ReplaceAllStringFunc(src, func(m string) string {
		parts := amountLiteral.FindStringSubmatch(m)
		d, err := decimal.Parse(parts[1])
		if err != nil {
			bad = err
			return m
		}
		scale := map[string]int64{"亿元": 100000000, "万元": 10000, "元": 1}[parts[2]]
		v, err := d.Mul(decimal.MustNew(scale, 0))
		if err != nil {
			bad = err
			return m
		}
		v = v.Trim(0)
		if v.Scale() > 0 && v.Prec() > 15 {
			bad = fmt.Errorf("%s has more digits than a literal keeps exactly", m)
			return m
		}
		return v.String() // a fraction is read back exactly by asDecimal
	})
	return out, bad
}

// exactLiterals rewrites each fractional literal that a float64 cannot hold
// exactly (0.12345678901234567891 would become 0.12345678901234568) as
// decimal("…"), which is read exactly. Literals a float64 round-trips are
// left as written: the shortest decimal that formats back to the same
// double is the literal itself, and asDecimal recovers it.
func (e *Env) exactLiterals(text string) (string, error) {
	parsed, iss := e.env.Parse(text)
	if iss.Err() != nil {
		return text, nil // the compile that follows reports it
	}
	var tooLong error
	a := parsed.NativeRep()
	type edit struct{ start, stop int }
	var edits []edit
	ast.PostOrderVisit(a.Expr(), ast.NewExprVisitor(func(x ast.Expr) {
		if x.Kind() != ast.LiteralKind {
			return
		}
		f, ok := x.AsLiteral().(types.Double)
		if !ok {
			return
		}
		r, ok := a.SourceInfo().GetOffsetRange(x.ID())
		if !ok || r.Start < 0 || int(r.Stop) > len(text) || r.Start >= r.Stop {
			return
		}
		lit := text[r.Start:r.Stop]
		if digits := strings.TrimLeft(strings.ReplaceAll(lit, ".", ""), "0"); len(digits) > decimal.MaxPrec && tooLong == nil {
			loc := a.SourceInfo().GetStartLocation(x.ID())
			tooLong = &CompileError{Line: loc.Line(), Column: loc.Column() + 1,
				Message: fmt.Sprintf("literal %s has more than %d significant digits, the most a decimal holds exactly", lit, decimal.MaxPrec)}
		}
		written, err := decimal.Parse(lit)
		if err != nil {
			return
		}
		if kept, ok := asDecimal(f); ok && kept.Cmp(written) != 0 {
			edits = append(edits, edit{int(r.Start), int(r.Stop)})
		}
	}))
	slices.SortFunc(edits, func(x, y edit) int { return y.start - x.start })
	for _, ed := range edits {
		text = text[:ed.start] + `decimal("` + text[ed.start:ed.stop] + `")` + text[ed.stop:]
	}
	return text, tooLong
}

// Compile parses and type-checks src, which must produce a value of type want.
func (e *Env) Compile(src string, want Type) (*Program, error) {
	text, err := rewriteAmounts(src)
	if err != nil {
		return nil, &CompileError{Line: 1, Column: 1, Message: "amount: " + err.Error()}
	}
	if text, err = e.exactLiterals(text); err != nil {
		return nil, err
	}
	checked, iss := e.env.Compile(text)
	// A number on the left of a decimal (30 <= area_m2, 1 - share) reads
	// as the text does: the number is lifted into decimal(…) and checked
	// again, once per such operator.
	for range 16 {
		if iss.Err() == nil {
			break
		}
		lifted, ok := e.liftLeftNumber(text, iss.Errors()[0])
		if !ok {
			break
		}
		text = lifted
		checked, iss = e.env.Compile(text)
	}
	if iss.Err() != nil {
		errs := iss.Errors()
		first := errs[0]
		loc := first.Location
		msg := first.Message
		msg = plainWords(msg)
		return nil, &CompileError{Line: loc.Line(), Column: loc.Column() + 1, Message: msg}
	}
	if got := checked.OutputType(); !got.IsExactType(want.cel()) && !(want == Number && (got.IsExactType(decimalType) || got.IsExactType(cel.IntType))) {
		return nil, &CompileError{Line: 1, Column: 1,
			Message: fmt.Sprintf("expression gives %v, expected %v", describe(got), want)}
	}
	if err := noFloat(checked.NativeRep()); err != nil {
		return nil, err
	}
	if err := dateLiterals(checked.NativeRep()); err != nil {
		return nil, err
	}
	est, err := e.env.EstimateCost(checked, sizeEstimator{})
	if err != nil {
		return nil, &CompileError{Line: 1, Column: 1, Message: "cost estimate: " + err.Error()}
	}
	if est.Max > MaxCost {
		return nil, &CompileError{Line: 1, Column: 1,
			Message: fmt.Sprintf("worst-case cost %d exceeds the limit %d", est.Max, MaxCost)}
	}
	prg, err := e.env.Program(checked, cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		return nil, &CompileError{Line: 1, Column: 1, Message: err.Error()}
	}
	vars := referenced(checked.NativeRep(), e.vars)
	return &Program{ast: checked.NativeRep(), Source: src, Vars: vars, ReadsEventDate: readsIdent(checked.NativeRep(), EventDate),
		prg: prg, out: want}, nil
}

func describe(t *cel.Type) string {
	if t.IsExactType(decimalType) {
		return "decimal"
	}
	if t.IsExactType(dateType) {
		return "date"
	}
	return t.String()
}

// noFloat rejects any floating-point value other than a literal operand of
// decimal arithmetic: 0.1 + 0.2 would be computed in binary floating point.
func noFloat(a *ast.AST) error {
	var bad ast.Expr
	info := a.SourceInfo()
	ast.PostOrderVisit(a.Expr(), ast.NewExprVisitor(func(e ast.Expr) {
		if bad != nil {
			return
		}
		if a.GetType(e.ID()).Kind() == types.DoubleKind && e.Kind() != ast.LiteralKind {
			bad = e
		}
	}))
	if bad == nil {
		return nil
	}
	loc := info.GetStartLocation(bad.ID())
	return &CompileError{Line: loc.Line(), Column: loc.Column() + 1,
		Message: "floating-point arithmetic is not allowed; put a decimal fact on the left (area_m2 * 0.5)"}
}

var overloadRE = regexp.MustCompile(`found no matching overload for '_?([^']*?)_?' applied to '\((.*)\)'`)

var operatorWords = map[string]string{"<": "<", "<=": "<=", ">": ">", ">=": ">=", "==": "==", "!=": "!=",
	"+": "+", "-": "-", "*": "*", "/": "/", "%": "%", "&&": "&&", "||": "||", "!": "!"}

// plainWords says a CEL type error in words a policy author knows.
func plainWords(msg string) string {
	if strings.HasPrefix(msg, "undeclared reference to") {
		return "unknown fact: " + strings.TrimPrefix(msg, "undeclared reference to ")
	}
	m := overloadRE.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	op, args := m[1], m[2]
	if _, ok := operatorWords[op]; !ok {
		return fmt.Sprintf("%s cannot take (%s): check the kinds of its arguments", op, args)
	}
	hint := ""
	switch {
	case strings.Contains(args, "int") && (strings.Contains(args, "decimal") || strings.Contains(args, "double")):
		hint = "; a whole number meets a decimal here: write decimal(…) around the whole-number side, e.g. decimal(books * 10)"
	case strings.Contains(args, "date"):
		hint = "; dates compare with dates and count with full_years, full_months or days_between"
	case strings.Contains(args, "string") && strings.Contains(args, "list"):
		hint = `; to test membership write "value" in the_set`
	}
	return fmt.Sprintf("%s cannot combine %s%s", op, strings.ReplaceAll(args, ", ", " and "), hint)
}

var (
	leftNumberRE  = regexp.MustCompile(`no matching overload for '_[-+*/<>=]+_' applied to '\((int|double), decimal\)'`)
	rightNumberRE = regexp.MustCompile(`no matching overload for '_[!=]=_' applied to '\(decimal, (int|double)\)'`)
)

// liftLeftNumber rewrites the number operand of the operator a type error
// points at, a literal or an int fact, as decimal(…): the only thing CEL
// lacks to read "30 <= area_m2" or "area_m2 == 100". Anything else is left
// for the error to report.
func (e *Env) liftLeftNumber(text string, ce *cel.Error) (string, bool) {
	side := 0
	switch {
	case leftNumberRE.MatchString(ce.Message):
	case rightNumberRE.MatchString(ce.Message):
		side = 1
	default:
		return "", false
	}
	parsed, iss := e.env.Parse(text)
	if iss.Err() != nil {
		return "", false
	}
	a := parsed.NativeRep()
	var start, stop int32 = -1, -1
	var literal string
	ast.PreOrderVisit(a.Expr(), ast.NewExprVisitor(func(x ast.Expr) {
		if start >= 0 || x.Kind() != ast.CallKind || len(x.AsCall().Args()) != 2 {
			return
		}
		loc := a.SourceInfo().GetStartLocation(x.ID())
		if loc.Line() != ce.Location.Line() || loc.Column() != ce.Location.Column() {
			return
		}
		num := x.AsCall().Args()[side]
		if num.Kind() != ast.LiteralKind && num.Kind() != ast.IdentKind {
			return
		}
		r, ok := a.SourceInfo().GetOffsetRange(num.ID())
		if !ok || r.Start < 0 || int(r.Stop) > len(text) || r.Start >= r.Stop {
			return
		}
		start, stop = r.Start, r.Stop
		literal = text[r.Start:r.Stop]
	}))
	if start < 0 {
		return "", false
	}
	lifted := "decimal(" + literal + ")"
	if strings.ContainsAny(literal, ".eE") { // a fraction, read exactly
		lifted = `decimal("` + literal + `")`
	}
	return text[:start] + lifted + text[stop:], true
}

// Compared is a fact compared with a text literal: mode == "online",
// "little-giant" in titles, mode in ["online", "hybrid"]. The catalogue
// checks the literal is one of the fact's declared values.
type Compared struct {
	Fact, Value  string
	Line, Column int
}

// Compared lists the facts the expression compares with text literals.
func (p *Program) Compared() []Compared {
	var out []Compared
	a := p.ast
	add := func(ident, lit ast.Expr) {
		if ident.Kind() != ast.IdentKind || lit.Kind() != ast.LiteralKind {
			return
		}
		if v, ok := lit.AsLiteral().(types.String); ok {
			loc := a.SourceInfo().GetStartLocation(lit.ID())
			out = append(out, Compared{Fact: ident.AsIdent(), Value: string(v), Line: loc.Line(), Column: loc.Column() + 1})
		}
	}
	ast.PreOrderVisit(a.Expr(), ast.NewExprVisitor(func(x ast.Expr) {
		if x.Kind() != ast.CallKind || len(x.AsCall().Args()) != 2 {
			return
		}
		l, r := x.AsCall().Args()[0], x.AsCall().Args()[1]
		switch x.AsCall().FunctionName() {
		case operators.Equals, operators.NotEquals:
			add(l, r)
			add(r, l)
		case operators.In:
			add(r, l) // "value" in set_fact
			if r.Kind() == ast.ListKind {
				for _, el := range r.AsList().Elements() {
					add(l, el) // enum_fact in ["a", "b"]
				}
			}
		}
	}))
	return out
}

// dateLiterals reads every date("…") when the catalogue loads, so that a
// mistyped date is a load error and never an evaluation error.
func dateLiterals(a *ast.AST) error {
	var bad error
	ast.PostOrderVisit(a.Expr(), ast.NewExprVisitor(func(e ast.Expr) {
		if bad != nil || e.Kind() != ast.CallKind || e.AsCall().FunctionName() != "date" || len(e.AsCall().Args()) != 1 {
			return
		}
		arg := e.AsCall().Args()[0]
		loc := a.SourceInfo().GetStartLocation(e.ID())
		s, ok := arg.AsLiteral().(types.String)
		if arg.Kind() != ast.LiteralKind || !ok {
			bad = &CompileError{Line: loc.Line(), Column: loc.Column() + 1, Message: "date(…) takes a literal date such as date(\"2025-01-01\")"}
			return
		}
		if _, err := duixian.ParseDate(string(s)); err != nil {
			bad = &CompileError{Line: loc.Line(), Column: loc.Column() + 1, Message: err.Error()}
		}
	}))
	return bad
}

func readsIdent(a *ast.AST, name string) bool {
	found := false
	ast.PreOrderVisit(a.Expr(), ast.NewExprVisitor(func(e ast.Expr) {
		found = found || (e.Kind() == ast.IdentKind && e.AsIdent() == name)
	}))
	return found
}

func referenced(a *ast.AST, vars map[string]Type) []string {
	var out []string
	seen := map[string]bool{}
	ast.PreOrderVisit(a.Expr(), ast.NewExprVisitor(func(e ast.Expr) {
		if e.Kind() == ast.IdentKind {
			n := e.AsIdent()
			if _, ok := vars[n]; ok && !seen[n] && n != EventDate && n != AsOf {
				seen[n] = true
				out = append(out, n)
			}
		}
	}))
	return out
}

type sizeEstimator struct{}

func (sizeEstimator) EstimateSize(element checker.AstNode) *checker.SizeEstimate {
	if element.Type().IsExactType(decimalType) || element.Type().IsExactType(dateType) {
		return &checker.SizeEstimate{Min: 1, Max: 1} // a decimal is a fixed 16 bytes
	}
	if element.Type().Kind() == types.ListKind || element.Type().Kind() == types.StringKind {
		return &checker.SizeEstimate{Min: 0, Max: MaxListLen}
	}
	return nil
}

func (sizeEstimator) EstimateCallCost(function, overloadID string, target *checker.AstNode, args []checker.AstNode) *checker.CallEstimate {
	return nil
}

// Eval runs the program through CEL. Errors at this point are arithmetic
// failures such as a division by zero or an overflow beyond 19 digits.
func (p *Program) Eval(a interpreter.Activation) (ref.Val, error) {
	v, _, err := p.prg.Eval(a)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p.Source, err)
	}
	return v, nil
}

// Output is the type the program produces.
func (p *Program) Output() Type { return p.out }
