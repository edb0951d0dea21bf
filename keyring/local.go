package keyring

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// keyFileFormat names the layout of a local key file.
const keyFileFormat = "claimflow-keyring/v1"

// keyFile is the JSON layout of a local key file:
//
//	{
//	  "format":    "claimflow-keyring/v1",
//	  "current":   "v2-5c0e19a7",
//	  "keys": [
//	    {"id": "v1-0b7d4e21", "created": "2026-01-02T03:04:05Z", "key": "<base64, 32 bytes>"},
//	    {"id": "v2-5c0e19a7", "created": "2026-04-01T00:00:00Z", "key": "<base64, 32 bytes>"}
//	  ],
//	  "index_key": "<base64, 32 bytes>"
//	}
//
// keys holds every KEK version ever made, oldest first; current names the
// one new data keys are wrapped under. index_key is the blind-index key: it
// is random, made with the file, and never rotated.
type keyFile struct {
	Format   string       `json:"format"`
	Current  string       `json:"current"`
	Keys     []keyVersion `json:"keys"`
	IndexKey []byte       `json:"index_key"`
}

type keyVersion struct {
	ID      string    `json:"id"`
	Created time.Time `json:"created"`
	Key     []byte    `json:"key"`
}

// LocalKEK is a KEK kept in a local key file (JSON, mode 0600, in a
// directory made with mode 0700). It holds every version so data wrapped
// before a rotation stays readable. Several processes may share the file:
// changes are made under an advisory file lock and written atomically, and
// a process that meets a version it does not know re-reads the file.
type LocalKEK struct {
	path string

	mu       sync.RWMutex
	current  string
	versions map[string]cipher.AEAD
	indexKey []byte

	checkMu  sync.Mutex
	checked  time.Time   // when the file was last looked at
	loadedSt os.FileInfo // the file as last loaded
}

// localRecheck is how often a LocalKEK looks whether another process
// rotated the key file (an atomic rename gives the file a new identity).
var localRecheck = time.Second

// NewLocalKEK opens the key file at path, creating it (and its directory)
// with a fresh random 256-bit key and index key when it does not exist. A
// key file readable or writable by group or others is refused.
func NewLocalKEK(path string) (*LocalKEK, error) {
	k := &LocalKEK{path: path}
	err := k.locked(func() error {
		f, err := readKeyFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
				return fmt.Errorf("keyring: create key directory: %w", err)
			}
			f = &keyFile{Format: keyFileFormat, IndexKey: randomKey()}
			f.addVersion()
			if err := writeKeyFile(path, f); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		return k.load(f)
	})
	if err != nil {
		return nil, err
	}
	return k, nil
}

// Path is the key file's location.
func (k *LocalKEK) Path() string { return k.path }

// CurrentID is the version new data keys are wrapped under. A rotation by
// another process is seen within a second.
func (k *LocalKEK) CurrentID() string {
	k.recheck()
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.current
}

// IndexKey returns a copy of the blind-index key kept in the key file.
func (k *LocalKEK) IndexKey() []byte {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return append([]byte(nil), k.indexKey...)
}

// Wrap encrypts dek under the current version with AES-256-GCM; the header
// naming the version is authenticated as additional data.
func (k *LocalKEK) Wrap(_ context.Context, dek []byte) ([]byte, error) {
	k.recheck()
	k.mu.RLock()
	id, aead := k.current, k.versions[k.current]
	k.mu.RUnlock()
	out := frameWrapped(kindLocal, id, nonceSize+len(dek)+tagSize)
	return aead.Seal(out, nil, dek, out), nil
}

// Unwrap decrypts a key wrapped by any version in the file.
func (k *LocalKEK) Unwrap(_ context.Context, wrapped []byte) ([]byte, error) {
	kind, id, header, body, err := parseWrapped(wrapped)
	if err != nil {
		return nil, err
	}
	if kind != kindLocal {
		return nil, fmt.Errorf("%w: data key was not wrapped by a local key", ErrDecrypt)
	}
	aead, err := k.version(id)
	if err != nil {
		return nil, err
	}
	dek, err := aead.Open(nil, nil, body, header)
	if err != nil {
		return nil, ErrDecrypt
	}
	return dek, nil
}

// version finds a KEK version, re-reading the file once when another
// process may have added it.
func (k *LocalKEK) version(id string) (cipher.AEAD, error) {
	k.mu.RLock()
	aead, ok := k.versions[id]
	k.mu.RUnlock()
	if ok {
		return aead, nil
	}
	f, err := readKeyFile(k.path)
	if err != nil {
		return nil, err
	}
	if !f.has(id) {
		// Name the file and the version: the usual cause is a database
		// set up by another checkout or machine, whose key file this
		// process does not have (issue 16 item 8, seen from the server).
		return nil, fmt.Errorf("%w: unknown key version %q: the key file %s does not hold it; the data was sealed under another key file "+
			"(a database set up by another checkout or machine?): use that installation's key file (CLAIMFLOW_KEY_FILE) or its own database",
			ErrDecrypt, id, k.path)
	}
	if err := k.load(f); err != nil {
		return nil, err
	}
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.versions[id], nil
}

// Rotate adds a new random version, makes it current and rewrites the file
// atomically (temporary file, fsync, rename). Old versions stay for
// unwrapping. Versions other processes added meanwhile are kept.
func (k *LocalKEK) Rotate() (newID string, err error) {
	err = k.locked(func() error {
		f, err := readKeyFile(k.path)
		if err != nil {
			return err
		}
		newID = f.addVersion()
		if err := writeKeyFile(k.path, f); err != nil {
			return err
		}
		return k.load(f)
	})
	if err != nil {
		return "", err
	}
	return newID, nil
}

// recheck reloads the key file when it was replaced since it was loaded,
// looking at most once per localRecheck. Failures keep the loaded state: it
// is still valid, only perhaps not the newest.
func (k *LocalKEK) recheck() {
	k.checkMu.Lock()
	defer k.checkMu.Unlock()
	if time.Since(k.checked) < localRecheck {
		return
	}
	k.checked = time.Now()
	st, err := os.Stat(k.path)
	if err != nil || (k.loadedSt != nil && os.SameFile(st, k.loadedSt) && st.ModTime().Equal(k.loadedSt.ModTime())) {
		return
	}
	if f, err := readKeyFile(k.path); err == nil {
		k.loadedSt = st
		_ = k.load(f)
	}
}

func (k *LocalKEK) load(f *keyFile) error {
	versions := make(map[string]cipher.AEAD, len(f.Keys))
	for _, v := range f.Keys {
		block, err := aes.NewCipher(v.Key)
		if err != nil {
			return fmt.Errorf("keyring: key file %s: version %s: %w", k.path, v.ID, err)
		}
		aead, err := cipher.NewGCMWithRandomNonce(block)
		if err != nil {
			return fmt.Errorf("keyring: %w", err)
		}
		versions[v.ID] = aead
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.current, k.versions, k.indexKey = f.Current, versions, f.IndexKey
	return nil
}

// locked runs fn holding an exclusive advisory lock on <path>.lock, which
// serialises creation and rotation across processes.
func (k *LocalKEK) locked(fn func() error) error {
	if err := os.MkdirAll(filepath.Dir(k.path), 0o700); err != nil {
		return fmt.Errorf("keyring: create key directory: %w", err)
	}
	lf, err := os.OpenFile(k.path+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("keyring: lock key file: %w", err)
	}
	defer lf.Close()
	if err := lockFile(lf); err != nil {
		return fmt.Errorf("keyring: lock key file: %w", err)
	}
	defer unlockFile(lf)
	return fn()
}

func randomKey() []byte {
	b := make([]byte, KeySize)
	_, _ = rand.Read(b)
	return b
}

// addVersion appends a fresh random version, makes it current and returns
// its ID: "v<n>-<8 random hex digits>", unique even if two files diverged.
func (f *keyFile) addVersion() string {
	var r [4]byte
	_, _ = rand.Read(r[:])
	id := fmt.Sprintf("v%d-%s", len(f.Keys)+1, hex.EncodeToString(r[:]))
	f.Keys = append(f.Keys, keyVersion{ID: id, Created: time.Now().UTC().Truncate(time.Second), Key: randomKey()})
	f.Current = id
	return id
}

func (f *keyFile) has(id string) bool {
	for _, v := range f.Keys {
		if v.ID == id {
			return true
		}
	}
	return false
}

// readKeyFile reads and checks a key file. Errors name the file and the
// problem, never key bytes.
func readKeyFile(path string) (*keyFile, error) {
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("keyring: %w", err)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("keyring: key file %s has mode %04o; it must not be accessible to group or others (chmod 600)", path, perm)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	var f keyFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("keyring: key file %s is not valid JSON", path)
	}
	bad := func(what string) error { return fmt.Errorf("keyring: key file %s: %s", path, what) }
	if f.Format != keyFileFormat {
		return nil, bad(fmt.Sprintf("format %q, want %q", f.Format, keyFileFormat))
	}
	if len(f.IndexKey) != KeySize {
		return nil, bad("index_key must be 32 bytes")
	}
	if len(f.Keys) == 0 {
		return nil, bad("no keys")
	}
	seen := map[string]bool{}
	for _, v := range f.Keys {
		if v.ID == "" || len(v.ID) > 255 || seen[v.ID] {
			return nil, bad(fmt.Sprintf("key ID %q is empty, too long or repeated", v.ID))
		}
		seen[v.ID] = true
		if len(v.Key) != KeySize {
			return nil, bad(fmt.Sprintf("key %s must be 32 bytes", v.ID))
		}
	}
	if !seen[f.Current] {
		return nil, bad(fmt.Sprintf("current key %q is not among the keys", f.Current))
	}
	return &f, nil
}

// writeKeyFile replaces the key file atomically with mode 0600.
func writeKeyFile(path string, f *keyFile) error {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	return writeFileAtomic(path, append(b, '\n'))
}

func writeFileAtomic(path string, b []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp") // mode 0600
	if err != nil {
		return fmt.Errorf("keyring: write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("keyring: write %s: %w", path, err)
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("keyring: write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("keyring: write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("keyring: write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("keyring: write %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// OpenLocal opens (or creates) the key file and returns a Keyring whose KEK
// is the file's key versions and whose blind-index key is the file's
// separate, never-rotated "index_key" (random, 32 bytes, made with the
// file). Losing the file loses every record sealed under it: back it up.
func OpenLocal(keyFile string) (*Keyring, error) {
	kek, err := NewLocalKEK(keyFile)
	if err != nil {
		return nil, err
	}
	return New(kek, kek.IndexKey())
}
