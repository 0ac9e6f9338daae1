package notify_test

import (
	"strings"
	"testing"

	"github.com/etown/duixian/notify"
	"github.com/etown/duixian/notify/smtptest"
)

// An e-mail reaches a real SMTP server with its recipient, its Chinese
// subject as RFC 2047 words and its body in UTF-8.
func TestSMTP(t *testing.T) {
	srv := smtptest.Start(t)
	m := &notify.SMTP{Host: srv.Host, Port: srv.Port, From: "政策兑现平台 <noreply@etown.example>"}
	if err := m.Check(); err != nil {
		t.Fatal(err)
	}
	body := "贵企业的申报 A1（21号第七条（一））被退回补正。\n\n查看详情：https://zc.example/my/A1"
	if err := m.Send(ctx, notify.Mail{To: "manager@bookstore.example", Subject: "申报需补正：一刻钟便民生活圈", Body: body}); err != nil {
		t.Fatal(err)
	}
	got := srv.Messages()
	if len(got) != 1 {
		t.Fatalf("%d messages", len(got))
	}
	g := got[0]
	if len(g.To) != 1 || g.To[0] != "manager@bookstore.example" || g.From != "noreply@etown.example" {
		t.Fatalf("envelope from %s to %v", g.From, g.To)
	}
	if g.Subject != "申报需补正：一刻钟便民生活圈" || !strings.Contains(string(g.Raw), "Subject: =?UTF-8?b?") {
		t.Fatalf("subject %q, raw:\n%s", g.Subject, g.Raw)
	}
	if strings.ReplaceAll(g.Body, "\r\n", "\n") != body {
		t.Fatalf("body %q", g.Body)
	}
	// An address with a line break in it would write headers of its own.
	if err := m.Send(ctx, notify.Mail{To: "x@example.cn\r\nBcc: all@example.cn", Subject: "测试", Body: "测试"}); err == nil || len(srv.Messages()) != 1 {
		t.Fatalf("sent to a forged address: %v", err)
	}
	// The server down: the delivery fails (for the job to retry).
	srv.Down()
	if err := m.Send(ctx, notify.Mail{To: "x@example.cn", Subject: "测试", Body: "测试"}); err == nil {
		t.Fatal("sent to a server that is down")
	}
	// STARTTLS required of a server that does not offer it: not sent.
	srv.Up(t)
	m.StartTLS = true
	if err := m.Send(ctx, notify.Mail{To: "x@example.cn", Subject: "测试", Body: "测试"}); err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("sent without the TLS required: %v", err)
	}
}
