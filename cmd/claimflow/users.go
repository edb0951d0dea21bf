package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"

	"github.com/claimflow/claimflow/store"
)

func init() {
	register(command{name: "users", args: "create-admin [-org NAME] [-login L] [-token] | grant-system LOGIN",
		help: "bootstrap a health system with an admin (password from CLAIMFLOW_ADMIN_PASSWORD, else generated) and print the TOTP secret; or let a platform engineer decode system workflow payloads (workflow:decode-system)", run: cmdUsers})
}

func cmdUsers(ctx context.Context, args []string, getenv func(string) string, stdout, logOut io.Writer) error {
	if len(args) == 2 && args[0] == "grant-system" {
		return cmdGrantSystem(ctx, args[1], getenv, stdout, logOut)
	}
	if len(args) == 0 || args[0] != "create-admin" {
		return usageError{"want: users create-admin [-org NAME] [-login L] [-token] | users grant-system LOGIN"}
	}
	fs := flag.NewFlagSet("users create-admin", flag.ContinueOnError)
	fs.SetOutput(logOut)
	orgName := fs.String("org", "Local Health System", "name of the health system to create")
	login := fs.String("login", "admin", "login of the staff admin")
	token := fs.Bool("token", false, "also create a system user with an admin API token (for scripts)")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError{err.Error()}
	}
	password := getenv("CLAIMFLOW_ADMIN_PASSWORD")
	generated := password == ""
	if generated {
		b := make([]byte, 18)
		_, _ = rand.Read(b)
		password = base64.RawURLEncoding.EncodeToString(b)
	}
	m, err := NewMain(getenv, logOut)
	if err != nil {
		return err
	}
	defer m.Close()
	if err := m.openStoreOnly(ctx); err != nil {
		return err
	}
	s := m.Store
	org, err := s.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: *orgName})
	if err != nil {
		return err
	}
	u, secret, err := s.CreateUser(ctx, store.System, store.NewUser{OrgID: org.ID, Kind: "staff", Login: *login, DisplayName: "Administrator", Password: password})
	if err != nil {
		return err
	}
	for _, role := range []string{"admin", "compliance"} {
		if err := s.Grant(ctx, store.System, u.ID, org.ID, role); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "organisation  %s (%s)\nadmin login   %s (user %s)\n", org.ID, *orgName, u.Login, u.ID)
	if generated {
		fmt.Fprintf(stdout, "password      %s\n", password)
	}
	fmt.Fprintf(stdout, "TOTP secret   %s\notpauth URL   otpauth://totp/claimflow:%s?secret=%s&issuer=claimflow\n",
		secret, url.PathEscape(u.Login), secret)
	if *token {
		sys, _, err := s.CreateUser(ctx, store.System, store.NewUser{OrgID: org.ID, Kind: "system", Login: *login + "-api", DisplayName: "Administrator API"})
		if err != nil {
			return err
		}
		if err := s.Grant(ctx, store.System, sys.ID, org.ID, "admin"); err != nil {
			return err
		}
		tok, err := s.CreateAPIToken(ctx, store.System, sys.ID)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "API token     %s\n", tok)
	}
	return nil
}

// cmdGrantSystem gives a user the workflow:decode-system platform grant:
// decoding the payloads of workflows no organisation owns (schedules,
// batches, polls across tenants) and those sealed before per-organisation
// payload keys. No API route can grant it; only this operator command.
func cmdGrantSystem(ctx context.Context, login string, getenv func(string) string, stdout, logOut io.Writer) error {
	m, err := NewMain(getenv, logOut)
	if err != nil {
		return err
	}
	defer m.Close()
	if err := m.openStoreOnly(ctx); err != nil {
		return err
	}
	id, err := m.Store.GrantPlatformByLogin(ctx, store.System, login, store.PermWorkflowDecodeSystem)
	if errors.Is(err, store.ErrNotFound) {
		return usageError{"no user has this login"}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "user %s holds %s\n", id, store.PermWorkflowDecodeSystem)
	return nil
}
