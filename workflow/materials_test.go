package workflow_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/material"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
	"github.com/etown/duixian/workflow"
)

// Files of each accepted type, as their first bytes make them.
func samples(t testing.TB) map[string][]byte {
	var ofd bytes.Buffer
	z := zip.NewWriter(&ofd)
	w, err := z.Create("OFD.xml")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0"/>`))
	z.Close()
	return map[string][]byte{
		material.PDF: material.SpecimenPDF("licence"),
		material.OFD: ofd.Bytes(),
		material.JPG: append([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F', 0}, bytes.Repeat([]byte{1}, 100)...),
		material.PNG: append([]byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}, bytes.Repeat([]byte{2}, 100)...),
	}
}

// A draft of a bookstore's 一刻钟 claim with no material yet.
func bareDraft(t *testing.T, s *workflow.Service) (*duixian.Application, duixian.Actor) {
	id, staff := registerBookstore(t, s)
	a := must(t)(s.CreateDraft(ctx, staff, workflow.DraftInput{Enterprise: id, Clause: "jjgf-2025-21/7.1",
		EventDate: date("2026-03-01"), Facts: json.RawMessage(bookstoreFacts), Declared: true}))
	return a, staff
}

// Each accepted type is taken, told by its content whatever its name; the
// material records its type, size and SHA-256, and reads back, bytes and
// all, by its enterprise.
func TestUploadEachAcceptedType(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, _ := service(t, db, "2026-03-02")
		a, staff := bareDraft(t, s)
		for typ, data := range samples(t) {
			m, err := s.AddMaterial(ctx, staff, a.ID, workflow.MaterialUpload{Kind: "store-photos", Name: "店面照片.bin", Data: data})
			if err != nil {
				t.Fatalf("%s refused: %v", typ, err)
			}
			if m.Type != typ || m.Size != int64(len(data)) || len(m.SHA256) != 64 || m.By != staff.User {
				t.Errorf("%s recorded as %+v", typ, m)
			}
			got, body, err := s.MaterialFile(ctx, staff, a.ID, m.ID)
			if err != nil || !bytes.Equal(body, data) || got.Type != typ {
				t.Errorf("%s read back: %v, %d bytes", typ, err, len(body))
			}
		}
	})
}

// What is not a PDF, OFD, JPG or PNG is refused whatever its name: an
// executable called .pdf, a ZIP that is not OFD; so are an empty file, one
// over the limit, and a material the clause does not ask for.
func TestUploadRefusals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, _ := service(t, db, "2026-03-02")
		a, staff := bareDraft(t, s)
		var plainZip bytes.Buffer
		z := zip.NewWriter(&plainZip)
		z.Create("document.xml")
		z.Close()
		big := append([]byte("%PDF-1.7\n"), make([]byte, material.MaxFileSize)...)
		for _, tc := range []struct {
			name, kind, file string
			data             []byte
			field            string
		}{
			{"an executable renamed .pdf", "licences", "营业执照.pdf", append([]byte("MZ\x90\x00\x03\x00\x00\x00"), make([]byte, 200)...), "file"},
			{"a ZIP that is not OFD", "licences", "营业执照.ofd", plainZip.Bytes(), "file"},
			{"an empty file", "licences", "营业执照.pdf", nil, "file"},
			{"a file over the limit", "licences", "营业执照.pdf", big, "file"},
			{"a material of another clause", "lease-contract", "租赁合同.pdf", material.SpecimenPDF("lease"), "kind"},
		} {
			_, err := s.AddMaterial(ctx, staff, a.ID, workflow.MaterialUpload{Kind: tc.kind, Name: tc.file, Data: tc.data})
			var e *duixian.Error
			if !asError(err, &e) || e.Code != duixian.EINVALID || e.Field != tc.field || e.Zh == "" || e.En == "" {
				t.Errorf("%s: %v", tc.name, err)
			}
		}
		if tc := "文件类型不被接受"; func() bool {
			_, err := s.AddMaterial(ctx, staff, a.ID, workflow.MaterialUpload{Kind: "licences", Name: "x.pdf", Data: []byte("MZ\x90\x00")})
			return err == nil || !strings.Contains(err.Error(), tc)
		}() {
			t.Error("the refusal does not say the type is not accepted")
		}
		if got := must(t)(s.Application(ctx, staff, a.ID)); len(got.Materials) != 0 {
			t.Errorf("refused files were recorded: %+v", got.Materials)
		}
	})
}

// Another enterprise, and an official before submission, find neither the
// application nor its files; the department finds them once submitted.
func TestMaterialsAuthorizedLikeTheApplication(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, _ := service(t, db, "2026-03-02")
		a, staff := bareDraft(t, s)
		m, err := s.AddMaterial(ctx, staff, a.ID, workflow.MaterialUpload{Kind: "licences", Name: "营业执照.pdf", Data: material.SpecimenPDF("licence")})
		if err != nil {
			t.Fatal(err)
		}
		other := duixian.Actor{User: "staff@other", Role: duixian.RoleEnterprise, Enterprise: uscc(t, "91110302MA01YYYY1")}
		for who, actor := range map[string]duixian.Actor{"another enterprise": other, "the department, on a draft": culture, "finance, on a draft": finance} {
			if _, _, err := s.MaterialFile(ctx, actor, a.ID, m.ID); duixian.ErrorCode(err) != duixian.ENOTFOUND {
				t.Errorf("%s read the file: %v", who, err)
			}
		}
		if _, err := s.AddMaterial(ctx, other, a.ID, workflow.MaterialUpload{Kind: "licences", Name: "x.pdf", Data: material.SpecimenPDF("x")}); duixian.ErrorCode(err) != duixian.ENOTFOUND {
			t.Errorf("another enterprise uploaded: %v", err)
		}
		if _, err := s.RemoveMaterial(ctx, other, a.ID, m.ID); duixian.ErrorCode(err) != duixian.ENOTFOUND {
			t.Errorf("another enterprise removed: %v", err)
		}
		for _, u := range material.Specimens(mustClause(t, "jjgf-2025-21/7.1")) {
			if u.Kind != "licences" {
				if _, err := s.AddMaterial(ctx, staff, a.ID, u); err != nil {
					t.Fatal(err)
				}
			}
		}
		must(t)(s.Submit(ctx, staff, a.ID, "k1"))
		if _, body, err := s.MaterialFile(ctx, culture, a.ID, m.ID); err != nil || !bytes.HasPrefix(body, []byte("%PDF-")) {
			t.Errorf("the department cannot read the submitted file: %v", err)
		}
		if _, _, err := s.MaterialFile(ctx, other, a.ID, m.ID); duixian.ErrorCode(err) != duixian.ENOTFOUND {
			t.Errorf("another enterprise read the submitted file: %v", err)
		}
		// Once submitted, nothing is added or taken away.
		if _, err := s.AddMaterial(ctx, staff, a.ID, workflow.MaterialUpload{Kind: "reputation", Name: "荣誉.pdf", Data: material.SpecimenPDF("honour")}); duixian.ErrorCode(err) != duixian.ECONFLICT {
			t.Errorf("uploaded to a submitted application: %v", err)
		}
		if _, err := s.RemoveMaterial(ctx, staff, a.ID, m.ID); duixian.ErrorCode(err) != duixian.ECONFLICT {
			t.Errorf("removed from a submitted application: %v", err)
		}
	})
}

func mustClause(t testing.TB, id string) *engine.Clause {
	cl, ok := cat.Clause(id)
	if !ok {
		t.Fatalf("no clause %s", id)
	}
	return cl
}

// Every upload and removal is in the audit log, in its transaction, with
// the file's hash beside the state.
func TestMaterialAudited(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, _ := service(t, db, "2026-03-02")
		a, staff := bareDraft(t, s)
		m, err := s.AddMaterial(ctx, staff, a.ID, workflow.MaterialUpload{Kind: "licences", Name: "营业执照.pdf", Data: material.SpecimenPDF("licence")})
		if err != nil {
			t.Fatal(err)
		}
		must(t)(s.RemoveMaterial(ctx, staff, a.ID, m.ID))
		trail, err := s.AuditTrail(ctx, a.ID, duixian.PageRequest{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		var seen []string
		for _, e := range trail.Items {
			switch e.Action {
			case "upload-material", "remove-material":
				if !strings.Contains(e.After, "sha256:"+m.SHA256) || e.Actor.User != staff.User || !strings.HasPrefix(e.After, "draft / ") {
					t.Errorf("%s entry: %+v", e.Action, e)
				}
				seen = append(seen, e.Action)
			}
		}
		if strings.Join(seen, " ") != "upload-material remove-material" {
			t.Errorf("audit entries %v", seen)
		}
	})
}

// Submission names each missing material and its article; a 退回补正 names
// the photos, which must then be uploaded again before resubmission.
func TestReturnNamingAMaterialThenResubmit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, clk := service(t, db, "2026-03-02")
		a, staff := bareDraft(t, s)
		_, err := s.Submit(ctx, staff, a.ID, "k0")
		var e *duixian.Error
		if !asError(err, &e) || e.Field != "materials" || !strings.Contains(e.Zh, "经营场所施工合同（复印件）（21号第十一条）") ||
			!strings.Contains(e.Zh, "店面外观与店堂内部照片") || strings.Contains(e.Zh, "社会形象") {
			t.Fatalf("submitted without materials: %v", err)
		}
		for _, u := range specimens("jjgf-2025-21/7.1") {
			if _, err := s.AddMaterial(ctx, staff, a.ID, u); err != nil {
				t.Fatal(err)
			}
		}
		must(t)(s.Submit(ctx, staff, a.ID, "k1"))
		if _, err := s.Return(ctx, culture, a.ID, "照片不清晰", "no-such-material"); duixian.ErrorCode(err) != duixian.EINVALID {
			t.Fatalf("returned naming a material the clause does not list: %v", err)
		}
		clk.Set("2026-03-03")
		a = must(t)(s.Return(ctx, culture, a.ID, "店堂内部照片不清晰，请补充", "store-photos"))
		if a.Requested == nil || strings.Join(a.Requested.Kinds, ",") != "store-photos" {
			t.Fatalf("requested %+v", a.Requested)
		}
		// The photos uploaded before the return do not answer it.
		_, err = s.Submit(ctx, staff, a.ID, "k2")
		if !asError(err, &e) || e.Field != "materials" || !strings.Contains(e.Zh, "店面外观与店堂内部照片（21号第十一条）") || strings.Contains(e.Zh, "施工合同") {
			t.Fatalf("resubmitted without the requested photos: %v", err)
		}
		clk.Set("2026-03-04")
		if _, err := s.AddMaterial(ctx, staff, a.ID, workflow.MaterialUpload{Kind: "store-photos", Name: "店堂.png",
			Data: samples(t)[material.PNG]}); err != nil {
			t.Fatal(err)
		}
		a = must(t)(s.Submit(ctx, staff, a.ID, "k3"))
		if a.Status != duixian.StatusSubmitted || a.Requested != nil || len(a.Materials) != 8 {
			t.Fatalf("resubmitted: %s, requested %+v, %d files", a.Status, a.Requested, len(a.Materials))
		}
	})
}

// A payment records the voucher number, the account's last four digits
// and the day; each is required, named in both languages.
func TestDisbursementVoucher(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, clk := service(t, db, "2026-03-02")
		_, staff := registerBookstore(t, s)
		a := approvedQuarterHour(t, s, clk, staff, "2026-03-01")
		clk.Set("2026-03-20")
		for _, tc := range []struct {
			in    workflow.Disbursement
			field string
		}{
			{workflow.Disbursement{Account: "6222020012345678", PaidOn: date("2026-03-20")}, "voucher"},
			{workflow.Disbursement{Voucher: "JZ-1", Account: "62-2", PaidOn: date("2026-03-20")}, "account"},
			{workflow.Disbursement{Voucher: "JZ-1", Account: "6222 abc 5678", PaidOn: date("2026-03-20")}, "account"},
			{workflow.Disbursement{Voucher: "JZ-1", Account: "6222020012345678"}, "paid_on"},
			{workflow.Disbursement{Voucher: "JZ-1", Account: "6222020012345678", PaidOn: date("2026-04-01")}, "paid_on"},
		} {
			_, err := s.Disburse(ctx, finance, a.ID, fmt.Sprintf("pay-%+v", tc.in), tc.in)
			var e *duixian.Error
			if !asError(err, &e) || e.Code != duixian.EINVALID || e.Field != tc.field || e.Zh == "" || e.En == "" {
				t.Errorf("%+v: %v", tc.in, err)
			}
		}
		a = must(t)(s.Disburse(ctx, finance, a.ID, "pay", workflow.Disbursement{Voucher: " JZ-2026-0311 ", Account: "6222 0200 1234 5678", PaidOn: date("2026-03-20")}))
		p := a.Payments[0]
		if p.Voucher != "JZ-2026-0311" || p.Account != "5678" || p.PaidOn != date("2026-03-20") || p.MaskedAccount() != "**** **** 5678" {
			t.Fatalf("payment %+v", p)
		}
		stored := must(t)(s.Application(ctx, staff, a.ID))
		if doc, _ := json.Marshal(stored); strings.Contains(string(doc), "12345678") || strings.Contains(string(doc), "6222") {
			t.Errorf("the full account is stored: %s", doc)
		}
		trail, _ := s.AuditTrail(ctx, a.ID, duixian.PageRequest{Limit: 50})
		if !slices.ContainsFunc(trail.Items, func(e duixian.AuditEntry) bool { return e.Action == "disburse" }) {
			t.Error("the payment is not audited")
		}
	})
}
