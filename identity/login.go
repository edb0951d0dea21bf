package identity

import (
	"errors"
	"html/template"
	"net/http"

	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/claimflow/claimflow/rcm"
)

// The sign-in page: the dashboard's login, password and TOTP, checked by
// the same store code (lockout included). The page is served by claimflow,
// so the Temporal UI never sees a password.
var loginTmpl = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in to the Temporal UI · claimflow</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;max-width:26rem;margin:4rem auto;padding:0 1rem;color:#1b1f24}
label{display:block;margin-top:1rem;font-weight:600}
input{display:block;width:100%;box-sizing:border-box;padding:.5rem;font:inherit;margin-top:.25rem}
button{margin-top:1.5rem;padding:.6rem 1.2rem;font:inherit;font-weight:600}
.error{background:#fde8e8;border:1px solid #c81e1e;padding:.75rem;margin-top:1rem}
</style></head><body>
<main>
<h1>Sign in</h1>
<p>The Temporal UI uses your claimflow account: the same login, password and authenticator code as the billing dashboard.</p>
{{if .Error}}<p class="error" role="alert" id="login-error">{{.Error}}</p>{{end}}
<form method="post" action="login">
<input type="hidden" name="id" value="{{.ID}}">
<label for="login">Login</label><input id="login" name="login" autocomplete="username" required value="{{.Login}}">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<label for="totp">Authenticator code</label><input id="totp" name="totp" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" required>
<button type="submit">Sign in</button>
</form>
</main></body></html>`))

type loginView struct{ ID, Login, Error string }

func (p *Provider) renderLogin(w http.ResponseWriter, status int, v loginView) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	w.WriteHeader(status)
	_ = loginTmpl.Execute(w, v)
}

func (p *Provider) loginPage(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	if _, err := p.storage.AuthRequestByID(r.Context(), id); err != nil {
		p.renderLogin(w, http.StatusBadRequest, loginView{Error: "This sign-in link has expired. Go back to the Temporal UI and sign in again."})
		return
	}
	p.renderLogin(w, http.StatusOK, loginView{ID: id})
}

func (p *Provider) loginSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		p.renderLogin(w, http.StatusBadRequest, loginView{Error: "The form could not be read."})
		return
	}
	id, login := r.PostForm.Get("id"), r.PostForm.Get("login")
	if _, err := p.storage.AuthRequestByID(r.Context(), id); err != nil {
		p.renderLogin(w, http.StatusBadRequest, loginView{Error: "This sign-in link has expired. Go back to the Temporal UI and sign in again."})
		return
	}
	ctx := r.Context()
	tok, err := p.users.Login(ctx, login, r.PostForm.Get("password"), r.PostForm.Get("totp"))
	if err != nil {
		if !errors.Is(err, rcm.ErrUnauthenticated) && !errors.Is(err, rcm.ErrLocked) {
			p.log.ErrorContext(ctx, "oidc sign-in failed", "err", err.Error())
			p.renderLogin(w, http.StatusInternalServerError, loginView{ID: id, Login: login, Error: "Sign-in is unavailable; try again shortly."})
			return
		}
		p.renderLogin(w, http.StatusUnauthorized, loginView{ID: id, Login: login,
			Error: "The login, password or authenticator code is wrong, or the account is locked after repeated failures."})
		return
	}
	// The check opened a dashboard session; the Temporal UI gets tokens
	// instead, so end it at once.
	pr, err := p.users.Authenticate(ctx, tok)
	_ = p.users.Logout(ctx, tok)
	if err != nil {
		p.renderLogin(w, http.StatusInternalServerError, loginView{ID: id, Login: login, Error: "Sign-in is unavailable; try again shortly."})
		return
	}
	if !pr.Permissions[rcm.PermWorkflowDecode] {
		p.renderLogin(w, http.StatusForbidden, loginView{ID: id, Login: login,
			Error: "Your account does not hold workflow:decode, which the Temporal UI needs. Ask an administrator of your organisation to grant you the engineer role."})
		return
	}
	if err := p.storage.completeLogin(ctx, id, pr.UserID); err != nil {
		p.renderLogin(w, http.StatusBadRequest, loginView{Error: "This sign-in link has expired. Go back to the Temporal UI and sign in again."})
		return
	}
	http.Redirect(w, r, op.AuthCallbackURL(p.op)(ctx, id), http.StatusSeeOther)
}
