package store

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/crypto/argon2"

	"github.com/claimflow/claimflow/store/internal/pgq"
)

// AuthPolicy sets session lifetimes and the login lockout.
type AuthPolicy struct {
	SessionIdle   time.Duration // a session unused this long ends
	SessionMaxAge time.Duration // and ends this long after login regardless
	MaxFailures   int           // failed logins in a row before a lockout
	Lockout       time.Duration
	// Sign-in attempts counted per account (login name) and per source
	// address within AttemptWindow; past either, Login answers
	// *RateLimited. 0 = no limit.
	AccountAttempts, AddressAttempts int
	AttemptWindow                    time.Duration
	// APITokenTTL is an API token's lifetime (0 = DefaultAPITokenTTL: a
	// token always expires); a rotated token expires TokenRotationGrace
	// after its successor is issued.
	APITokenTTL        time.Duration
	TokenRotationGrace time.Duration
}

// DefaultAPITokenTTL is an API token's lifetime when the policy sets none.
const DefaultAPITokenTTL = 90 * 24 * time.Hour

// DefaultAuthPolicy: 15 minutes idle, 8 hours at most, 5 failures lock the
// account for 15 minutes; 5 sign-in attempts a minute per account and 20
// per address; API tokens live 90 days, a rotated one 1 hour more.
var DefaultAuthPolicy = AuthPolicy{SessionIdle: 15 * time.Minute, SessionMaxAge: 8 * time.Hour, MaxFailures: 5, Lockout: 15 * time.Minute,
	AccountAttempts: 5, AddressAttempts: 20, AttemptWindow: time.Minute, APITokenTTL: DefaultAPITokenTTL, TokenRotationGrace: time.Hour}

var orgKinds = map[string]string{"health_system": "", "facility": "health_system", "practice": "health_system", "department": "facility|practice"}

// CreateOrg adds an organisation. A root (health system) needs the System
// actor; anything else needs org:write at the parent.
func (s *Store) CreateOrg(ctx context.Context, a Actor, o Org) (Org, error) {
	var pr problems
	parentKinds, ok := orgKinds[o.Kind]
	if !ok {
		pr.Add("/kind", "must be health_system, facility, practice or department")
	}
	if strings.TrimSpace(o.Name) == "" {
		pr.Add("/name", "is required")
	}
	if o.Kind == "health_system" && o.ParentID != "" {
		pr.Add("/parent_id", "a health system has no parent")
	}
	if o.Kind != "health_system" && ok && !validID(o.ParentID) {
		pr.Add("/parent_id", "is required")
	}
	if err := pr.Err(); err != nil {
		return Org{}, err
	}
	o.ID = newID()
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if o.ParentID == "" {
			if a != System {
				return ErrNotFound
			}
			var err error
			o.CreatedAt, err = pgq.New(tx).InsertRootOrg(ctx, pgq.InsertRootOrgParams{ID: o.ID, Kind: o.Kind, Name: o.Name})
			return err
		}
		if err := requireScope(ctx, tx, a, PermOrgWrite, o.ParentID); err != nil {
			return &ValidationError{Fields: []FieldProblem{{Pointer: "/parent_id", Detail: "does not exist"}}}
		}
		db := pgq.New(tx)
		pk, err := db.GetOrgKind(ctx, o.ParentID)
		if err != nil {
			return err
		}
		if !strings.Contains("|"+parentKinds+"|", "|"+pk+"|") {
			return &ValidationError{Fields: []FieldProblem{{Pointer: "/parent_id", Detail: "a " + o.Kind + " cannot sit under a " + pk}}}
		}
		o.CreatedAt, err = db.InsertChildOrg(ctx, pgq.InsertChildOrgParams{ID: o.ID, ParentID: o.ParentID, Kind: o.Kind, Name: o.Name})
		return err
	})
	return o, err
}

// GetOrg reads an organisation the actor can see.
func (s *Store) GetOrg(ctx context.Context, a Actor, id string) (Org, error) {
	return readScoped(ctx, s, a, id, scopedRead[Org]{
		perm: PermOrgRead,
		get: func(ctx context.Context, tx pgx.Tx) (Org, error) {
			return getOrg(ctx, tx, id)
		},
		org: func(o Org) string { return o.ID },
	})
}

// getOrg reads one organisation (ErrNotFound when there is none).
func getOrg(ctx context.Context, db pgq.DBTX, id string) (Org, error) {
	r, err := pgq.New(db).GetOrg(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return Org{}, ErrNotFound
	}
	return Org(r), err
}

// RenameOrg changes an organisation's name (org:write there).
func (s *Store) RenameOrg(ctx context.Context, a Actor, id, name string) (Org, error) {
	if strings.TrimSpace(name) == "" {
		return Org{}, &ValidationError{Fields: []FieldProblem{{Pointer: "/name", Detail: "is required"}}}
	}
	var o Org
	if !validID(id) {
		return o, ErrNotFound
	}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := requireScope(ctx, tx, a, PermOrgWrite, id); err != nil {
			return err
		}
		if err := pgq.New(tx).UpdateOrgName(ctx, pgq.UpdateOrgNameParams{ID: id, Name: name}); err != nil {
			return err
		}
		var err error
		o, err = getOrg(ctx, tx, id)
		return err
	})
	return o, err
}

// ListOrgs lists the organisations the actor can see.
func (s *Store) ListOrgs(ctx context.Context, a Actor, p Page) ([]Org, string, error) {
	after, err := p.AfterID()
	if err != nil {
		return nil, "", err
	}
	rows, err := pgq.New(s.Pool).ListOrgs(ctx, pgq.ListOrgsParams{Actor: nullText(a.UserID), Perm: PermOrgRead, After: after,
		RowLimit: int32(p.Size())})
	if err != nil {
		return nil, "", err
	}
	out := make([]Org, len(rows))
	for i, r := range rows {
		out[i] = Org(r)
	}
	return out, nextCursor(len(out), p, func() string { return out[len(out)-1].ID }), nil
}

func nextCursor(n int, p Page, last func() string) string {
	if n == 0 || n < p.Size() {
		return ""
	}
	return cursor(last())
}

// CreateUser adds a user at an organisation (user:write there). For staff
// it returns the base32 TOTP secret to enrol in an authenticator app.
func (s *Store) CreateUser(ctx context.Context, a Actor, nu NewUser) (User, string, error) {
	var pr problems
	if nu.Kind != "staff" && nu.Kind != "system" {
		pr.Add("/kind", "must be staff or system")
	}
	if strings.TrimSpace(nu.Login) == "" {
		pr.Add("/login", "is required")
	}
	if nu.DisplayName == "" {
		pr.Add("/display_name", "is required")
	}
	if nu.Kind == "staff" && len(nu.Password) < 12 {
		pr.Add("/password", "must be at least 12 characters")
	}
	if nu.Kind == "system" && nu.Password != "" {
		pr.Add("/password", "systems authenticate with API tokens")
	}
	if !validID(nu.OrgID) {
		pr.Add("/org_id", "is required")
	}
	if err := pr.Err(); err != nil {
		return User{}, "", err
	}
	u := User{ID: newID(), OrgID: nu.OrgID, Kind: nu.Kind, Login: strings.ToLower(strings.TrimSpace(nu.Login)), DisplayName: nu.DisplayName}
	var hash, secret string
	var dekW, sealed []byte
	if nu.Kind == "staff" {
		hash = hashPassword(nu.Password)
		raw := make([]byte, 20)
		_, _ = rand.Read(raw)
		secret = base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw)
		dk, w, err := s.keys.NewDataKey(ctx)
		if err != nil {
			return User{}, "", err
		}
		dekW, sealed = w, sealer{dk, "users", u.ID}.seal("totp_secret", secret)
	}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := requireScope(ctx, tx, a, PermUserWrite, u.OrgID); err != nil {
			return &ValidationError{Fields: []FieldProblem{{Pointer: "/org_id", Detail: "does not exist"}}}
		}
		err := pgq.New(tx).InsertUser(ctx, pgq.InsertUserParams{ID: u.ID, OrgID: u.OrgID, Kind: u.Kind, Login: u.Login,
			DisplayName: u.DisplayName, PasswordHash: nullText(hash), Dek: dekW, TotpSecret: sealed})
		if _, dup := isPgCode(err, "23505"); dup {
			return &ValidationError{Fields: []FieldProblem{{Pointer: "/login", Detail: "is taken"}}}
		}
		if err != nil {
			return err
		}
		fields := []string{"kind", "login", "display_name"}
		if nu.Kind == "staff" {
			fields = append(fields, "password_hash", "totp_secret")
		}
		return s.audit(ctx, tx, a, AuditEntry{OrgID: u.OrgID, Action: ActionCreate, Resource: "user", ResourceID: u.ID, Fields: fields})
	})
	return u, secret, err
}

// Grant gives a user a role at an organisation; it applies to the
// organisation's descendants too. The granter needs user:write there and
// at the user's own organisation: a user of another tenant, like an ID that
// names no one, is ErrNotFound.
func (s *Store) Grant(ctx context.Context, a Actor, userID, orgID, role string) error {
	defer s.tokens.clear() // permissions changed: re-read them
	return s.tx(ctx, func(tx pgx.Tx) error {
		if !validID(userID) || !validID(orgID) {
			return ErrNotFound
		}
		// The granter administers the organisation granted at and the
		// user's own: another tenant's user answers as a made-up ID does.
		if _, err := manageUser(ctx, tx, a, userID); err != nil {
			return err
		}
		if err := requireScope(ctx, tx, a, PermUserWrite, orgID); err != nil {
			return err
		}
		db := pgq.New(tx)
		known, err := db.RoleExists(ctx, role)
		if err != nil {
			return err
		}
		if !known {
			return &ValidationError{Fields: []FieldProblem{{Pointer: "/role", Detail: "is not a known role"}}}
		}
		if err := db.InsertGrant(ctx, pgq.InsertGrantParams{UserID: userID, OrgID: orgID, Role: role}); err != nil {
			return refError(err, map[string]string{"user_id": "/user_id", "org_id": "/org_id"})
		}
		return s.audit(ctx, tx, a, AuditEntry{OrgID: orgID, Action: ActionGrant, Resource: "user", ResourceID: userID, Fields: []string{"role_grants/" + orgID + "/" + role}})
	})
}

// IssueAPIToken issues a token for a system user (user:write at the user's
// organisation or above).
func (s *Store) IssueAPIToken(ctx context.Context, a Actor, userID string) (IssuedToken, error) {
	it := IssuedToken{ID: newID(), Token: newSecret("cf_sys_"), ExpiresAt: s.now().Add(s.tokenTTL())}
	if !validID(userID) {
		return IssuedToken{}, ErrNotFound
	}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		db := pgq.New(tx)
		u, err := db.GetUserOrg(ctx, userID)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		org := u.OrgID
		if err := requireScope(ctx, tx, a, PermUserWrite, org); err != nil {
			return err
		}
		if u.Kind != "system" {
			return &ValidationError{Fields: []FieldProblem{{Pointer: "/user_id", Detail: "API tokens are for system users"}}}
		}
		if it.CreatedAt, err = db.InsertAPITokenExpiring(ctx, pgq.InsertAPITokenExpiringParams{ID: it.ID, UserID: userID,
			TokenHash: tokenHash(it.Token), ExpiresAt: it.ExpiresAt}); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEntry{OrgID: org, Action: ActionIssueToken, Resource: "user", ResourceID: userID, Fields: []string{"tokens/" + it.ID}})
	})
	if err != nil {
		return IssuedToken{}, err
	}
	return it, nil
}

// CreateAPIToken is IssueAPIToken answering the token alone.
func (s *Store) CreateAPIToken(ctx context.Context, a Actor, userID string) (string, error) {
	it, err := s.IssueAPIToken(ctx, a, userID)
	return it.Token, err
}

func newSecret(prefix string) string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

func tokenHash(tok string) []byte {
	h := sha256.Sum256([]byte(tok))
	return h[:]
}

// Login is LoginFrom without a source address (the per-address limit
// does not apply).
func (s *Store) Login(ctx context.Context, login, password, code string) (string, error) {
	return s.LoginFrom(ctx, "", login, password, code)
}

// LoginFrom checks a staff member's password and TOTP code and opens a
// session. Attempts are counted per login name and per source address
// first; past either limit it answers *RateLimited without checking
// anything. Repeated failures lock the account. A locked account, an
// unknown or disabled login, a wrong password and a wrong code all answer
// ErrUnauthenticated after the same work (a password hash), so neither the
// answer nor its timing tells them apart; an admin unlocks a locked
// account.
func (s *Store) LoginFrom(ctx context.Context, addr, login, password, code string) (string, error) {
	login = strings.ToLower(strings.TrimSpace(login))
	if err := s.countLoginAttempt(ctx, addr, login); err != nil {
		return "", err
	}
	now := s.now()
	var tok string
	var failure error
	err := s.tx(ctx, func(tx pgx.Tx) error {
		db := pgq.New(tx)
		u, err := db.GetLoginForUpdate(ctx, login)
		if errors.Is(err, pgx.ErrNoRows) {
			s.checkPassword(dummyHash(), password) // same work as a real login
			failure = ErrUnauthenticated
			return nil
		}
		if err != nil {
			return err
		}
		id, hash, dekW, sealed, lastStep, failed, locked := u.ID, u.PasswordHash, u.Dek, u.TotpSecret, u.TotpLastStep, int(u.FailedLogins), u.LockedUntil
		if locked != nil && locked.After(now) {
			s.checkPassword(dummyHash(), password) // same work, same answer as a wrong password
			failure = ErrUnauthenticated
			return nil
		}
		ok := s.checkPassword(hash, password)
		var step int64
		if ok {
			dk, err := s.keys.DataKey(ctx, dekW)
			if err != nil {
				return err
			}
			secret, err := sealer{dk, "users", id}.open("totp_secret", sealed)
			if err != nil {
				return err
			}
			step, ok = checkTOTP(secret, code, now, lastStep)
		}
		if !ok {
			failed++
			var until *time.Time
			if failed >= s.policy.MaxFailures {
				t := now.Add(s.policy.Lockout)
				until, failed = &t, 0
			}
			failure = ErrUnauthenticated
			return db.RecordLoginFailure(ctx, pgq.RecordLoginFailureParams{ID: id, FailedLogins: int32(failed), LockedUntil: until})
		}
		if err := db.RecordLoginSuccess(ctx, pgq.RecordLoginSuccessParams{ID: id, TotpLastStep: step}); err != nil {
			return err
		}
		tok = newSecret("cf_ses_")
		return db.InsertSession(ctx, pgq.InsertSessionParams{ID: newID(), UserID: id, TokenHash: tokenHash(tok), CreatedAt: now,
			ExpiresAt: now.Add(s.policy.SessionMaxAge)})
	})
	if err != nil {
		return "", err
	}
	return tok, failure
}

// Logout ends the session the token names.
func (s *Store) Logout(ctx context.Context, token string) error {
	return pgq.New(s.Pool).RevokeSession(ctx, tokenHash(token))
}

// Authenticate resolves a bearer token (an API token or a session) to its
// principal, enforcing the session's idle and absolute timeouts.
func (s *Store) Authenticate(ctx context.Context, token string) (Principal, error) {
	var p Principal
	var perms []string
	now := s.now()
	switch {
	case strings.HasPrefix(token, "cf_sys_"):
		h := string(tokenHash(token))
		if cached, ok := s.tokens.get(h, now); ok {
			return cached, nil
		}
		gen := s.tokens.generation()
		defer func() {
			if p.UserID != "" && p.Permissions != nil {
				s.tokens.put(h, p, now, gen)
			}
		}()
		db := pgq.New(s.Pool)
		r, err := db.AuthToken(ctx, pgq.AuthTokenParams{TokenHash: tokenHash(token), Now: now})
		if errors.Is(err, pgx.ErrNoRows) {
			return p, ErrUnauthenticated
		}
		if err != nil {
			return p, err
		}
		p.UserID, p.Kind, perms = r.UserID, r.Kind, r.Permissions
		if used := r.LastUsedAt; used == nil || now.Sub(*used) > time.Minute {
			if err := db.TouchToken(ctx, pgq.TouchTokenParams{TokenHash: tokenHash(token), LastUsedAt: &now}); err != nil {
				return p, err
			}
		}
	case strings.HasPrefix(token, "cf_ses_"):
		db := pgq.New(s.Pool)
		r, err := db.AuthSession(ctx, tokenHash(token))
		if errors.Is(err, pgx.ErrNoRows) {
			return p, ErrUnauthenticated
		}
		if err != nil {
			return p, err
		}
		p.SessionID, p.UserID, p.Kind, perms = r.SessionID, r.UserID, r.Kind, r.Permissions
		seen, expires := r.LastSeenAt, r.ExpiresAt
		if !now.Before(expires) || now.Sub(seen) >= s.policy.SessionIdle {
			return p, ErrUnauthenticated
		}
		if now.Sub(seen) > 5*time.Second {
			if err := db.TouchSession(ctx, pgq.TouchSessionParams{ID: p.SessionID, LastSeenAt: now}); err != nil {
				return p, err
			}
		}
	default:
		return p, ErrUnauthenticated
	}
	p.Permissions = make(map[string]bool, len(perms))
	for _, x := range perms {
		p.Permissions[x] = true
	}
	return p, nil
}

// Password hashing: argon2id with OWASP's minimum parameters (19 MiB, 2
// passes), encoded in the PHC string format.
const argonTime, argonMem, argonThreads, argonLen = 2, 19 * 1024, 1, 32

// dummyHash is checked against when the login is unknown or locked, so that
// such a sign-in costs what a real one does. It is made on first use, not at
// package init: every claimflow process links this package, and the CLI's
// commands (x12 validate, keys, …) paid 43 ms and 21 MB of argon2id at start-up
// for a hash only sign-ins need. Open makes it, so a server's first unknown
// login does not pay for it twice.
var dummyHash = sync.OnceValue(func() string { return hashPassword("not a real password, equalizes timing") })

func hashPassword(pw string) string {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	k := argon2.IDKey([]byte(pw), salt, argonTime, argonMem, argonThreads, argonLen)
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", argonMem, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(k))
}

// checkPassword runs one argon2id check and counts it: every sign-in
// attempt, whatever its outcome, costs exactly one (PasswordChecks).
func (s *Store) checkPassword(encoded, pw string) bool {
	s.passwordChecks.Add(1)
	return checkPassword(encoded, pw)
}

// PasswordChecks counts the argon2id password checks sign-ins have run on
// this store. Every attempt costs one, known login or not, locked or not,
// so the time an answer takes does not tell which logins exist; the count
// shows it without timing anything.
func (s *Store) PasswordChecks() int64 { return s.passwordChecks.Load() }

func checkPassword(encoded, pw string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// TOTP (RFC 6238): HMAC-SHA1, 30-second steps, 6 digits, one step of clock
// skew either way; a step already used cannot be used again.
func totpAt(secret string, step int64) (string, bool) {
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(secret))
	if err != nil {
		return "", false
	}
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(step))
	m := hmac.New(sha1.New, key)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%06d", v%1_000_000), true
}

// TOTPCode returns the code for secret at t (for enrolment checks and tests).
func TOTPCode(secret string, t time.Time) string {
	c, _ := totpAt(secret, t.Unix()/30)
	return c
}

func checkTOTP(secret, code string, now time.Time, lastStep int64) (int64, bool) {
	cur := now.Unix() / 30
	for _, st := range []int64{cur - 1, cur, cur + 1} {
		c, ok := totpAt(secret, st)
		if ok && st > lastStep && subtle.ConstantTimeCompare([]byte(c), []byte(code)) == 1 {
			return st, true
		}
	}
	return 0, false
}
