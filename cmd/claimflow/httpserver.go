package main

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/claimflow/claimflow/config"
	"github.com/claimflow/claimflow/store"
)

// newHTTPServer is the API's server with every timeout set: a slow or idle
// client cannot hold a connection (headers 10s; read, write and idle from
// the configuration).
func newHTTPServer(c config.Config, h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       c.HTTPReadTimeout,
		WriteTimeout:      c.HTTPWriteTimeout,
		IdleTimeout:       c.HTTPIdleTimeout,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// authPolicy is the store's sign-in, session and token policy from the
// configuration.
func authPolicy(c config.Config) store.AuthPolicy {
	return store.AuthPolicy{SessionIdle: c.SessionIdle, SessionMaxAge: c.SessionMaxAge, MaxFailures: c.LoginMaxFailures, Lockout: c.LoginLockout,
		AccountAttempts: c.LoginRateAccount, AddressAttempts: c.LoginRateAddress, AttemptWindow: c.LoginRateWindow,
		APITokenTTL: c.APITokenTTL, TokenRotationGrace: c.APITokenGrace}
}
