package account

import (
	"context"
	"testing"

	"github.com/etown/duixian"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
)

const (
	registered   = "91110302MA01HJKL2W" // in the registry below
	unregistered = "91110302MA01ABCD12"
)

func registration(uscc, name, user string) RegisterInput {
	return RegisterInput{USCC: uscc, EnterpriseName: name, LegalRepresentative: "张三", Contact: "李四", Phone: "13800138000",
		Name: user, Password: "Register-Pass-2026"}
}

// An enterprise registers itself. Bad input is refused by field. Matched by
// USCC and name against the registry, the account is active at once;
// otherwise it waits, cannot sign in, and a reviewer activates it. The
// first account is the enterprise's 管理员, who adds staff; a second
// registration for the enterprise is refused.
func TestRegister(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _ := service(t, db)
		if err := db.Tx(ctx, func(tx *sqldb.Tx) error {
			return tx.PutEnterprise(&duixian.Enterprise{USCC: registered, Name: "北京亦庄星河科技有限公司"})
		}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			edit func(*RegisterInput)
			want string
		}{
			{func(in *RegisterInput) { in.USCC = "91110302MA01ABCD10" }, "invalid:uscc"},
			{func(in *RegisterInput) { in.LegalRepresentative = " " }, "invalid:legal_representative"},
			{func(in *RegisterInput) { in.Contact = "" }, "invalid:contact"},
			{func(in *RegisterInput) { in.Phone = "12345" }, "invalid:phone"},
			{func(in *RegisterInput) { in.Password = "weak" }, "invalid:password"},
			{func(in *RegisterInput) { in.Name = "culture" }, "conflict:"},
		} {
			in := registration(unregistered, "亦城书房文化传播有限公司", "shop-admin")
			tc.edit(&in)
			if _, err := s.Register(ctx, public, in); errField(err) != tc.want {
				t.Errorf("%+v: %v, want %s", in, err, tc.want)
			}
		}

		// Matched by the registry: active at once.
		u, err := s.Register(ctx, public, registration(registered, "北京亦庄星河科技有限公司", "tech-admin"))
		if err != nil || u.Pending || !u.EnterpriseAdmin || u.Registration.ActivatedBy != "registry" {
			t.Fatalf("a registration the registry matches: %+v %v", u, err)
		}
		// Matched, where the registry is not trusted to activate: waits.
		s.RegistryActivates = false
		if u, err := s.Register(ctx, public, registration(registered, "北京亦庄星河科技有限公司", "tech-other")); err == nil || duixian.ErrorCode(err) != duixian.ECONFLICT {
			t.Fatalf("a second registration of the enterprise: %+v %v", u, err)
		}
		if err := db.Tx(ctx, func(tx *sqldb.Tx) error {
			return tx.PutEnterprise(&duixian.Enterprise{USCC: "91110302MA01PQRT32", Name: "亦庄社区公共阅读空间"})
		}); err != nil {
			t.Fatal(err)
		}
		if u, err := s.Register(ctx, public, registration("91110302MA01PQRT32", "亦庄社区公共阅读空间", "space-admin")); err != nil || !u.Pending {
			t.Fatalf("registry not trusted: %+v %v", u, err)
		}
		s.RegistryActivates = true
		// Not in the registry: waits for an official.
		u, err = s.Register(ctx, public, registration(unregistered, "亦城书房文化传播有限公司", "shop-admin"))
		if err != nil || !u.Pending {
			t.Fatalf("a registration the registry does not know: %+v %v", u, err)
		}
		if _, _, _, err := s.SignIn(ctx, public, "shop-admin", "Register-Pass-2026"); err != ErrPending {
			t.Fatalf("signing in before activation: %v", err)
		}
		if _, err := s.Register(ctx, public, registration(registered, "北京亦庄星河科技有限公司", "tech-two")); errField(err) != "conflict:" {
			t.Fatalf("a second 管理员 for the enterprise: %v", err)
		}
		expert := duixian.Actor{User: "x", Role: duixian.RoleExpert}
		if _, err := s.Activate(ctx, expert, "shop-admin"); duixian.ErrorCode(err) != duixian.EFORBIDDEN {
			t.Fatalf("an expert activated a registration: %v", err)
		}
		culture := duixian.Actor{User: "culture", Role: duixian.RoleReviewer, Department: "文化局"}
		pending, err := s.Registrations(ctx, culture)
		if err != nil || len(pending) != 2 || pending[0].Name != "shop-admin" || pending[0].Registration.LegalRepresentative != "张三" {
			t.Fatalf("registrations waiting: %+v %v", pending, err)
		}
		if _, err := s.Activate(ctx, culture, "shop-admin"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Activate(ctx, culture, "shop-admin"); duixian.ErrorCode(err) != duixian.ECONFLICT {
			t.Fatalf("activated twice: %v", err)
		}
		_, _, shop, err := s.SignIn(ctx, public, "shop-admin", "Register-Pass-2026")
		if err != nil {
			t.Fatalf("after activation: %v", err)
		}

		// The 管理员 adds staff of their own enterprise; staff cannot.
		staff, err := s.AddStaff(ctx, shop.Actor(""), NewUser{Name: "shop-clerk", Display: "经办人", Role: duixian.RoleAdmin, Enterprise: registered, Password: "Clerk-Password-01"})
		if err != nil || staff.Role != duixian.RoleEnterprise || staff.Enterprise != unregistered || staff.EnterpriseAdmin || staff.Pending {
			t.Fatalf("add staff: %+v %v", staff, err)
		}
		if _, err := s.AddStaff(ctx, staff.Actor(""), NewUser{Name: "shop-third", Password: "Clerk-Password-02"}); duixian.ErrorCode(err) != duixian.EFORBIDDEN {
			t.Fatalf("staff added staff: %v", err)
		}
		list, err := s.Staff(ctx, shop.Actor(""))
		if err != nil || len(list) != 2 {
			t.Fatalf("the staff: %+v %v", list, err)
		}
		got := actions(t, s, "shop-admin")
		if got["register"] != 1 || got["registration-activate"] != 1 || got["denied:registration-activate"] != 2 {
			t.Fatalf("audited %v", got)
		}
	})
}
