// Package catalogue embeds the policy catalogue in the binary: facts.yaml,
// one YAML file per gazette document (the article text with the clauses,
// conditions and limits that encode it) and the case files beside them.
// docs/catalogue.md explains the format to policy authors. Run
// `duixian catalogue lint --catalogue DIR` to try an edited copy without
// rebuilding.
package catalogue

import "embed"

// FS holds the catalogue files.
//
//go:embed *.yaml
var FS embed.FS
