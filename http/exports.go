package http

import (
	"bytes"
	"context"
	"io"
	"net/url"
	"slices"

	"github.com/etown/duixian"
	"github.com/etown/duixian/registry"
	"github.com/etown/duixian/reports"
)

// export is one of the XLSX lists officials print, the same the command
// line writes (duixian export): package registry writes them; here they
// are a route each and a button on the pages they belong to.
type export struct {
	Name, Title string // the address's /exports/{Name}.xlsx; the button's and the file's name
	roles       []duixian.Role
	write       func(s *Server, ctx context.Context, w io.Writer) error
}

// exports are the lists: the 公示名单 and the statistics for every
// official, the 拨付表 for those who pay and those who watch payment.
var exports = []export{
	{Name: "publicity", Title: "公示名单", roles: officials, write: func(s *Server, ctx context.Context, w io.Writer) error {
		return registry.ExportPublicity(ctx, s.DB, s.Catalogue, w)
	}},
	{Name: "disbursement", Title: "拨付表", roles: []duixian.Role{duixian.RoleFinance, duixian.RoleSupervisor, duixian.RoleAdmin},
		write: func(s *Server, ctx context.Context, w io.Writer) error {
			return registry.ExportDisbursement(ctx, s.DB, s.Catalogue, w)
		}},
	{Name: "statistics", Title: "统计表", roles: officials, write: func(s *Server, ctx context.Context, w io.Writer) error {
		// The dashboard's service, whose cache the statistics share.
		rep, ok := s.Dashboards.(*reports.Service)
		if !ok {
			rep = reports.New(s.DB, s.Catalogue)
		}
		return registry.ExportStatistics(ctx, rep, w)
	}},
}

// exportsFor are the exports u may take, for the pages' buttons.
func exportsFor(u *duixian.User) []export {
	var out []export
	for _, e := range exports {
		if u != nil && slices.Contains(e.roles, u.Role) {
			out = append(out, e)
		}
	}
	return out
}

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func (s *Server) exportRoutes() []Route {
	var routes []Route
	for _, e := range exports {
		routes = append(routes, pageRoute("GET", "/exports/"+e.Name+".xlsx", e.roles, "导出"+e.Title, func(q *Request) error {
			// Written whole before the first byte is sent: a failure is an
			// error page, not half a file.
			var buf bytes.Buffer
			if err := e.write(s, q.R.Context(), &buf); err != nil {
				return err
			}
			file := e.Title + "-" + duixian.DateOf(s.now()).String() + ".xlsx"
			h := q.W.Header()
			h.Set("Content-Type", xlsxType)
			h.Set("Content-Disposition", `attachment; filename="`+e.Name+`.xlsx"; filename*=UTF-8''`+url.PathEscape(file))
			_, err := buf.WriteTo(q.W)
			return err
		}))
	}
	return routes
}
