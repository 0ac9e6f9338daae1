package expression

import (
	"fmt"
	"math"
	"slices"
	"sync/atomic"

	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/interpreter"
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

// ValueOf converts a Go fact value (bool, int64, decimal.Decimal, string,
// []string) to a slot value of type t.
func ValueOf(t Type, v any) (Value, error) {
	ok := false
	out := Value{k: t}
	switch t {
	case Bool:
		out.b, ok = v.(bool)
	case Int:
		out.i, ok = v.(int64)
	case Decimal:
		out.d, ok = v.(decimal.Decimal)
	case String:
		out.s, ok = v.(string)
	case StringList:
		out.l, ok = v.([]string)
	}
	if !ok {
		return Value{}, fmt.Errorf("value %v (%T) is not of type %v", v, v, t)
	}
	return out, nil
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
	}
	return Value{}, fmt.Errorf("unexpected result %v", r)
}

// Linked is a program bound to a slot layout: names[fact] is the slot the
// fact's value is in.
type Linked struct {
	p      *Program
	native native
	names  map[string]int
}

type native func(vals []Value) (Value, bool)

// Link binds the program to a slot layout.
func (p *Program) Link(names map[string]int) *Linked {
	l := &Linked{p: p, names: names}
	l.native, _ = link(p.ast, p.ast.Expr(), names)
	return l
}

// Program is the program before linking.
func (l *Linked) Program() *Program { return l.p }

// Source is the expression as written.
func (l *Linked) Source() string { return l.p.Source }

// Native reports whether the program runs as Go closures.
func (l *Linked) Native() bool { return l.native != nil }

func (l *Linked) eval(vals []Value) (Value, error) {
	if l.native != nil && !Interpret.Load() {
		if v, ok := l.native(vals); ok {
			return v, nil
		}
	}
	r, err := l.p.Eval(slotActivation{vals: vals, names: l.names})
	if err != nil {
		return Value{}, err
	}
	return fromRef(r)
}

// Bool evaluates a condition.
func (l *Linked) Bool(vals []Value) (bool, error) {
	v, err := l.eval(vals)
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
	v, err := l.eval(vals)
	if err != nil {
		return decimal.Decimal{}, err
	}
	switch v.k {
	case Decimal:
		return v.d, nil
	case Int:
		return decimal.New(v.i, 0)
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

// kindOf maps a checked type to a slot kind; 0 for anything else.
func kindOf(t *types.Type) Type {
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
	}
	return 0
}

func literal(v Value) native { return func([]Value) (Value, bool) { return v, true } }

// link compiles e, or reports false when e is outside the subset.
func link(a *ast.AST, e ast.Expr, names map[string]int) (native, bool) {
	switch e.Kind() {
	case ast.LiteralKind:
		v, err := fromRef(e.AsLiteral())
		if err != nil {
			return nil, false
		}
		return literal(v), true
	case ast.IdentKind:
		i, ok := names[e.AsIdent()]
		if !ok {
			return nil, false
		}
		return func(vals []Value) (Value, bool) { return vals[i], true }, true
	case ast.ListKind:
		var list []string
		for _, el := range e.AsList().Elements() {
			if el.Kind() != ast.LiteralKind {
				return nil, false
			}
			s, ok := el.AsLiteral().(types.String)
			if !ok {
				return nil, false
			}
			list = append(list, string(s))
		}
		return literal(Value{k: StringList, l: list}), true
	case ast.CallKind:
		return linkCall(a, e, names)
	}
	return nil, false
}

func linkCall(a *ast.AST, e ast.Expr, names map[string]int) (native, bool) {
	call := e.AsCall()
	if call.IsMemberFunction() {
		return nil, false
	}
	args := make([]native, len(call.Args()))
	kinds := make([]Type, len(call.Args()))
	for i, arg := range call.Args() {
		f, ok := link(a, arg, names)
		if !ok {
			return nil, false
		}
		args[i], kinds[i] = f, kindOf(a.GetType(arg.ID()))
	}
	out := kindOf(a.GetType(e.ID()))
	bin := func() (native, native) { return args[0], args[1] }
	switch call.FunctionName() {
	case operators.LogicalAnd, operators.LogicalOr:
		x, y := bin()
		and := call.FunctionName() == operators.LogicalAnd
		return func(v []Value) (Value, bool) {
			l, ok := x(v)
			if !ok || l.k != Bool {
				return Value{}, false
			}
			if l.b != and { // false && … / true || …
				return l, true
			}
			r, ok := y(v)
			if !ok || r.k != Bool {
				return Value{}, false
			}
			return r, true
		}, true
	case operators.LogicalNot:
		x := args[0]
		return func(v []Value) (Value, bool) {
			l, ok := x(v)
			return Value{k: Bool, b: !l.b}, ok && l.k == Bool
		}, true
	case operators.Conditional:
		c, x, y := args[0], args[1], args[2]
		return func(v []Value) (Value, bool) {
			t, ok := c(v)
			if !ok || t.k != Bool {
				return Value{}, false
			}
			if t.b {
				return x(v)
			}
			return y(v)
		}, true
	case operators.Less, operators.LessEquals, operators.Greater, operators.GreaterEquals, operators.Equals, operators.NotEquals:
		return linkCompare(call.FunctionName(), args, kinds)
	case operators.Add, operators.Subtract, operators.Multiply, operators.Divide, operators.Modulo:
		return linkArith(call.FunctionName(), args, out)
	case operators.Negate:
		x := args[0]
		return func(v []Value) (Value, bool) {
			l, ok := x(v)
			switch {
			case !ok:
				return Value{}, false
			case l.k == Decimal:
				return Value{k: Decimal, d: l.d.Neg()}, true
			case l.k == Int && l.i != math.MinInt64:
				return Value{k: Int, i: -l.i}, true
			}
			return Value{}, false
		}, true
	case operators.In:
		if kinds[0] != String || kinds[1] != StringList {
			return nil, false
		}
		x, y := bin()
		return func(v []Value) (Value, bool) {
			s, ok1 := x(v)
			l, ok2 := y(v)
			return Value{k: Bool, b: slices.Contains(l.l, s.s)}, ok1 && ok2
		}, true
	case "decimal":
		x := args[0]
		return func(v []Value) (Value, bool) {
			l, ok := x(v)
			d, err := decimal.New(l.i, 0)
			return Value{k: Decimal, d: d}, ok && l.k == Int && err == nil
		}, true
	case "min", "max":
		x, y := bin()
		isMax := call.FunctionName() == "max"
		return func(v []Value) (Value, bool) {
			l, ok1 := x(v)
			r, ok2 := y(v)
			if !ok1 || !ok2 || l.k != Decimal || r.k != Decimal {
				return Value{}, false
			}
			if isMax {
				return Value{k: Decimal, d: l.d.Max(r.d)}, true
			}
			return Value{k: Decimal, d: l.d.Min(r.d)}, true
		}, true
	}
	return nil, false
}

// widen reads an int or decimal slot value as a decimal.
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

func linkCompare(op string, args []native, kinds []Type) (native, bool) {
	x, y := args[0], args[1]
	test := map[string]func(int) bool{
		operators.Less: func(c int) bool { return c < 0 }, operators.LessEquals: func(c int) bool { return c <= 0 },
		operators.Greater: func(c int) bool { return c > 0 }, operators.GreaterEquals: func(c int) bool { return c >= 0 },
		operators.Equals: func(c int) bool { return c == 0 }, operators.NotEquals: func(c int) bool { return c != 0 },
	}[op]
	var cmp func(l, r Value) (int, bool)
	switch {
	case kinds[0] == Decimal || kinds[1] == Decimal:
		cmp = func(l, r Value) (int, bool) {
			a, ok1 := widen(l)
			b, ok2 := widen(r)
			return a.Cmp(b), ok1 && ok2
		}
	case kinds[0] == Int && kinds[1] == Int:
		cmp = func(l, r Value) (int, bool) {
			switch {
			case l.i < r.i:
				return -1, true
			case l.i > r.i:
				return 1, true
			}
			return 0, true
		}
	case kinds[0] == String && kinds[1] == String:
		cmp = func(l, r Value) (int, bool) {
			switch {
			case l.s < r.s:
				return -1, true
			case l.s > r.s:
				return 1, true
			}
			return 0, true
		}
	case kinds[0] == Bool && kinds[1] == Bool && (op == operators.Equals || op == operators.NotEquals):
		cmp = func(l, r Value) (int, bool) {
			if l.b == r.b {
				return 0, true
			}
			return 1, true
		}
	default:
		return nil, false
	}
	return func(v []Value) (Value, bool) {
		l, ok1 := x(v)
		r, ok2 := y(v)
		if !ok1 || !ok2 {
			return Value{}, false
		}
		c, ok := cmp(l, r)
		return Value{k: Bool, b: test(c)}, ok
	}, true
}

func linkArith(op string, args []native, out Type) (native, bool) {
	x, y := args[0], args[1]
	switch out {
	case Decimal:
		f := map[string]func(a, b decimal.Decimal) (decimal.Decimal, error){
			operators.Add: decimal.Decimal.Add, operators.Subtract: decimal.Decimal.Sub,
			operators.Multiply: decimal.Decimal.Mul, operators.Divide: decimal.Decimal.Quo,
		}[op]
		if f == nil {
			return nil, false
		}
		return func(v []Value) (Value, bool) {
			l, ok1 := x(v)
			r, ok2 := y(v)
			a, ok3 := widen(l)
			b, ok4 := widen(r)
			if !ok1 || !ok2 || !ok3 || !ok4 {
				return Value{}, false
			}
			d, err := f(a, b)
			return Value{k: Decimal, d: d}, err == nil
		}, true
	case Int:
		return func(v []Value) (Value, bool) {
			l, ok1 := x(v)
			r, ok2 := y(v)
			if !ok1 || !ok2 || l.k != Int || r.k != Int {
				return Value{}, false
			}
			a, b := l.i, r.i
			var n int64
			switch op {
			case operators.Add:
				n = a + b
				if (n > a) != (b > 0) {
					return Value{}, false // overflow: CEL reports it
				}
			case operators.Subtract:
				n = a - b
				if (n < a) != (b > 0) {
					return Value{}, false
				}
			case operators.Multiply:
				if a != 0 && (a*b/a != b || (a == -1 && b == math.MinInt64) || (b == -1 && a == math.MinInt64)) {
					return Value{}, false
				}
				n = a * b
			case operators.Divide, operators.Modulo:
				if b == 0 || (a == math.MinInt64 && b == -1) {
					return Value{}, false
				}
				if op == operators.Divide {
					n = a / b
				} else {
					n = a % b
				}
			}
			return Value{k: Int, i: n}, true
		}, true
	}
	return nil, false
}
