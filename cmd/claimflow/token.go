package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/client/tokenexchange"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"golang.org/x/term"

	"github.com/claimflow/claimflow/identity"
)

func init() {
	register(command{name: "token", args: "[-url URL] [-login L]",
		help: "print a short-lived access token for the codec endpoint (Temporal CLI --codec-auth): sign in with -login (password and TOTP prompted) or exchange $CLAIMFLOW_API_TOKEN",
		run:  cmdToken})
}

// stdin is where `claimflow token -login` reads the password and code
// (tests replace it).
var stdin io.Reader = os.Stdin

func cmdToken(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("url", "", "claimflow API base URL (default $CLAIMFLOW_URL, else http://$CLAIMFLOW_HTTP_ADDR)")
	login := fs.String("login", "", "sign in as this staff login (password and authenticator code are prompted); without it, $CLAIMFLOW_API_TOKEN is exchanged")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if *base == "" {
		*base = getenv("CLAIMFLOW_URL")
	}
	if *base == "" {
		addr := getenv("CLAIMFLOW_HTTP_ADDR")
		if addr == "" {
			addr = "127.0.0.1:8080"
		}
		*base = "http://" + addr
	}
	*base = strings.TrimRight(*base, "/")
	issuer := getenv("CLAIMFLOW_OIDC_ISSUER")
	if issuer == "" {
		issuer = *base + "/oidc"
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	hc := &http.Client{Timeout: 30 * time.Second}

	subject := getenv("CLAIMFLOW_API_TOKEN")
	if *login != "" {
		in := bufio.NewReader(stdin)
		password, err := prompt(in, stderr, "Password: ", true)
		if err != nil {
			return err
		}
		code, err := prompt(in, stderr, "Authenticator code: ", false)
		if err != nil {
			return err
		}
		if subject, err = signIn(ctx, hc, *base, *login, password, code); err != nil {
			return err
		}
		defer signOut(hc, *base, subject)
	}
	if subject == "" {
		return usageError{"want -login L, or an API token in CLAIMFLOW_API_TOKEN"}
	}
	te, err := tokenexchange.NewTokenExchangerClientCredentials(ctx, issuer, identity.CLIClientID, "", tokenexchange.WithHTTPClient(hc))
	if err != nil {
		return fmt.Errorf("discover %s: %w", issuer, err)
	}
	res, err := tokenexchange.ExchangeToken(ctx, te, identity.SubjectTokenPrefix+subject, oidc.AccessTokenType, "", "", nil,
		[]string{identity.CodecAudience}, nil, oidc.AccessTokenType)
	if err != nil {
		return fmt.Errorf("token exchange: %w", err)
	}
	fmt.Fprintln(stdout, res.AccessToken)
	if res.ExpiresIn > 0 {
		fmt.Fprintf(stderr, "valid for %s; use it as: temporal workflow show --codec-endpoint %s/codec --codec-auth \"Bearer <token>\" ...\n",
			time.Duration(res.ExpiresIn)*time.Second, *base)
	}
	return nil
}

// prompt reads one line; from a terminal, secret input is not echoed.
func prompt(in *bufio.Reader, out io.Writer, label string, secret bool) (string, error) {
	fmt.Fprint(out, label)
	if f, ok := stdin.(*os.File); ok && secret && term.IsTerminal(int(f.Fd())) {
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(out)
		return string(b), err
	}
	line, err := in.ReadString('\n')
	if err != nil && (line == "" || !errors.Is(err, io.EOF)) {
		return "", fmt.Errorf("read %s: %w", strings.TrimSuffix(label, ": "), err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// signIn opens a dashboard session (login, password, TOTP), which the
// exchange then trades for an access token.
func signIn(ctx context.Context, hc *http.Client, base, login, password, code string) (string, error) {
	body, _ := json.Marshal(map[string]string{"login": login, "password": password, "totp": code})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v1/auth/login", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct {
		Token  string `json:"token"`
		Detail string `json:"detail"`
	}
	_ = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&out)
	if resp.StatusCode != http.StatusOK || out.Token == "" {
		return "", fmt.Errorf("sign-in refused (%d): %s", resp.StatusCode, out.Detail)
	}
	return out.Token, nil
}

func signOut(hc *http.Client, base, session string) {
	req, err := http.NewRequest(http.MethodPost, base+"/v1/auth/logout", nil)
	if err != nil {
		return
	}
	req.Header.Set("Authorization", "Bearer "+session)
	if resp, err := hc.Do(req); err == nil {
		resp.Body.Close()
	}
}
