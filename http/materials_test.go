package http

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/material"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
)

// multipartOf is form with a file under each name, as a browser sends it.
func multipartOf(t testing.TB, form url.Values, files map[string][]byte) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, vs := range form {
		for _, v := range vs {
			w.WriteField(k, v)
		}
	}
	for name, data := range files {
		fw, err := w.CreateFormFile(name, strings.TrimPrefix(name, "material:")+".pdf")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	}
	w.Close()
	return w.FormDataContentType(), b.Bytes()
}

// specimenFiles are the apply form's file inputs with a small PDF for every
// material the clause requires.
func specimenFiles(t testing.TB, clause string) map[string][]byte {
	cl, ok := testCat.Clause(clause)
	if !ok {
		t.Fatalf("no clause %s", clause)
	}
	files := map[string][]byte{}
	for _, u := range material.Specimens(cl) {
		files["material:"+u.Kind] = u.Data
	}
	return files
}

// apply posts the application form with the clause's required materials.
func (b *entBrowser) apply(clause string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	if b.csrf != "" && form.Get("csrf") == "" {
		form.Set("csrf", b.csrf)
	}
	ct, body := multipartOf(b.t, form, specimenFiles(b.t, clause))
	resp, err := b.c.Post(b.base+"/apply/"+clause, ct, bytes.NewReader(body))
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp, string(out)
}

// upload posts one file to the API as a material of application id.
func (c *client) upload(id, kind, name string, data []byte) (*http.Response, string) {
	c.t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	w.WriteField("kind", kind)
	fw, _ := w.CreateFormFile("file", name)
	fw.Write(data)
	w.Close()
	// The client's claimed type says PDF whatever the content: the server
	// does not read it.
	return c.do("POST", "/api/v1/applications/"+id+"/materials", b.String(), map[string]string{"X-CSRF-Token": c.csrf, "Content-Type": w.FormDataContentType()})
}

// uploadSpecimens uploads a small PDF for every material clause requires.
func (c *client) uploadSpecimens(id, clause string) {
	c.t.Helper()
	cl, _ := testCat.Clause(clause)
	for _, u := range material.Specimens(cl) {
		if resp, body := c.upload(id, u.Kind, u.Name, u.Data); resp.StatusCode != 200 {
			c.t.Fatalf("upload %s: %d %s", u.Kind, resp.StatusCode, body)
		}
	}
}

const bookDraftJSON = `{"clause":"jjgf-2025-21/7.3.1","event_date":"2025-12-01","declared":true,"facts":{"specialized_store":true,"has_publication_permit":true,"bookstore_premises":true,"publications_main_business":true,
"operating_since":"2024-04-01","operating_normally":true,"business_area_m2":"260","publication_area_m2":"168.5","books_on_shelf":5200,
"publication_varieties":1900,"hosted_reading_events":12,"quarter_hour_service":true,"annual_costs":"86万元","municipal_bookstore_support":false,"declared_truthful":true}}`

// Through the API: each accepted type is taken by its content, whatever
// the name; an executable named .pdf and a file over the limit are
// refused; the file reads back with the type its content showed; another
// enterprise is answered 404; 退回补正 names a material, which is uploaded,
// and the application resubmitted.
func TestMaterialsThroughTheAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		_, ts, clk := serverOn(t, db)
		bookstore, tech, culture, admin := newClient(t, ts), newClient(t, ts), newClient(t, ts), newClient(t, ts)
		for c, name := range map[*client]string{bookstore: "bookstore", tech: "tech", culture: "culture", admin: "admin"} {
			if c.login(name, "duixian-demo") != 200 {
				t.Fatalf("%s cannot sign in", name)
			}
		}
		resp, body := bookstore.post("/api/v1/applications", bookDraftJSON)
		var a duixian.Application
		if json.Unmarshal([]byte(body), &a); resp.StatusCode != 200 || a.ID == "" {
			t.Fatalf("draft: %d %s", resp.StatusCode, body)
		}
		png := append([]byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}, make([]byte, 64)...)
		jpg := append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, make([]byte, 64)...)
		var ids []string
		for _, f := range []struct {
			name, typ string
			data      []byte
		}{{"照片.pdf", material.PNG, png}, {"照片2", material.JPG, jpg}, {"许可证.png", material.PDF, material.SpecimenPDF("permit")}} {
			resp, body := bookstore.upload(a.ID, "store-photos", f.name, f.data)
			var m duixian.Material
			if json.Unmarshal([]byte(body), &m); resp.StatusCode != 200 || m.Type != f.typ {
				t.Fatalf("%s: %d %s", f.name, resp.StatusCode, body)
			}
			ids = append(ids, m.ID)
		}
		if resp, body := bookstore.upload(a.ID, "licences", "营业执照.pdf", append([]byte("MZ\x90\x00\x03"), make([]byte, 100)...)); resp.StatusCode != 400 || !strings.Contains(body, `"field":"file"`) {
			t.Errorf("an executable named .pdf: %d %s", resp.StatusCode, body)
		}
		if resp, body := bookstore.upload(a.ID, "licences", "大.pdf", append([]byte("%PDF-1.7"), make([]byte, material.MaxFileSize)...)); resp.StatusCode != 400 || !strings.Contains(body, "超过单个文件上限") {
			t.Errorf("a file over the limit: %d %.200s", resp.StatusCode, body)
		}
		resp, body = bookstore.do("GET", "/api/v1/applications/"+a.ID+"/materials/"+ids[0], "", nil)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || body != string(png) ||
			!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
			t.Errorf("download: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
		}
		for _, path := range []string{"/api/v1/applications/" + a.ID + "/materials", "/api/v1/applications/" + a.ID + "/materials/" + ids[0]} {
			if resp, _ := tech.do("GET", path, "", nil); resp.StatusCode != 404 {
				t.Errorf("another enterprise GET %s: %d", path, resp.StatusCode)
			}
			if resp, _ := culture.do("GET", path, "", nil); resp.StatusCode != 404 {
				t.Errorf("the department GET %s of a draft: %d", path, resp.StatusCode)
			}
		}
		if resp, _ := tech.upload(a.ID, "licences", "x.pdf", material.SpecimenPDF("x")); resp.StatusCode != 404 {
			t.Errorf("another enterprise uploaded: %d", resp.StatusCode)
		}
		// Submission names what is missing, with its article.
		submit := func(key string) (*http.Response, string) {
			return bookstore.do("POST", "/api/v1/applications/"+a.ID+"/submit", "", map[string]string{"X-CSRF-Token": bookstore.csrf, "Idempotency-Key": key})
		}
		if resp, body := submit("s0"); resp.StatusCode != 400 || !strings.Contains(body, "特色经营场所相关证明材料（复印件）（21号第十一条）") {
			t.Fatalf("submitted without materials: %d %s", resp.StatusCode, body)
		}
		bookstore.uploadSpecimens(a.ID, "jjgf-2025-21/7.3.1")
		if resp, body := submit("s1"); resp.StatusCode != 200 {
			t.Fatalf("submit: %d %s", resp.StatusCode, body)
		}
		if resp, body := culture.do("GET", "/api/v1/applications/"+a.ID+"/materials/"+ids[2], "", nil); resp.StatusCode != 200 || !strings.HasPrefix(body, "%PDF-") {
			t.Errorf("the department reads the submitted file: %d", resp.StatusCode)
		}
		if resp, body := culture.post("/api/v1/applications/"+a.ID+"/return", `{"reason":"店堂照片不清晰","materials":["store-photos"]}`); resp.StatusCode != 200 || !strings.Contains(body, `"requested_materials"`) {
			t.Fatalf("return: %d %s", resp.StatusCode, body)
		}
		if resp, body := submit("s2"); resp.StatusCode != 400 || !strings.Contains(body, "店面外观与店堂内部照片（21号第十一条）") {
			t.Fatalf("resubmitted without the photos asked for: %d %s", resp.StatusCode, body)
		}
		// The server's clock stands still; the upload after the return must
		// come later than it.
		clk.advance(time.Minute)
		if resp, body := bookstore.upload(a.ID, "store-photos", "店堂.png", append(png, 1)); resp.StatusCode != 200 {
			t.Fatalf("upload after the return: %d %s", resp.StatusCode, body)
		}
		if resp, body := submit("s3"); resp.StatusCode != 200 {
			t.Fatalf("resubmit: %d %s", resp.StatusCode, body)
		}
		var trail struct{ Items []duixian.AuditEntry }
		if admin.getJSON("/api/v1/audit?subject="+a.ID+"&limit=100", &trail) != 200 {
			t.Fatal("the audit trail cannot be read")
		}
		uploads := 0
		for _, e := range trail.Items {
			if e.Action == "upload-material" && strings.Contains(e.After, "sha256:") {
				uploads++
			}
		}
		if uploads != 3+4+1 {
			t.Errorf("%d uploads audited, want 8", uploads)
		}
	})
}

// The 受理回执 and the 申报书 print what they must — the application, the
// enterprise, the clause with its article, the submission in Beijing time,
// each material with its short SHA-256, the department; the declared facts
// by their Chinese labels, the decision, the pledge — for the enterprise
// and the department, and are missing to another enterprise.
func TestPrintouts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, ts, _ := serverOn(t, db)
		id := demoApp(t, s, duixian.StatusPaid, "jjgf-2025-21/7.1")
		a, err := s.Service.Application(t.Context(), duixian.Actor{Role: duixian.RoleAdmin}, id)
		if err != nil || len(a.Materials) == 0 {
			t.Fatalf("the demo's paid application has no materials: %v", err)
		}
		as := func(name string) *client {
			c := newClient(t, ts)
			if c.login(name, "duixian-demo") != 200 {
				t.Fatalf("%s cannot sign in", name)
			}
			return c
		}
		bookstore, culture, tech := as("bookstore"), as("culture"), as("tech")
		for _, c := range []struct {
			who  *client
			path string
		}{{bookstore, "/my/" + id}, {culture, "/cases/" + id}} {
			resp, body := c.who.do("GET", c.path+"/receipt", "", nil)
			for _, want := range []string{"受理回执", id, "亦城书房", a.Enterprise, "“一刻钟”建设奖励（21号第七条（一））", "2026-05-06 10:00（北京时间）",
				"宣传文化部", "SHA-256 " + a.Materials[0].Short(), "@media print"} {
				if resp.StatusCode != 200 || !strings.Contains(body, want) {
					t.Errorf("%s/receipt: %d, no %q", c.path, resp.StatusCode, want)
				}
			}
			resp, body = c.who.do("GET", c.path+"/form", "", nil)
			for _, want := range []string{"申报书", "出版物经营面积", "168.5", "12.00万元", "本单位承诺申报材料真实", "申报单位已在平台勾选上述承诺", "《营业执照》《出版物经营许可证》（复印件）（21号第十一条）"} {
				if resp.StatusCode != 200 || !strings.Contains(body, want) {
					t.Errorf("%s/form: %d, no %q", c.path, resp.StatusCode, want)
				}
			}
		}
		// The reviewer finds the files on the case page, and downloads them.
		m := a.Materials[0]
		link := "/cases/" + id + "/materials/" + m.ID
		if resp, body := culture.do("GET", "/cases/"+id, "", nil); resp.StatusCode != 200 || !strings.Contains(body, `href="`+link+`"`) {
			t.Errorf("the case page has no link %s", link)
		}
		if resp, body := culture.do("GET", link, "", nil); resp.StatusCode != 200 || !strings.HasPrefix(body, "%PDF-") || resp.Header.Get("Content-Type") != "application/pdf" {
			t.Errorf("download %s: %d %s", link, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		for _, path := range []string{"/my/" + id + "/receipt", "/my/" + id + "/form", "/my/" + id + "/materials/" + m.ID} {
			if resp, _ := tech.do("GET", path, "", nil); resp.StatusCode != 404 {
				t.Errorf("another enterprise GET %s: %d", path, resp.StatusCode)
			}
		}
		if resp, _ := tech.do("GET", "/cases/"+id+"/receipt", "", nil); resp.StatusCode != 403 {
			t.Errorf("an enterprise GET the officials' receipt: %d", resp.StatusCode)
		}
	})
}

// The demo shows a 退回补正 that names a material: the reading space sees
// the photos asked for on its application page, with the upload beside.
func TestDemoHasAReturnNamingAMaterial(t *testing.T) {
	s, ts, _ := serverOn(t, dbtest.SQLite(t))
	id := demoApp(t, s, duixian.StatusReturned, "jjgf-2025-22/6.3")
	space := newClient(t, ts)
	if space.login("space", "duixian-demo") != 200 {
		t.Fatal("space cannot sign in")
	}
	resp, body := space.do("GET", "/my/"+id, "", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "退回补正要求重新提供") || !strings.Contains(body, `name="kind" value="space-photos"`) {
		t.Fatalf("the returned application's page: %d", resp.StatusCode)
	}
}
