// Package material holds the rules of 申报材料, the files an applicant
// supplies with an application: which of the clause's materials a file may
// be (the catalogue lists them, each citing its article), which files are
// accepted (PDF, OFD, JPG and PNG, told by their content, never by the
// file's name or the type the client claims), how large a file and an
// application's files may be, and which materials are still missing before
// a submission. It decides; package workflow runs the upload and the
// removal as transitions of the application, and stores the bytes once by
// SHA-256 in the platform's database.
package material

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
)

// The limits. A scanned licence or a photo is well under MaxFileSize; an
// application's files together are bounded so that one application cannot
// fill the database.
const (
	MaxFileSize        = 20 << 20
	MaxApplicationSize = 200 << 20
	MaxFiles           = 60
	maxNameRunes       = 120
)

// A file's type, as its content shows it.
const (
	PDF = "pdf"
	OFD = "ofd" // GB/T 33190, the Chinese fixed-layout format: a ZIP with OFD.xml
	JPG = "jpg"
	PNG = "png"
)

// ContentType is the media type a file of type t is served with.
func ContentType(t string) string {
	switch t {
	case PDF:
		return "application/pdf"
	case OFD:
		return "application/ofd"
	case JPG:
		return "image/jpeg"
	case PNG:
		return "image/png"
	}
	return "application/octet-stream"
}

// Sniff tells a file's type from its first bytes (and, for OFD, the ZIP
// container's OFD.xml). Anything else — an executable renamed .pdf, a Word
// file, a ZIP that is not OFD — is refused, naming the accepted types.
func Sniff(data []byte) (string, error) {
	switch {
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return PDF, nil
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return JPG, nil
	case bytes.HasPrefix(data, []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}):
		return PNG, nil
	case bytes.HasPrefix(data, []byte("PK\x03\x04")) && isOFD(data):
		return OFD, nil
	}
	return "", duixian.Errorf(duixian.EINVALID, "file", "文件类型不被接受：只接受 PDF、OFD、JPG、PNG 文件（按文件内容识别，与文件名无关）",
		"file type not accepted: only PDF, OFD, JPG and PNG files (told by their content, not their name)")
}

// isOFD reports whether a ZIP is an OFD document: its entry point OFD.xml
// at the root.
func isOFD(data []byte) bool {
	z, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return false
	}
	return slices.ContainsFunc(z.File, func(f *zip.File) bool { return f.Name == "OFD.xml" })
}

// Upload is a file as the applicant sends it.
type Upload struct {
	Kind string // which of the clause's materials: its catalogue id
	Name string // the file's name, as shown; it decides nothing
	Data []byte
}

// Checked is an upload that passed: its type, SHA-256 and clean name.
type Checked struct {
	Upload
	Type   string
	SHA256 string
}

// Check applies the rules to an upload under clause cl beside the files the
// application already has: a material of the clause, a file neither empty
// nor over MaxFileSize, of an accepted type, and the application's files
// within MaxFiles and MaxApplicationSize. The same file twice under one
// material is refused rather than stored twice.
func Check(cl *engine.Clause, have []duixian.Material, u Upload) (Checked, error) {
	m, ok := cl.Material(u.Kind)
	if !ok {
		return Checked{}, duixian.Errorf(duixian.EINVALID, "kind", "条款%s没有材料“%s”；可上传：%s", "clause %s has no material %q; it asks for: %s",
			cl.ID, u.Kind, list(cl.Materials()))
	}
	switch n := len(u.Data); {
	case n == 0:
		return Checked{}, duixian.Errorf(duixian.EINVALID, "file", "文件为空", "the file is empty")
	case n > MaxFileSize:
		return Checked{}, duixian.Errorf(duixian.EINVALID, "file", "文件%s超过单个文件上限%s", "the file's %s is over the limit of %s per file", size(int64(n)), size(MaxFileSize))
	}
	t, err := Sniff(u.Data)
	if err != nil {
		return Checked{}, err
	}
	sum := sha256.Sum256(u.Data)
	c := Checked{Upload: u, Type: t, SHA256: hex.EncodeToString(sum[:])}
	c.Name = cleanName(u.Name, m.Zh, t)
	total := int64(len(u.Data))
	for _, h := range have {
		total += h.Size
		if h.Kind == u.Kind && h.SHA256 == c.SHA256 {
			return Checked{}, duixian.Conflict("“%s”已上传过同一文件（%s）", "the same file was already uploaded as %q (%s)", m.Zh, h.Name)
		}
	}
	if len(have) >= MaxFiles {
		return Checked{}, duixian.Errorf(duixian.EINVALID, "file", "每项申报至多%d个文件", "an application takes at most %d files", MaxFiles)
	}
	if total > MaxApplicationSize {
		return Checked{}, duixian.Errorf(duixian.EINVALID, "file", "本申报的材料合计将达%s，超过上限%s", "the application's files would total %s, over the limit of %s",
			size(total), size(MaxApplicationSize))
	}
	return c, nil
}

// cleanName keeps a file's name fit to show: its last path element, no
// control characters, at most maxNameRunes; a name left empty is the
// material's with the type's extension.
func cleanName(name, material, t string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, strings.TrimSpace(name))
	if name == "" || name == "." || name == "/" {
		name = material + "." + t
	}
	if r := []rune(name); len(r) > maxNameRunes {
		name = string(r[:maxNameRunes])
	}
	return name
}

// Missing lists what a submission lacks: every material of the clause that
// is not optional and has no file, and every material a 退回补正 asked for
// that has had no file since. A 免申即享 application (one confirmed from an
// offer) lacks nothing: the government data it was found in stands in.
func Missing(cl *engine.Clause, a *duixian.Application) []*engine.Material {
	if a.Offer != "" {
		return nil
	}
	var out []*engine.Material
	for _, m := range cl.Materials() {
		requested := a.Requested != nil && slices.Contains(a.Requested.Kinds, m.ID)
		if m.Optional && !requested {
			continue
		}
		if !slices.ContainsFunc(a.Materials, func(f duixian.Material) bool {
			return f.Kind == m.ID && (!requested || f.Uploaded.After(a.Requested.At))
		}) {
			out = append(out, m)
		}
	}
	return out
}

// MissingError is the refusal of a submission that lacks materials: each
// named with its article, in Chinese and English.
func MissingError(missing []*engine.Material) error {
	if len(missing) == 0 {
		return nil
	}
	zh, en := make([]string, len(missing)), make([]string, len(missing))
	for i, m := range missing {
		zh[i] = fmt.Sprintf("%s（%s）", m.Zh, m.Cite)
		en[i] = fmt.Sprintf("%s (%s)", m.En, m.Cite)
	}
	return &duixian.Error{Code: duixian.EINVALID, Field: "materials", Zh: "提交前须上传申报材料：" + strings.Join(zh, "；"),
		En: "upload these materials before submitting: " + strings.Join(en, "; ")}
}

// Requested checks the materials a 退回补正 names: each one of the clause's.
func Requested(cl *engine.Clause, kinds []string) ([]string, error) {
	var out []string
	for _, k := range kinds {
		if k = strings.TrimSpace(k); k == "" || slices.Contains(out, k) {
			continue
		}
		if _, ok := cl.Material(k); !ok {
			return nil, duixian.Errorf(duixian.EINVALID, "materials", "条款%s没有材料“%s”；可要求补正：%s", "clause %s has no material %q; it asks for: %s",
				cl.ID, k, list(cl.Materials()))
		}
		out = append(out, k)
	}
	return out, nil
}

func list(ms []*engine.Material) string {
	if len(ms) == 0 {
		return "（本条款未列申报材料）"
	}
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID + " " + m.Zh
	}
	return strings.Join(ids, "、")
}

// size writes a number of bytes for people.
func size(n int64) string {
	if n >= 1<<20 {
		tenths := n * 10 >> 20
		return fmt.Sprintf("%d.%d MB", tenths/10, tenths%10)
	}
	return fmt.Sprintf("%d KB", (n+1023)/1024)
}

// Specimens are one small PDF for each material cl requires, named after
// it: what the demo uploads, and what tests submit with when materials are
// not what they test.
func Specimens(cl *engine.Clause) []Upload {
	var out []Upload
	for _, m := range cl.Materials() {
		if !m.Optional {
			out = append(out, Upload{Kind: m.ID, Name: m.ID + ".pdf", Data: SpecimenPDF(m.ID)})
		}
	}
	return out
}

// SpecimenPDF is a valid one-page PDF showing text (ASCII).
func SpecimenPDF(text string) []byte {
	text = strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7E || r == '(' || r == ')' || r == '\\' {
			return '-'
		}
		return r
	}, text)
	content := "BT /F1 18 Tf 72 720 Td (" + text + ") Tj ET"
	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objects))
	for i, o := range objects {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return b.Bytes()
}

// Row is one of a clause's materials as an application stands: the files
// supplied for it, whether a submission lacks it, whether a 退回补正 asked
// for it.
type Row struct {
	Material  *engine.Material   `json:"material"`
	Files     []duixian.Material `json:"files"`
	Missing   bool               `json:"missing,omitempty"`
	Requested bool               `json:"requested,omitempty"`
}

// Rows are the clause's materials beside application a's files, in the
// catalogue's order; a file under a material the clause no longer lists
// (the catalogue changed) is kept, under its own id.
func Rows(cl *engine.Clause, a *duixian.Application) []Row {
	missing := Missing(cl, a)
	var out []Row
	for _, m := range cl.Materials() {
		r := Row{Material: m, Missing: slices.Contains(missing, m),
			Requested: a.Requested != nil && slices.Contains(a.Requested.Kinds, m.ID)}
		for _, f := range a.Materials {
			if f.Kind == m.ID {
				r.Files = append(r.Files, f)
			}
		}
		out = append(out, r)
	}
	for _, f := range a.Materials {
		if _, ok := cl.Material(f.Kind); !ok {
			out = append(out, Row{Material: &engine.Material{ID: f.Kind, Zh: f.Kind, En: f.Kind}, Files: []duixian.Material{f}})
		}
	}
	return out
}
