// Package engine loads the catalogue and decides claims under it.
//
// The whole API:
//
//	cat, err := engine.Load(catalogue.FS)           // or os.DirFS(dir); a bad catalogue is a *LoadError listing file:line problems
//	facts, err := cat.DecodeJSONFacts("facts", data) // typed, bounded, exact; errors name the fact (code EINVALID)
//	d, err := cat.Evaluate(duixian.Claim{Clause: "jjgf-2025-21/7.1", EventDate: ev, AsOf: asOf, Facts: facts}, engine.Options{Trace: true})
//	b := cat.Bind(facts); d, err := b.Evaluate(claim, opt) // the same decision; the facts' names resolved once, for many (the calculator)
//	y, err := cat.EvaluateYear(duixian.ClaimSet{Year: 2026, Facts: shared, Claims: claims}, engine.Options{})
//	rep := cat.RunCases()                            // the case files beside each document, with coverage per clause
//	cl, ok := cat.Clause(id); view := cl.View()       // article text, form schema, conditions, formula in Chinese
//
// A Decision says whether the clause grants the claim, how much (exact, in
// fen, rounded as the document says), what is payable now when the clause
// pays in tranches, which document version and dates it applied, why it
// refused or reduced (reasons with codes and citations, in Chinese and
// English) and, when asked, a trace in which every step is a Chinese
// sentence citing its article. Decisions are deterministic.
//
// Load compiles every expression once and links it to Go closures over
// numbered fact slots (expression.Link); a Catalogue is immutable and safe
// for concurrent use.
package engine
