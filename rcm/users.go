package rcm

import (
	"errors"
	"time"
)

// ErrSelfDisable: a caller cannot disable their own account (it would end
// the session or token making the request and could lock the last
// administrator out).
var ErrSelfDisable = errors.New("a user cannot disable themself")

// UserGrant is one role a user holds at an organisation (and below it).
type UserGrant struct {
	OrgID string `json:"org_id"`
	Role  string `json:"role"`
}

// UserDetail is a user as access management sees it. It never carries
// password hashes, TOTP secrets or token hashes.
type UserDetail struct {
	User
	Disabled    bool        `json:"disabled"`
	LockedUntil *time.Time  `json:"locked_until,omitempty"`
	CreatedAt   time.Time   `json:"created_at"`
	Grants      []UserGrant `json:"grants"`
}

// UserFilter narrows ListUsers.
type UserFilter struct {
	OrgID string // only users of this organisation (not its descendants)
}

// APIToken describes an issued API token (never the token or its hash).
type APIToken struct {
	ID         string     `json:"id"`
	UserID     string     `json:"user_id"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	ExpiresAt  time.Time  `json:"expires_at"`
}

// GrantRevocation answers RevokeGrant: Revoked is false when the user did
// not hold the grant (revoking is idempotent).
type GrantRevocation struct {
	UserID  string `json:"user_id"`
	OrgID   string `json:"org_id"`
	Role    string `json:"role"`
	Revoked bool   `json:"revoked"`
}
