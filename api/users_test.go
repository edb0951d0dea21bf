package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/claimflow/claimflow/store"
)

// userID finds a user by login through GET /v1/users (as the root admin).
func (w *world) userID(login string) string {
	w.t.Helper()
	cursor := ""
	for {
		var l List[store.UserDetail]
		w.mustCall(200, w.rootAdmin, "GET", "/v1/users?limit=200&cursor="+cursor, nil, &l)
		for _, u := range l.Items {
			if u.Login == login {
				return u.ID
			}
		}
		if l.NextCursor == "" {
			w.t.Fatalf("no user %q in GET /v1/users", login)
		}
		cursor = l.NextCursor
	}
}

// noSecrets fails when a raw access-management answer carries a secret.
func noSecrets(t *testing.T, what string, raw json.RawMessage, secrets ...string) {
	t.Helper()
	low := strings.ToLower(string(raw))
	for _, bad := range []string{"hash", "totp", "password", "cf_sys_", "cf_ses_"} {
		if strings.Contains(low, bad) {
			t.Errorf("%s carries %q: %s", what, bad, raw)
		}
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(string(raw), s) {
			t.Errorf("%s carries a secret: %s", what, raw)
		}
	}
}

// TestAPITokenRevocation: a system user's token works (and is cached), is
// revoked through the API and answers 401 on the very next request.
func TestAPITokenRevocation(t *testing.T) {
	w := newWorld(t)
	var u CreatedUser
	w.mustCall(201, w.rootAdmin, "POST", "/v1/users", map[string]any{"org_id": w.facA.ID, "kind": "system", "login": "revoke-me", "display_name": "TEST SYSTEM"}, &u)
	w.mustCall(201, w.rootAdmin, "POST", "/v1/users/"+u.ID+"/grants", map[string]any{"org_id": w.facA.ID, "role": "clinician"}, nil)
	var issued store.IssuedToken
	w.mustCall(201, w.rootAdmin, "POST", "/v1/users/"+u.ID+"/tokens", nil, &issued)
	if !strings.HasPrefix(issued.Token, "cf_sys_") || issued.ID == "" || issued.CreatedAt.IsZero() {
		t.Fatalf("issued token = %+v", issued)
	}
	var other store.IssuedToken
	w.mustCall(201, w.rootAdmin, "POST", "/v1/users/"+u.ID+"/tokens", nil, &other)

	for range 3 { // the later answers come from the in-process cache
		w.mustCall(200, issued.Token, "GET", "/v1/patients", nil, nil)
	}
	var raw json.RawMessage
	w.mustCall(200, w.rootAdmin, "GET", "/v1/users/"+u.ID+"/tokens", nil, &raw)
	noSecrets(t, "GET tokens", raw, issued.Token, other.Token)
	var tl List[store.APIToken]
	if err := json.Unmarshal(raw, &tl); err != nil {
		t.Fatal(err)
	}
	if len(tl.Items) != 2 || tl.Items[0].ID != issued.ID || tl.Items[0].LastUsedAt == nil || tl.Items[0].RevokedAt != nil || tl.Items[1].LastUsedAt != nil {
		t.Fatalf("tokens = %+v", tl.Items)
	}
	// Paged one at a time.
	var page List[store.APIToken]
	w.mustCall(200, w.rootAdmin, "GET", "/v1/users/"+u.ID+"/tokens?limit=1", nil, &page)
	if len(page.Items) != 1 || page.NextCursor == "" {
		t.Fatalf("first page = %+v", page)
	}
	w.mustCall(200, w.rootAdmin, "GET", "/v1/users/"+u.ID+"/tokens?limit=1&cursor="+page.NextCursor, nil, &page)
	if len(page.Items) != 1 || page.Items[0].ID != other.ID {
		t.Fatalf("second page = %+v", page)
	}

	var rev store.APIToken
	w.mustCall(200, w.rootAdmin, "POST", "/v1/users/"+u.ID+"/tokens/"+issued.ID+"/revoke", nil, &rev)
	if rev.ID != issued.ID || rev.RevokedAt == nil {
		t.Fatalf("revoked = %+v", rev)
	}
	w.mustCall(401, issued.Token, "GET", "/v1/patients", nil, nil) // no sleep: the cache was cleared
	w.mustCall(200, other.Token, "GET", "/v1/patients", nil, nil)  // the user's other token still works

	// Idempotent: the same token, the first revocation time.
	var again store.APIToken
	w.mustCall(200, w.rootAdmin, "POST", "/v1/users/"+u.ID+"/tokens/"+issued.ID+"/revoke", nil, &again)
	if again.RevokedAt == nil || !again.RevokedAt.Equal(*rev.RevokedAt) {
		t.Fatalf("revoked again = %+v, want revoked_at %v", again, rev.RevokedAt)
	}
	w.mustCall(200, w.rootAdmin, "GET", "/v1/users/"+u.ID+"/tokens", nil, &tl)
	if tl.Items[0].RevokedAt == nil || tl.Items[1].RevokedAt != nil {
		t.Fatalf("tokens after the revocation = %+v", tl.Items)
	}
	// A token of another user, an unknown token, a bad id: 404.
	w.token(w.facA.ID, "a-other-system")
	otherUser := w.userID("a-other-system")
	var ot List[store.APIToken]
	w.mustCall(200, w.rootAdmin, "GET", "/v1/users/"+otherUser+"/tokens", nil, &ot)
	w.mustCall(404, w.rootAdmin, "POST", "/v1/users/"+u.ID+"/tokens/"+ot.Items[0].ID+"/revoke", nil, nil)
	w.mustCall(404, w.rootAdmin, "POST", "/v1/users/"+u.ID+"/tokens/01890000-0000-7000-8000-000000000000/revoke", nil, nil)
	w.mustCall(404, w.rootAdmin, "POST", "/v1/users/"+u.ID+"/tokens/not-a-token/revoke", nil, nil)
	w.mustCall(404, w.rootAdmin, "POST", "/v1/users/not-a-user/tokens", nil, nil)
}

// TestDisableEnableUnlockAndRevokeGrant walks the termination procedure on a
// staff member: disable ends their session at once and refuses login,
// enable restores login, unlock clears a lockout, revoking a grant removes
// the permission; another organisation's admin sees none of it; every write
// is in the audit log.
func TestDisableEnableUnlockAndRevokeGrant(t *testing.T) {
	w := newWorld(t)
	var now atomic.Int64
	now.Store(time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC).UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()).UTC() }
	w.store.UseClock(clock)
	w.store.UsePolicy(store.AuthPolicy{SessionIdle: 15 * time.Minute, SessionMaxAge: 8 * time.Hour, MaxFailures: 3, Lockout: time.Hour})
	w.rootAdmin = w.token(w.root.ID, "root-admin-2030", "admin") // the first expired when the clock moved to 2030

	var u CreatedUser
	w.mustCall(201, w.rootAdmin, "POST", "/v1/users", map[string]any{"org_id": w.facA.ID, "kind": "staff", "login": "leaver@example.invalid",
		"display_name": "TEST LEAVER", "password": "correct horse battery"}, &u)
	w.mustCall(201, w.rootAdmin, "POST", "/v1/users/"+u.ID+"/grants", map[string]any{"org_id": w.facA.ID, "role": "front_desk"}, nil)
	w.mustCall(201, w.rootAdmin, "POST", "/v1/users/"+u.ID+"/grants", map[string]any{"org_id": w.facA.ID, "role": "biller"}, nil)
	login := func(pw string) (int, string) {
		t.Helper()
		now.Add(int64(time.Minute)) // a fresh TOTP step each time
		var out map[string]any
		st := w.call("", "POST", "/v1/auth/login", map[string]any{"login": "leaver@example.invalid", "password": pw, "totp": store.TOTPCode(u.TOTPSecret, clock())}, &out)
		tok, _ := out["token"].(string)
		return st, tok
	}
	st, ses := login("correct horse battery")
	if st != 200 {
		t.Fatalf("login = %d", st)
	}
	w.mustCall(200, ses, "GET", "/v1/patients", nil, nil)
	w.mustCall(200, ses, "GET", "/v1/claims", nil, nil) // biller

	// Read: the user, their grants, never a secret.
	var raw json.RawMessage
	w.mustCall(200, w.rootAdmin, "GET", "/v1/users/"+u.ID, nil, &raw)
	noSecrets(t, "GET user", raw, u.TOTPSecret, ses)
	var got store.UserDetail
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if got.Login != "leaver@example.invalid" || got.Kind != "staff" || got.OrgID != w.facA.ID || got.Disabled || got.LockedUntil != nil || len(got.Grants) != 2 {
		t.Fatalf("user = %+v", got)
	}
	w.mustCall(200, w.rootAdmin, "GET", "/v1/users?org_id="+w.facA.ID, nil, &raw)
	noSecrets(t, "GET users", raw, u.TOTPSecret, ses)
	var ul List[store.UserDetail]
	if err := json.Unmarshal(raw, &ul); err != nil {
		t.Fatal(err)
	}
	if len(ul.Items) != 1 || ul.Items[0].ID != u.ID || len(ul.Items[0].Grants) != 2 {
		t.Fatalf("users of facility A = %+v", ul.Items)
	}
	w.mustCall(422, w.rootAdmin, "GET", "/v1/users?org_id=not-an-id", nil, nil)
	w.mustCall(404, w.rootAdmin, "GET", "/v1/users/not-an-id", nil, nil)

	// Revoking a grant removes the permission on the next request.
	var gr store.GrantRevocation
	w.mustCall(200, w.rootAdmin, "POST", "/v1/users/"+u.ID+"/grants/revoke", map[string]any{"org_id": w.facA.ID, "role": "biller"}, &gr)
	if !gr.Revoked || gr.Role != "biller" || gr.UserID != u.ID {
		t.Fatalf("revocation = %+v", gr)
	}
	w.mustCall(403, ses, "GET", "/v1/claims", nil, nil)
	w.mustCall(200, ses, "GET", "/v1/patients", nil, nil)
	w.mustCall(200, w.rootAdmin, "POST", "/v1/users/"+u.ID+"/grants/revoke", map[string]any{"org_id": w.facA.ID, "role": "biller"}, &gr)
	if gr.Revoked {
		t.Fatalf("revoking a grant the user does not hold = %+v", gr)
	}
	var prob Problem
	w.mustCall(422, w.rootAdmin, "POST", "/v1/users/"+u.ID+"/grants/revoke", map[string]any{"org_id": "", "role": ""}, &prob)
	if len(prob.Errors) != 2 || prob.Errors[0].Pointer != "/org_id" || prob.Errors[1].Pointer != "/role" {
		t.Fatalf("problem = %+v", prob)
	}

	// Same for an API token, whose principal is cached in-process.
	sysTok := w.token(w.facA.ID, "a-billing-system", "biller")
	sysID := w.userID("a-billing-system")
	w.mustCall(200, sysTok, "GET", "/v1/claims", nil, nil)
	w.mustCall(200, sysTok, "GET", "/v1/claims", nil, nil)
	w.mustCall(200, w.rootAdmin, "POST", "/v1/users/"+sysID+"/grants/revoke", map[string]any{"org_id": w.facA.ID, "role": "biller"}, &gr)
	if st := w.call(sysTok, "GET", "/v1/claims", nil, nil); st != 403 {
		t.Fatalf("a token after its grant was revoked = %d, want 403", st)
	}

	// Another organisation's admin: 404 on every route, nothing listed.
	bAdmin := w.token(w.facB.ID, "b-admin", "admin")
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"GET", "/v1/users/" + u.ID, nil},
		{"POST", "/v1/users/" + u.ID + "/disable", nil},
		{"POST", "/v1/users/" + u.ID + "/enable", nil},
		{"POST", "/v1/users/" + u.ID + "/unlock", nil},
		{"POST", "/v1/users/" + u.ID + "/grants/revoke", map[string]any{"org_id": w.facA.ID, "role": "front_desk"}},
		{"GET", "/v1/users/" + sysID + "/tokens", nil},
		{"POST", "/v1/users/" + sysID + "/tokens", nil},
	} {
		if st := w.call(bAdmin, c.method, c.path, c.body, nil); st != 404 {
			t.Errorf("facility B's admin: %s %s = %d, want 404", c.method, c.path, st)
		}
	}
	var sysTokens List[store.APIToken]
	w.mustCall(200, w.rootAdmin, "GET", "/v1/users/"+sysID+"/tokens", nil, &sysTokens)
	if st := w.call(bAdmin, "POST", "/v1/users/"+sysID+"/tokens/"+sysTokens.Items[0].ID+"/revoke", nil, nil); st != 404 {
		t.Errorf("facility B's admin revoking A's token = %d, want 404", st)
	}
	for _, path := range []string{"/v1/users", "/v1/users?org_id=" + w.facA.ID} {
		var l List[store.UserDetail]
		w.mustCall(200, bAdmin, "GET", path, nil, &l)
		for _, it := range l.Items {
			if it.OrgID != w.facB.ID {
				t.Errorf("facility B's admin: GET %s lists %s of %s", path, it.Login, it.OrgID)
			}
		}
	}
	// Without user:write: 403.
	w.mustCall(403, ses, "GET", "/v1/users/"+u.ID, nil, nil)
	w.mustCall(403, ses, "POST", "/v1/users/"+u.ID+"/disable", nil, nil)
	// The session still works: none of that changed anything.
	w.mustCall(200, ses, "GET", "/v1/patients", nil, nil)

	// Disable: the open session answers 401 at once, login is refused.
	var dis store.UserDetail
	w.mustCall(200, w.rootAdmin, "POST", "/v1/users/"+u.ID+"/disable", nil, &dis)
	if !dis.Disabled {
		t.Fatalf("disabled = %+v", dis)
	}
	w.mustCall(401, ses, "GET", "/v1/patients", nil, nil)
	var open int
	if err := w.store.Pool.QueryRow(context.Background(), `SELECT count(*) FROM sessions WHERE user_id = $1 AND revoked_at IS NULL`, u.ID).Scan(&open); err != nil || open != 0 {
		t.Fatalf("open sessions after disable = %d, %v", open, err)
	}
	if st, _ := login("correct horse battery"); st != 401 {
		t.Fatalf("login of a disabled user = %d, want 401", st)
	}
	// A caller cannot disable themself.
	rootID := w.userID("root-admin-2030")
	w.mustCall(409, w.rootAdmin, "POST", "/v1/users/"+rootID+"/disable", nil, &prob)
	if !strings.HasSuffix(prob.Type, "/cannot-disable-self") {
		t.Fatalf("self-disable problem = %+v", prob)
	}
	// A disabled system user's tokens stop too (and work again on enable).
	w.mustCall(200, w.rootAdmin, "POST", "/v1/users/"+sysID+"/disable", nil, nil)
	w.mustCall(401, sysTok, "GET", "/v1/patients", nil, nil)
	w.mustCall(200, w.rootAdmin, "POST", "/v1/users/"+sysID+"/enable", nil, nil)
	w.mustCall(403, sysTok, "GET", "/v1/patients", nil, nil) // authenticated again; its only grant was revoked

	// Enable: login works again; the old session stays revoked.
	var en store.UserDetail
	w.mustCall(200, w.rootAdmin, "POST", "/v1/users/"+u.ID+"/enable", nil, &en)
	if en.Disabled {
		t.Fatalf("enabled = %+v", en)
	}
	st, ses2 := login("correct horse battery")
	if st != 200 {
		t.Fatalf("login after enable = %d", st)
	}
	w.mustCall(200, ses2, "GET", "/v1/patients", nil, nil)
	w.mustCall(401, ses, "GET", "/v1/patients", nil, nil)

	// Unlock: three failures lock the account for an hour; unlock clears it.
	for range 3 {
		login("wrong password!")
	}
	if st, _ := login("correct horse battery"); st != http.StatusUnauthorized {
		t.Fatalf("locked login = %d, want 401 (a locked account answers as a wrong password)", st)
	}
	w.mustCall(200, w.rootAdmin, "GET", "/v1/users/"+u.ID, nil, &got)
	if got.LockedUntil == nil {
		t.Fatalf("locked user = %+v, want locked_until", got)
	}
	var unl store.UserDetail
	w.mustCall(200, w.rootAdmin, "POST", "/v1/users/"+u.ID+"/unlock", nil, &unl)
	if unl.LockedUntil != nil {
		t.Fatalf("unlocked = %+v", unl)
	}
	var failed int
	if err := w.store.Pool.QueryRow(context.Background(), `SELECT failed_logins FROM users WHERE id = $1`, u.ID).Scan(&failed); err != nil || failed != 0 {
		t.Fatalf("failed_logins after unlock = %d, %v", failed, err)
	}
	if st, _ := login("correct horse battery"); st != 200 {
		t.Fatalf("login after unlock = %d", st)
	}

	// Every write is audited against the user, with who and where.
	comp := w.token(w.root.ID, "compliance", "compliance")
	var al List[store.AuditEntry]
	w.mustCall(200, comp, "GET", "/v1/audit?actor_id="+rootID+"&limit=200", nil, &al)
	seen := map[string]bool{}
	for _, e := range al.Items {
		if e.Resource != "user" {
			continue
		}
		seen[e.Action+" "+e.ResourceID] = true
		if e.PatientID != "" || e.SourceIP == "" || e.RequestID == "" || e.OrgID != w.facA.ID || len(e.Fields) == 0 {
			t.Errorf("audit row = %+v", e)
		}
	}
	for _, want := range []string{"disable " + u.ID, "enable " + u.ID, "unlock " + u.ID, "revoke_grant " + u.ID, "disable " + sysID, "enable " + sysID, "revoke_grant " + sysID} {
		if !seen[want] {
			t.Errorf("audit lacks %q: %v", want, seen)
		}
	}
	if rep, err := w.store.VerifyAudit(context.Background()); err != nil || !rep.OK {
		t.Fatalf("audit chain: %+v %v", rep, err)
	}
}

// TestRevokeGrantFromTheGrantingOrganisation: an admin who may grant a role
// at their organisation may take it back from a user of another
// organisation (granted there by an admin of both), but sees nothing else
// of that user, and cannot grant them anything (issue 14, finding 4: the
// user must be in the granter's organisations).
func TestRevokeGrantFromTheGrantingOrganisation(t *testing.T) {
	w := newWorld(t)
	aTok := w.token(w.facA.ID, "a-consultant", "clinician")
	aID := w.userID("a-consultant")
	bAdmin := w.token(w.facB.ID, "b-admin", "admin")
	w.mustCall(404, bAdmin, "POST", "/v1/users/"+aID+"/grants", map[string]any{"org_id": w.facB.ID, "role": "clinician"}, nil)
	w.mustCall(201, w.rootAdmin, "POST", "/v1/users/"+aID+"/grants", map[string]any{"org_id": w.facB.ID, "role": "clinician"}, nil)
	w.mustCall(200, aTok, "GET", "/v1/providers/"+w.provB.ID, nil, nil)

	w.mustCall(404, bAdmin, "GET", "/v1/users/"+aID, nil, nil)
	// A grant at A: not B's to revoke, and it does not exist as far as B knows.
	w.mustCall(404, bAdmin, "POST", "/v1/users/"+aID+"/grants/revoke", map[string]any{"org_id": w.facA.ID, "role": "clinician"}, nil)
	// A grant at B the user does not hold: 404 too (B cannot probe A's users).
	w.mustCall(404, bAdmin, "POST", "/v1/users/"+aID+"/grants/revoke", map[string]any{"org_id": w.facB.ID, "role": "biller"}, nil)
	var gr store.GrantRevocation
	w.mustCall(200, bAdmin, "POST", "/v1/users/"+aID+"/grants/revoke", map[string]any{"org_id": w.facB.ID, "role": "clinician"}, &gr)
	if !gr.Revoked {
		t.Fatalf("revocation = %+v", gr)
	}
	w.mustCall(404, aTok, "GET", "/v1/providers/"+w.provB.ID, nil, nil)
	w.mustCall(200, aTok, "GET", "/v1/providers/"+w.provA.ID, nil, nil)
}
