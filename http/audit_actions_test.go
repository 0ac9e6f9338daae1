package http

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// writtenActions reads the module's Go source (tests, the benchmark module
// and the test helpers aside) for the audit actions it writes: a literal
// given as an Action field, as an argument named action of a function of
// the module, or assigned to a variable named action; "land:" joined to a
// constant of package land.
func writtenActions(t *testing.T) []string {
	t.Helper()
	fset := token.NewFileSet()
	var files []*ast.File
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "bench" || strings.HasSuffix(d.Name(), "test") || strings.HasPrefix(d.Name(), ".")) && path != ".." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		files = append(files, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The functions taking an action: name → the argument's index.
	takes := map[string]int{}
	landConst := map[string]string{}
	for _, f := range files {
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				i := 0
				for _, p := range d.Type.Params.List {
					for _, n := range p.Names {
						if n.Name == "action" {
							takes[d.Name.Name] = i
						}
						i++
					}
					if len(p.Names) == 0 {
						i++
					}
				}
			case *ast.GenDecl:
				if f.Name.Name != "land" || d.Tok != token.CONST {
					continue
				}
				for _, s := range d.Specs {
					vs := s.(*ast.ValueSpec)
					for i, n := range vs.Names {
						if i < len(vs.Values) && strings.HasPrefix(n.Name, "Act") {
							if lit, ok := vs.Values[i].(*ast.BasicLit); ok {
								landConst[n.Name], _ = strconv.Unquote(lit.Value)
							}
						}
					}
				}
			}
		}
	}
	action := regexp.MustCompile(`^[a-z][a-z0-9]*([-:][a-z0-9]+)*$`)
	found := map[string]bool{}
	add := func(e ast.Expr) {
		switch v := e.(type) {
		case *ast.BasicLit:
			if s, err := strconv.Unquote(v.Value); err == nil && action.MatchString(s) {
				found[s] = true
			}
		case *ast.BinaryExpr: // "land:" + ActX
			lit, ok := v.X.(*ast.BasicLit)
			if !ok || lit.Value != `"land:"` {
				return
			}
			switch y := v.Y.(type) {
			case *ast.Ident:
				if c, ok := landConst[y.Name]; ok {
					found["land:"+c] = true
				}
			case *ast.SelectorExpr: // "land:" + r.Action: every rule's
				for _, c := range landConst {
					found["land:"+c] = true
				}
			}
		}
	}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.KeyValueExpr:
				if k, ok := n.Key.(*ast.Ident); ok && (k.Name == "Action" || k.Name == "action") {
					add(n.Value)
				}
			case *ast.AssignStmt:
				// entry := func(action, …); http's closures named so build routes
				if len(n.Lhs) == 1 && len(n.Rhs) == 1 && f.Name.Name != "http" {
					if fl, ok := n.Rhs[0].(*ast.FuncLit); ok {
						for i, p := range fl.Type.Params.List {
							if len(p.Names) > 0 && p.Names[0].Name == "action" {
								takes[n.Lhs[0].(*ast.Ident).Name] = i
							}
						}
					}
				}
				for i, l := range n.Lhs {
					if id, ok := l.(*ast.Ident); ok && id.Name == "action" && i < len(n.Rhs) {
						add(n.Rhs[i])
					}
				}
			case *ast.CallExpr:
				name := ""
				switch fn := n.Fun.(type) {
				case *ast.Ident:
					name = fn.Name
				case *ast.SelectorExpr:
					name = fn.Sel.Name
				}
				if i, ok := takes[name]; ok && i < len(n.Args) {
					add(n.Args[i])
				}
			}
			return true
		})
	}
	var out []string
	for a := range found {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

// Every audit action the code writes reads in Chinese on the audit pages,
// refused ones too.
func TestEveryAuditActionHasALabel(t *testing.T) {
	actions := writtenActions(t)
	for _, must := range []string{"submit", "land:start", "land:trial", "login-failed", "qunyan-file"} {
		if !slices.Contains(actions, must) {
			t.Errorf("the scan of the source misses %s: it finds %v", must, actions)
		}
	}
	for _, a := range actions {
		for _, shown := range []string{a, "denied:" + a} {
			if zh := offAction(shown); zh == shown || strings.ContainsAny(zh, "abcdefghijklmnopqrstuvwxyz") {
				t.Errorf("audit action %s shows as %q", shown, zh)
			}
		}
	}
}
