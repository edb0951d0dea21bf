package rcm

import (
	"time"
)

// Org is a node of the organisation tree.
type Org struct {
	ID        string    `json:"id"`
	ParentID  string    `json:"parent_id,omitempty"`
	Kind      string    `json:"kind"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// User is a staff member or a system.
type User struct {
	ID          string `json:"id"`
	OrgID       string `json:"org_id"`
	Kind        string `json:"kind"`
	Login       string `json:"login"`
	DisplayName string `json:"display_name"`
}

// Principal is an authenticated caller.
type Principal struct {
	UserID      string
	Kind        string
	SessionID   string
	Permissions map[string]bool
}

// NewUser is the input of CreateUser. Staff need a password; a TOTP secret
// is generated for them and returned once.
type NewUser struct {
	OrgID       string `json:"org_id"`
	Kind        string `json:"kind"`
	Login       string `json:"login"`
	DisplayName string `json:"display_name"`
	Password    string `json:"password,omitempty"`
}

// IssuedToken is a new API token: the token itself is shown once, only its
// SHA-256 is stored; ID names it for listing and revocation.
type IssuedToken struct {
	ID        string    `json:"id"`
	Token     string    `json:"token"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	// Replaces names the token this one rotated (it expires at
	// ReplacedExpiresAt).
	Replaces          string     `json:"replaces,omitempty"`
	ReplacedExpiresAt *time.Time `json:"replaced_expires_at,omitempty"`
}
