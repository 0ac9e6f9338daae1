package main

import (
	"flag"
	"os"
	"strings"

	"github.com/etown/duixian/sso"
)

// ssoFlags are serve's settings of single sign-on. Each may also be given
// in the environment as DUIXIAN_ and its name in capitals with
// underscores (DUIXIAN_OIDC_ISSUER), a flag winning over its variable.
// The client secret is never a flag, which ps would show: it is read from
// --oidc-client-secret-file, or else DUIXIAN_OIDC_CLIENT_SECRET.
type ssoFlags struct {
	issuer, clientID, secretFile, redirectURL, postLogoutURL  string
	scopes, usccClaim, officialClaim, audiences, secondFactor string
}

// secretVariable holds the client secret when no file is named.
const secretVariable = "DUIXIAN_OIDC_CLIENT_SECRET"

func (f *ssoFlags) declare(fl *flag.FlagSet) {
	fl.StringVar(&f.issuer, "oidc-issuer", "", "single sign-on: the OpenID Connect provider's issuer URL (none: no single sign-on)")
	fl.StringVar(&f.clientID, "oidc-client-id", "", "single sign-on: the client id registered at the provider")
	fl.StringVar(&f.secretFile, "oidc-client-secret-file", "", "single sign-on: a file holding the client secret (else $"+secretVariable+")")
	fl.StringVar(&f.redirectURL, "oidc-redirect-url", "", "single sign-on: https://HOST/login/sso/callback, as registered at the provider")
	fl.StringVar(&f.postLogoutURL, "oidc-post-logout-url", "", "single sign-on: where the provider sends the browser after signing out (default https://HOST/)")
	fl.StringVar(&f.scopes, "oidc-scopes", strings.Join(sso.DefaultScopes, ","), "single sign-on: the scopes asked for, comma-separated")
	fl.StringVar(&f.usccClaim, "oidc-uscc-claim", sso.DefaultUSCCClaim, "single sign-on: the claim holding an enterprise's USCC (empty: none)")
	fl.StringVar(&f.officialClaim, "oidc-official-claim", sso.DefaultOfficialClaim, "single sign-on: the claim naming an official's account (empty: none)")
	fl.StringVar(&f.audiences, "oidc-trusted-audiences", "", "single sign-on: audiences an ID token may name beside the client id, comma-separated")
	fl.StringVar(&f.secondFactor, "oidc-second-factor", "platform", "single sign-on: platform (the platform's second factor is asked after the provider) or provider (the provider checks one)")
	// The environment first; the command line, parsed after, wins.
	fl.VisitAll(func(fl *flag.Flag) {
		if !strings.HasPrefix(fl.Name, "oidc-") {
			return
		}
		if v, ok := os.LookupEnv("DUIXIAN_" + strings.ToUpper(strings.ReplaceAll(fl.Name, "-", "_"))); ok {
			fl.Value.Set(v)
		}
	})
}

// provider is the relying party the flags describe, nil without an issuer;
// skips reports whether single sign-on skips the platform's second factor.
func (f *ssoFlags) provider() (p *sso.Provider, skips bool, err error) {
	switch f.secondFactor {
	case "platform":
	case "provider":
		skips = true
	default:
		return nil, false, usageError("oidc-second-factor", "--oidc-second-factor 应为 platform 或 provider", "--oidc-second-factor must be platform or provider")
	}
	if f.issuer == "" {
		if f.clientID != "" || f.secretFile != "" || f.redirectURL != "" {
			return nil, false, usageError("oidc-issuer", "配置统一身份认证须提供 --oidc-issuer", "single sign-on needs --oidc-issuer")
		}
		return nil, false, nil
	}
	secret, ok := os.LookupEnv(secretVariable)
	if f.secretFile != "" {
		b, err := os.ReadFile(f.secretFile)
		if err != nil {
			return nil, false, usageError("oidc-client-secret-file", "无法读取客户端密钥文件："+err.Error(), "cannot read the client secret file: "+err.Error())
		}
		secret, ok = string(b), true
	}
	if !ok {
		return nil, false, usageError("oidc-client-secret-file", "须以 --oidc-client-secret-file 或环境变量 "+secretVariable+" 提供客户端密钥",
			"the client secret is needed, in --oidc-client-secret-file or "+secretVariable)
	}
	p, err = sso.New(sso.Config{Issuer: f.issuer, ClientID: f.clientID, ClientSecret: strings.TrimSpace(secret), RedirectURL: f.redirectURL,
		PostLogoutURL: f.postLogoutURL, Scopes: list(f.scopes), USCCClaim: strings.TrimSpace(f.usccClaim),
		OfficialClaim: strings.TrimSpace(f.officialClaim), TrustedAudiences: list(f.audiences)})
	return p, skips, err
}

// list splits a comma-separated flag, dropping empty items.
func list(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
