package engine

import (
	"slices"
	"strings"
)

// Departments are the clause's responsible departments (责任单位). A text
// may name more than one (29号第13条: 科技和产业促进局、生态环境建设局);
// the reading taken is that each of them may decide the clause's
// applications, and ask the others for their opinion.
func (cl *Clause) Departments() []string {
	var out []string
	for _, d := range strings.Split(cl.Department, "、") {
		if d = strings.TrimSpace(d); d != "" {
			out = append(out, d)
		}
	}
	return out
}

// Responsible says whether department is one of the clause's.
func (cl *Clause) Responsible(department string) bool {
	return department != "" && slices.Contains(cl.Departments(), department)
}
