package main

import (
	"context"
	"sync"

	"github.com/claimflow/claimflow/api"
	"github.com/claimflow/claimflow/archive"
	"github.com/claimflow/claimflow/web"
)

// mountDashboard adds the billing dashboard's endpoints and serves its
// embedded single-page app at /. The archive is opened on first use, so
// the API starts without S3 and reports the archive's absence per request
// (and tries again on the next).
func (m *Main) mountDashboard() {
	var mu sync.Mutex
	var arch *archive.Archive
	get := func(ctx context.Context, key string) ([]byte, error) {
		mu.Lock()
		if arch == nil {
			c := m.Config
			a, err := archive.Open(ctx, archive.Options{Endpoint: c.S3Endpoint, Region: c.S3Region,
				Bucket: c.S3Bucket, AccessKey: c.S3AccessKey, SecretKey: c.S3SecretKey, Sealer: m.Keyring})
			if err != nil {
				mu.Unlock()
				return nil, err
			}
			arch = a
		}
		a := arch
		mu.Unlock()
		body, _, err := a.Get(ctx, key)
		return body, err
	}
	d := api.Dashboard{
		Workflows:     api.TemporalClaims{Client: m.Temporal},
		Statements:    api.TemporalClaims{Client: m.Temporal},
		Archive:       api.ArchiveFunc(get),
		TemporalUIURL: m.Config.TemporalUIURL,
		Namespace:     m.Config.TemporalNamespace,
	}
	if m.Temporal != nil {
		d.Runs = api.TemporalRuns{Client: m.Temporal, TaskQueue: m.Config.TaskQueue}
	}
	m.API.MountDashboard(d)
	h := web.Handler()
	m.API.Router().Handle("/", h)
	m.API.Router().Handle("/assets/*", h)
}
