package main

import (
	"path/filepath"
	"testing"

	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/keyring"
	"github.com/claimflow/claimflow/store"
)

// keyedStore is a test database's store with a fresh local key file, so it
// can seal PHI and write the audit chain as the servers do.
func keyedStore(t *testing.T) *store.Store {
	t.Helper()
	s, _ := testenv.Store(t)
	k, err := keyring.OpenLocal(filepath.Join(t.TempDir(), "kek.json"))
	if err != nil {
		t.Fatal(err)
	}
	s.UseKeys(store.KeysFrom[*keyring.DataKey](k))
	return s
}
