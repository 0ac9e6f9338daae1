package expression

import (
	"fmt"
	"math"
	"slices"
	"sync/atomic"
	"time"

	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/interpreter"
	"github.com/etown/duixian"
	"github.com/govalues/decimal"
)

// Linking. The catalogue's expressions are small: facts, literals,
// comparisons, decimal arithmetic, && || !, `in`, ?:. Interpreting them
// through CEL costs about 100 ns each, mostly resolving names. Link turns a
// type-checked program into Go closures that read facts from numbered slots.
// Anything outside that subset, and any evaluation that fails (a division by
// zero, an overflow), is handed to CEL, so both paths give the same answer;
// engine tests run every case both ways and compare.

// Interpret forces every linked program through CEL. Tests set it to
// compare the two paths; nothing else should.
var Interpret atomic.Bool

// Value is a fact's value in a slot.
type Value struct {
	k Type
	b bool
	i int64
	d decimal.Decimal
	s string
	l []string
}

// DateValue is a date's slot value, without the boxing ValueOf costs: the
// engine binds the event and as-of dates on every decision.
func DateValue(d duixian.Date) Value { return Value{k: Date, i: packDate(d)} }

// A date is kept in the int field as YYYYMMDD (0: not given), so that a
// slot stays as small as before dates: every evaluation copies slots.
func packDate(d duixian.Date) int64 { return int64(d.Year)*10000 + int64(d.Month)*100 + int64(d.Day) }

func unpackDate(n int64) duixian.Date {
	if n == 0 {
		return duixian.Date{}
	}
	return duixian.Date{Year: int(n / 10000), Month: time.Month(n / 100 % 100), Day: int(n % 100)}
}

// ValueOf converts a Go fact value (bool, int64, decimal.Decimal, string,
// []string, duixian.Date) to a slot value of type t.
func ValueOf(t Type, v any) (Value, error) {
	var out Value
	err := out.Set(t, v)
	return out, err
}

// Set puts a Go fact value into the slot in place, as ValueOf does: an
// evaluation binds every fact of a claim, and a slot is worth not copying.
func (out *Value) Set(t Type, v any) error {
	ok := false
	// Each case writes the whole slot once: clearing it first and then
	// setting a field wrote it twice, for every fact of every decision.
	switch t {
	case Bool:
		var b bool
		b, ok = v.(bool)
		*out = Value{k: t, b: b}
	case Int:
		var n int64
		n, ok = v.(int64)
		*out = Value{k: t, i: n}
	case Decimal:
		var d decimal.Decimal
		d, ok = v.(decimal.Decimal)
		*out = Value{k: t, d: d}
	case String:
		var s string
		s, ok = v.(string)
		*out = Value{k: t, s: s}
	case StringList:
		var l []string
		l, ok = v.([]string)
		*out = Value{k: t, l: l}
	case Date:
		var d duixian.Date
		d, ok = v.(duixian.Date)
		*out = Value{k: t, i: packDate(d)}
	}
	if !ok {
		*out = Value{}
		return fmt.Errorf("value %v (%T) is not of type %v", v, v, t)
	}
	return nil
}

func (v Value) ref() ref.Val {
	switch v.k {
	case Bool:
		return types.Bool(v.b)
	case Int:
		return types.Int(v.i)
	case Decimal:
		return Dec{v.d}
	case String:
		return types.String(v.s)
	case StringList:
		return types.DefaultTypeAdapter.NativeToValue(v.l)
	case Date:
		return Day{unpackDate(v.i)}
	}
	return types.NewErr("unset value")
}

func fromRef(r ref.Val) (Value, error) {
	switch t := r.(type) {
	case types.Bool:
		return Value{k: Bool, b: bool(t)}, nil
	case types.Int:
		return Value{k: Int, i: int64(t)}, nil
	case Dec:
		return Value{k: Decimal, d: t.D}, nil
	case types.Double:
		d, ok := asDecimal(t)
		if ok {
			return Value{k: Decimal, d: d}, nil
		}
	case types.String:
		return Value{k: String, s: string(t)}, nil
	case Day:
		return Value{k: Date, i: packDate(t.D)}, nil
	}
	return Value{}, fmt.Errorf("unexpected result %v", r)
}

// Linked is a program bound to a slot layout: names[fact] is the slot the
// fact's value is in.
type Linked struct {
	p     *Program
	names map[string]int
	// At most one is set, by the program's result type.
	nb boolFn
	nd decFn
}

// Link binds the program to a slot layout.
func (p *Program) Link(names map[string]int) *Linked {
	l := &Linked{p: p, names: names}
	k := linker{a: p.ast, names: names}
	root := p.ast.Expr()
	switch k.kind(root) {
	case Bool:
		l.nb, _ = k.boolean(root)
	case Decimal, Int:
		l.nd, _ = k.dec(root)
	}
	return l
}

// Program is the program before linking.
func (l *Linked) Program() *Program { return l.p }

// Source is the expression as written.
func (l *Linked) Source() string { return l.p.Source }

// Native reports whether the program runs as Go closures.
func (l *Linked) Native() bool { return l.nb != nil || l.nd != nil }

func (l *Linked) interpret(vals []Value) (Value, error) {
	r, err := l.p.Eval(slotActivation{vals: vals, names: l.names})
	if err != nil {
		return Value{}, err
	}
	return fromRef(r)
}

// Bool evaluates a condition.
func (l *Linked) Bool(vals []Value) (bool, error) {
	if l.nb != nil && !Interpret.Load() {
		if b, ok := l.nb(vals); ok {
			return b, nil
		}
	}
	v, err := l.interpret(vals)
	if err != nil {
		return false, err
	}
	if v.k != Bool {
		return false, fmt.Errorf("%s: not a bool", l.p.Source)
	}
	return v.b, nil
}

// Decimal evaluates a formula; an int is widened.
func (l *Linked) Decimal(vals []Value) (decimal.Decimal, error) {
	if l.nd != nil && !Interpret.Load() {
		if d, ok := l.nd(vals); ok {
			return d, nil
		}
	}
	v, err := l.interpret(vals)
	if err != nil {
		return decimal.Decimal{}, err
	}
	if d, ok := widen(v); ok {
		return d, nil
	}
	return decimal.Decimal{}, fmt.Errorf("%s: not a number", l.p.Source)
}

type slotActivation struct {
	vals  []Value
	names map[string]int
}

func (a slotActivation) ResolveName(name string) (any, bool) {
	i, ok := a.names[name]
	if !ok {
		return nil, false
	}
	return a.vals[i].ref(), true
}

func (a slotActivation) Parent() interpreter.Activation { return nil }

type (
	boolFn func([]Value) (bool, bool)
	decFn  func([]Value) (decimal.Decimal, bool)
	intFn  func([]Value) (int64, bool)
	strFn  func([]Value) (string, bool)
	dateFn func([]Value) (duixian.Date, bool)
	listFn func([]Value) ([]string, bool)
)

// linker compiles the subset into typed closures; each reports false when
// an expression is outside it, and each closure reports false when its
// evaluation must be left to CEL (an overflow, a division by zero).
type linker struct {
	a     *ast.AST
	names map[string]int
}

// kind is the slot kind of an expression's checked type (a double can only
// be a literal, read as a decimal).
func (k linker) kind(e ast.Expr) Type {
	t := k.a.GetType(e.ID())
	switch {
	case t.IsExactType(decimalType) || t.Kind() == types.DoubleKind:
		return Decimal
	case t.Kind() == types.BoolKind:
		return Bool
	case t.Kind() == types.IntKind:
		return Int
	case t.Kind() == types.StringKind:
		return String
	case t.Kind() == types.ListKind:
		return StringList
	case t.IsExactType(dateType):
		return Date
	}
	return 0
}

func (k linker) slot(e ast.Expr) (int, bool) {
	if e.Kind() != ast.IdentKind {
		return 0, false
	}
	i, ok := k.names[e.AsIdent()]
	return i, ok
}

func (k linker) call(e ast.Expr) (string, []ast.Expr, bool) {
	if e.Kind() != ast.CallKind || e.AsCall().IsMemberFunction() {
		return "", nil, false
	}
	c := e.AsCall()
	return c.FunctionName(), c.Args(), true
}

func (k linker) boolean(e ast.Expr) (boolFn, bool) {
	if k.kind(e) != Bool {
		return nil, false
	}
	switch e.Kind() {
	case ast.LiteralKind:
		b, ok := e.AsLiteral().(types.Bool)
		return func([]Value) (bool, bool) { return bool(b), true }, ok
	case ast.IdentKind:
		i, ok := k.slot(e)
		return func(v []Value) (bool, bool) { return v[i].b, true }, ok
	}
	fn, args, ok := k.call(e)
	if !ok {
		return nil, false
	}
	switch fn {
	case operators.LogicalAnd, operators.LogicalOr:
		x, ok1 := k.boolean(args[0])
		y, ok2 := k.boolean(args[1])
		if !ok1 || !ok2 {
			return nil, false
		}
		if fn == operators.LogicalAnd {
			return func(v []Value) (bool, bool) {
				l, ok := x(v)
				if !ok || !l {
					return false, ok
				}
				return y(v)
			}, true
		}
		return func(v []Value) (bool, bool) {
			l, ok := x(v)
			if !ok || l {
				return l, ok
			}
			return y(v)
		}, true
	case operators.LogicalNot:
		if args[0].Kind() == ast.IdentKind && k.kind(args[0]) == Bool { // !fact: a third of the conditions, one call instead of two
			i, ok := k.slot(args[0])
			return func(v []Value) (bool, bool) { return !v[i].b, true }, ok
		}
		x, ok := k.boolean(args[0])
		return func(v []Value) (bool, bool) { b, ok := x(v); return !b, ok }, ok
	case operators.Conditional:
		c, ok1 := k.boolean(args[0])
		x, ok2 := k.boolean(args[1])
		y, ok3 := k.boolean(args[2])
		return func(v []Value) (bool, bool) {
			t, ok := c(v)
			if !ok {
				return false, false
			}
			if t {
				return x(v)
			}
			return y(v)
		}, ok1 && ok2 && ok3
	case operators.In:
		if args[0].Kind() == ast.LiteralKind && args[1].Kind() == ast.IdentKind && k.kind(args[1]) == StringList { // "core-60" in zones
			lit, ok1 := args[0].AsLiteral().(types.String)
			i, ok2 := k.slot(args[1])
			return func(v []Value) (bool, bool) { return slices.Contains(v[i].l, string(lit)), true }, ok1 && ok2
		}
		x, ok1 := k.str(args[0])
		y, ok2 := k.list(args[1])
		return func(v []Value) (bool, bool) {
			s, ok1 := x(v)
			l, ok2 := y(v)
			return slices.Contains(l, s), ok1 && ok2
		}, ok1 && ok2
	case operators.Less, operators.LessEquals, operators.Greater, operators.GreaterEquals, operators.Equals, operators.NotEquals:
		return k.compare(fn, args[0], args[1])
	case "known":
		i, ok := k.slot(args[0])
		return func(v []Value) (bool, bool) { return v[i].i != 0, true }, ok
	}
	return nil, false
}

func compareInts(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// holds turns a three-way comparison into the operator's answer.
func holds(op string, c int) bool {
	switch op {
	case operators.Less:
		return c < 0
	case operators.LessEquals:
		return c <= 0
	case operators.Greater:
		return c > 0
	case operators.GreaterEquals:
		return c >= 0
	case operators.Equals:
		return c == 0
	}
	return c != 0
}

// outcomes is the operator's answer for each sign of a three-way
// comparison (index sign+1), worked out once at link time rather than by
// matching the operator's name on every evaluation.
func outcomes(op string) [3]bool { return [3]bool{holds(op, -1), holds(op, 0), holds(op, 1)} }

func (k linker) compare(op string, l, r ast.Expr) (boolFn, bool) {
	kl, kr := k.kind(l), k.kind(r)
	res := outcomes(op)
	if l.Kind() == ast.IdentKind && r.Kind() == ast.IdentKind && kl == kr { // fact against fact: most invariants
		i, ok1 := k.slot(l)
		j, ok2 := k.slot(r)
		switch kl {
		case Decimal:
			return func(v []Value) (bool, bool) { return res[v[i].d.Cmp(v[j].d)+1], true }, ok1 && ok2
		case Int:
			return func(v []Value) (bool, bool) { return res[compareInts(v[i].i, v[j].i)+1], true }, ok1 && ok2
		case Date:
			// Packed YYYYMMDD orders as the dates do; a date not given (0)
			// is left to CEL, which refuses it as date() does.
			return func(v []Value) (bool, bool) {
				a, b := v[i].i, v[j].i
				return res[compareInts(a, b)+1], a != 0 && b != 0
			}, ok1 && ok2
		}
	}
	if l.Kind() == ast.IdentKind && r.Kind() == ast.LiteralKind && kl == kr { // fact against a number: most conditions
		i, ok := k.slot(l)
		switch kl {
		case Decimal:
			d, isDec := asDecimal(r.AsLiteral())
			return func(v []Value) (bool, bool) { return res[v[i].d.Cmp(d)+1], true }, ok && isDec
		case Int:
			n, isInt := r.AsLiteral().(types.Int)
			return func(v []Value) (bool, bool) { return res[compareInts(v[i].i, int64(n))+1], true }, ok && isInt
		}
	}
	switch {
	case kl == Decimal || kr == Decimal:
		x, ok1 := k.dec(l)
		y, ok2 := k.dec(r)
		return func(v []Value) (bool, bool) {
			a, ok1 := x(v)
			b, ok2 := y(v)
			return res[a.Cmp(b)+1], ok1 && ok2
		}, ok1 && ok2
	case kl == Int && kr == Int:
		x, ok1 := k.integer(l)
		y, ok2 := k.integer(r)
		return func(v []Value) (bool, bool) {
			a, ok1 := x(v)
			b, ok2 := y(v)
			return res[compareInts(a, b)+1], ok1 && ok2
		}, ok1 && ok2
	case kl == String && kr == String:
		x, ok1 := k.str(l)
		y, ok2 := k.str(r)
		return func(v []Value) (bool, bool) {
			a, ok1 := x(v)
			b, ok2 := y(v)
			c := 0
			if a < b {
				c = -1
			} else if a > b {
				c = 1
			}
			return res[c+1], ok1 && ok2
		}, ok1 && ok2
	case kl == Date && kr == Date:
		x, ok1 := k.date(l)
		y, ok2 := k.date(r)
		return func(v []Value) (bool, bool) {
			a, ok1 := x(v)
			b, ok2 := y(v)
			return res[compareDates(a, b)+1], ok1 && ok2
		}, ok1 && ok2
	case kl == Bool && kr == Bool && (op == operators.Equals || op == operators.NotEquals):
		x, ok1 := k.boolean(l)
		y, ok2 := k.boolean(r)
		return func(v []Value) (bool, bool) {
			a, ok1 := x(v)
			b, ok2 := y(v)
			return (a == b) == (op == operators.Equals), ok1 && ok2
		}, ok1 && ok2
	}
	return nil, false
}

func (k linker) dec(e ast.Expr) (decFn, bool) {
	switch k.kind(e) {
	case Int:
		x, ok := k.integer(e)
		return func(v []Value) (decimal.Decimal, bool) {
			n, ok := x(v)
			if !ok {
				return decimal.Decimal{}, false
			}
			d, err := decimal.New(n, 0)
			return d, err == nil
		}, ok
	case Decimal:
	default:
		return nil, false
	}
	switch e.Kind() {
	case ast.LiteralKind:
		d, ok := asDecimal(e.AsLiteral())
		return func([]Value) (decimal.Decimal, bool) { return d, true }, ok
	case ast.IdentKind:
		i, ok := k.slot(e)
		return func(v []Value) (decimal.Decimal, bool) { return v[i].d, true }, ok
	}
	fn, args, ok := k.call(e)
	if !ok {
		return nil, false
	}
	switch fn {
	case operators.Add, operators.Subtract, operators.Multiply, operators.Divide:
		f := map[string]func(a, b decimal.Decimal) (decimal.Decimal, error){
			operators.Add: decimal.Decimal.Add, operators.Subtract: decimal.Decimal.Sub,
			operators.Multiply: decimal.Decimal.Mul, operators.Divide: decimal.Decimal.Quo,
		}[fn]
		x, ok1 := k.dec(args[0])
		y, ok2 := k.dec(args[1])
		return func(v []Value) (decimal.Decimal, bool) {
			a, ok1 := x(v)
			b, ok2 := y(v)
			if !ok1 || !ok2 {
				return decimal.Decimal{}, false
			}
			d, err := f(a, b)
			return d, err == nil
		}, ok1 && ok2
	case operators.Negate:
		x, ok := k.dec(args[0])
		return func(v []Value) (decimal.Decimal, bool) { d, ok := x(v); return d.Neg(), ok }, ok
	case "decimal":
		if args[0].Kind() == ast.LiteralKind {
			if str, isStr := args[0].AsLiteral().(types.String); isStr { // decimal("0.1…"), read exactly
				d, ok := asDecimal(str)
				return func([]Value) (decimal.Decimal, bool) { return d, true }, ok
			}
		}
		return k.dec(args[0]) // the argument is an int; dec widens it
	case "min", "max":
		x, ok1 := k.dec(args[0])
		y, ok2 := k.dec(args[1])
		isMax := fn == "max"
		return func(v []Value) (decimal.Decimal, bool) {
			a, ok1 := x(v)
			b, ok2 := y(v)
			if isMax {
				return a.Max(b), ok1 && ok2
			}
			return a.Min(b), ok1 && ok2
		}, ok1 && ok2
	case operators.Conditional:
		c, ok1 := k.boolean(args[0])
		x, ok2 := k.dec(args[1])
		y, ok3 := k.dec(args[2])
		return func(v []Value) (decimal.Decimal, bool) {
			t, ok := c(v)
			if !ok {
				return decimal.Decimal{}, false
			}
			if t {
				return x(v)
			}
			return y(v)
		}, ok1 && ok2 && ok3
	}
	return nil, false
}

func (k linker) integer(e ast.Expr) (intFn, bool) {
	if k.kind(e) != Int {
		return nil, false
	}
	switch e.Kind() {
	case ast.LiteralKind:
		n, ok := e.AsLiteral().(types.Int)
		return func([]Value) (int64, bool) { return int64(n), true }, ok
	case ast.IdentKind:
		i, ok := k.slot(e)
		return func(v []Value) (int64, bool) { return v[i].i, true }, ok
	}
	fn, args, ok := k.call(e)
	if !ok {
		return nil, false
	}
	switch fn {
	case "full_years", "full_months", "days_between":
		f := map[string]func(a, b duixian.Date) int{"full_years": duixian.FullYears,
			"full_months": duixian.FullMonths, "days_between": duixian.DaysBetween}[fn]
		x, ok1 := k.date(args[0])
		y, ok2 := k.date(args[1])
		return func(v []Value) (int64, bool) {
			a, ok1 := x(v)
			b, ok2 := y(v)
			return int64(f(a, b)), ok1 && ok2
		}, ok1 && ok2
	case operators.Add, operators.Subtract, operators.Multiply, operators.Divide, operators.Modulo:
		x, ok1 := k.integer(args[0])
		y, ok2 := k.integer(args[1])
		return func(v []Value) (int64, bool) {
			a, ok1 := x(v)
			b, ok2 := y(v)
			if !ok1 || !ok2 {
				return 0, false
			}
			return intArith(fn, a, b)
		}, ok1 && ok2
	case operators.Negate:
		x, ok := k.integer(args[0])
		return func(v []Value) (int64, bool) {
			n, ok := x(v)
			return -n, ok && n != math.MinInt64
		}, ok
	case operators.Conditional:
		c, ok1 := k.boolean(args[0])
		x, ok2 := k.integer(args[1])
		y, ok3 := k.integer(args[2])
		return func(v []Value) (int64, bool) {
			t, ok := c(v)
			if !ok {
				return 0, false
			}
			if t {
				return x(v)
			}
			return y(v)
		}, ok1 && ok2 && ok3
	}
	return nil, false
}

// intArith is CEL's checked int64 arithmetic; false where CEL reports an
// error (overflow, division by zero), so that CEL reports it.
func intArith(op string, a, b int64) (int64, bool) {
	switch op {
	case operators.Add:
		n := a + b
		return n, (n > a) == (b > 0)
	case operators.Subtract:
		n := a - b
		return n, (n < a) == (b > 0)
	case operators.Multiply:
		if a == 0 || b == 0 {
			return 0, true
		}
		n := a * b
		return n, n/b == a && !(a == -1 && b == math.MinInt64) && !(b == -1 && a == math.MinInt64)
	case operators.Divide:
		if b == 0 || (a == math.MinInt64 && b == -1) {
			return 0, false
		}
		return a / b, true
	case operators.Modulo:
		if b == 0 || (a == math.MinInt64 && b == -1) {
			return 0, false
		}
		return a % b, true
	}
	return 0, false
}

func (k linker) str(e ast.Expr) (strFn, bool) {
	if k.kind(e) != String {
		return nil, false
	}
	switch e.Kind() {
	case ast.LiteralKind:
		s, ok := e.AsLiteral().(types.String)
		return func([]Value) (string, bool) { return string(s), true }, ok
	case ast.IdentKind:
		i, ok := k.slot(e)
		return func(v []Value) (string, bool) { return v[i].s, true }, ok
	}
	return nil, false
}

// date links a date; a closure reports false for an optional date nobody
// gave, so that CEL reports the error.
func (k linker) date(e ast.Expr) (dateFn, bool) {
	if k.kind(e) != Date {
		return nil, false
	}
	if e.Kind() == ast.IdentKind {
		i, ok := k.slot(e)
		return func(v []Value) (duixian.Date, bool) { return unpackDate(v[i].i), v[i].i != 0 }, ok
	}
	fn, args, ok := k.call(e)
	if !ok {
		return nil, false
	}
	switch fn {
	case "date":
		s, isStr := args[0].AsLiteral().(types.String)
		d, err := duixian.ParseDate(string(s))
		return func([]Value) (duixian.Date, bool) { return d, true }, isStr && err == nil
	case "add_years", "add_months":
		months := map[string]int64{"add_years": 12, "add_months": 1}[fn]
		x, ok1 := k.date(args[0])
		n, ok2 := k.integer(args[1])
		return func(v []Value) (duixian.Date, bool) {
			d, ok1 := x(v)
			c, ok2 := n(v)
			if !ok1 || !ok2 || c > 12000 || c < -12000 {
				return duixian.Date{}, false
			}
			return d.AddMonths(int(months * c)), true
		}, ok1 && ok2
	}
	return nil, false
}

func (k linker) list(e ast.Expr) (listFn, bool) {
	switch e.Kind() {
	case ast.IdentKind:
		i, ok := k.slot(e)
		return func(v []Value) ([]string, bool) { return v[i].l, true }, ok && k.kind(e) == StringList
	case ast.ListKind:
		var list []string
		for _, el := range e.AsList().Elements() {
			s, ok := el.AsLiteral().(types.String)
			if el.Kind() != ast.LiteralKind || !ok {
				return nil, false
			}
			list = append(list, string(s))
		}
		return func([]Value) ([]string, bool) { return list, true }, true
	}
	return nil, false
}

// widen reads an int or decimal value as a decimal.
func widen(v Value) (decimal.Decimal, bool) {
	switch v.k {
	case Decimal:
		return v.d, true
	case Int:
		d, err := decimal.New(v.i, 0)
		return d, err == nil
	}
	return decimal.Decimal{}, false
}
