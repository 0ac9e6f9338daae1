package http

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"

	"github.com/etown/duixian"
	"github.com/etown/duixian/material"
	"github.com/etown/duixian/workflow"
)

// Materials is package workflow's handling of 申报材料: an upload and a
// removal are transitions of the application; a file is read by whoever
// may read the application.
type Materials interface {
	AddMaterial(ctx context.Context, actor duixian.Actor, id string, in workflow.MaterialUpload) (*duixian.Material, error)
	RemoveMaterial(ctx context.Context, actor duixian.Actor, id, materialID string) (*duixian.Application, error)
	MaterialFile(ctx context.Context, actor duixian.Actor, id, materialID string) (*duixian.Material, []byte, error)
	Application(ctx context.Context, actor duixian.Actor, id string) (*duixian.Application, error)
}

// uploadLimit is the body a route taking one file may have: the file's
// limit and room for the form around it.
const uploadLimit = material.MaxFileSize + 1<<20

// materialRoutes are the API's, the enterprise's and the officials' ways
// to the materials of an application.
func (s *Server) materialRoutes() []Route {
	var m Materials = s.Service
	upload := func(rt Route) Route { rt.Upload = uploadLimit; return rt }
	list := func(q *Request) error {
		a, err := m.Application(q.R.Context(), q.Actor(), q.R.PathValue("id"))
		if err != nil {
			return err
		}
		rows := []material.Row{}
		if cl, ok := s.Catalogue.Clause(a.Clause); ok {
			rows = material.Rows(cl, a)
		}
		return q.ok(map[string]any{"materials": a.Materials, "requested": a.Requested, "clause": rows})
	}
	download := func(q *Request) error {
		f, data, err := m.MaterialFile(q.R.Context(), q.Actor(), q.R.PathValue("id"), q.R.PathValue("mid"))
		if err != nil {
			return err
		}
		serveMaterial(q, f, data)
		return nil
	}
	return []Route{
		upload(apiRoute("POST", "/applications/{id}/materials", enterprise, "上传申报材料（multipart：kind, file；PDF、OFD、JPG、PNG）/ upload a material", func(q *Request) error {
			in, err := materialUpload(q)
			if err != nil {
				return err
			}
			return q.send(m.AddMaterial(q.R.Context(), q.Actor(), q.R.PathValue("id"), in))
		})),
		apiRoute("GET", "/applications/{id}/materials", signedIn, "申报材料：已上传的文件与条款要求的材料 / an application's materials", list),
		apiRoute("GET", "/applications/{id}/materials/{mid}", signedIn, "下载一份申报材料 / one material's file", download),
		apiRoute("DELETE", "/applications/{id}/materials/{mid}", enterprise, "删除一份申报材料 / remove a material", func(q *Request) error {
			return q.send(m.RemoveMaterial(q.R.Context(), q.Actor(), q.R.PathValue("id"), q.R.PathValue("mid")))
		}),
		pageRoute("GET", "/my/{id}/materials/{mid}", enterprise, "下载申报材料", download),
		pageRoute("GET", "/cases/{id}/materials/{mid}", officials, "下载申报材料", download),
		upload(pageRoute("POST", "/my/{id}/materials", enterprise, "上传申报材料", func(q *Request) error {
			id := q.R.PathValue("id")
			in, err := materialUpload(q)
			if err == nil {
				_, err = m.AddMaterial(q.R.Context(), q.Actor(), id, in)
			}
			return s.afterMaterial(q, id, err, "uploaded")
		})),
		pageRoute("POST", "/my/{id}/materials/{mid}/remove", enterprise, "删除申报材料", func(q *Request) error {
			id := q.R.PathValue("id")
			_, err := m.RemoveMaterial(q.R.Context(), q.Actor(), id, q.R.PathValue("mid"))
			return s.afterMaterial(q, id, err, "removed")
		}),
	}
}

// afterMaterial sends the applicant back to the application, with the
// refusal shown there when there is one.
func (s *Server) afterMaterial(q *Request, id string, err error, done string) error {
	var e *duixian.Error
	if errors.As(err, &e) && e.Code != duixian.ENOTFOUND && e.Code != duixian.EFORBIDDEN {
		return s.enterprise().entDetail(q, status(e.Code), e)
	}
	if err != nil {
		return err
	}
	http.Redirect(q.W, q.R, "/my/"+url.PathEscape(id)+"?material="+done+"#materials", http.StatusSeeOther)
	return nil
}

// materialUpload reads a multipart upload: kind (which material) and file.
// The file's declared type is not read: package material tells the type
// by the content.
func materialUpload(q *Request) (workflow.MaterialUpload, error) {
	if q.R.MultipartForm == nil {
		return workflow.MaterialUpload{}, duixian.Errorf(duixian.EINVALID, "file", "请以 multipart/form-data 上传文件", "upload the file as multipart/form-data")
	}
	f, h, err := q.R.FormFile("file")
	if err != nil {
		return workflow.MaterialUpload{}, duixian.Errorf(duixian.EINVALID, "file", "请选择要上传的文件", "choose a file to upload")
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, material.MaxFileSize+1))
	if err != nil {
		return workflow.MaterialUpload{}, bodyError(err)
	}
	return workflow.MaterialUpload{Kind: q.R.FormValue("kind"), Name: h.Filename, Data: data}, nil
}

// serveMaterial writes a material's bytes with the type its content
// showed, as a download that the browser runs nothing of.
func serveMaterial(q *Request, m *duixian.Material, data []byte) {
	h := q.W.Header()
	h.Set("Content-Type", material.ContentType(m.Type))
	h.Set("Content-Length", strconv.Itoa(len(data)))
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": m.Name}))
	h.Set("Content-Security-Policy", "sandbox")
	h.Set("X-Material-SHA256", m.SHA256)
	q.W.WriteHeader(http.StatusOK)
	q.W.Write(data)
}
