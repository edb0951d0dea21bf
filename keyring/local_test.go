package keyring_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/claimflow/claimflow/config"
	"github.com/claimflow/claimflow/keyring"
)

func TestMain(m *testing.M) {
	// Every LocalKEK looks at its key file on each use, so rotations made
	// through another instance show at once.
	keyring.SetLocalRecheck(0)
	os.Exit(m.Run())
}

func localSuite(t *testing.T) (suite, string) {
	path := filepath.Join(t.TempDir(), "keys", "kek.json")
	open := func(t *testing.T) *keyring.Keyring {
		t.Helper()
		k, err := keyring.OpenLocal(path)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	rotate := func(t *testing.T) string {
		t.Helper()
		kek, err := keyring.NewLocalKEK(path)
		if err != nil {
			t.Fatal(err)
		}
		id, err := kek.Rotate()
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	return suite{open: open, rotate: rotate}, path
}

func TestLocal(t *testing.T) {
	s, _ := localSuite(t)
	s.run(t)
}

func TestLocalKeyFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	path := filepath.Join(dir, "kek.json")
	kek, err := keyring.NewLocalKEK(path)
	if err != nil {
		t.Fatal(err)
	}
	mode := func(p string) os.FileMode {
		t.Helper()
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return st.Mode().Perm()
	}
	if got, want := mode(dir), os.FileMode(0o700); got != want {
		t.Errorf("key directory mode = %04o, want %04o", got, want)
	}
	if got, want := mode(path), os.FileMode(0o600); got != want {
		t.Errorf("key file mode = %04o, want %04o", got, want)
	}

	first := kek.CurrentID()
	second, err := kek.Rotate()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := mode(path), os.FileMode(0o600); got != want {
		t.Errorf("key file mode after Rotate = %04o, want %04o", got, want)
	}

	// The layout DESIGN and the package doc describe.
	var f struct {
		Format  string `json:"format"`
		Current string `json:"current"`
		Keys    []struct {
			ID  string `json:"id"`
			Key []byte `json:"key"`
		} `json:"keys"`
		IndexKey []byte `json:"index_key"`
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if f.Format != "claimflow-keyring/v1" || f.Current != second || len(f.Keys) != 2 ||
		f.Keys[0].ID != first || f.Keys[1].ID != second || len(f.Keys[0].Key) != 32 || len(f.IndexKey) != 32 {
		t.Errorf("key file after one rotation: format %q current %q, %d keys, index key %d bytes",
			f.Format, f.Current, len(f.Keys), len(f.IndexKey))
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}

	// A key file others can read is refused, with a message that says so.
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = keyring.NewLocalKEK(path)
	if err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("NewLocalKEK on a 0644 key file: err = %v, want a refusal", err)
	}
}

func TestLocalKeyFileErrorsShowNoKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kek.json")
	if _, err := keyring.NewLocalKEK(path); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	var f map[string]any
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	index := f["index_key"].(string)
	f["index_key"] = index[:20] // wrong length
	b, _ = json.Marshal(f)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := keyring.NewLocalKEK(path)
	if err == nil {
		t.Fatal("a key file with a short index key was accepted")
	}
	key := f["keys"].([]any)[0].(map[string]any)["key"].(string)
	for _, secret := range []string{index[:20], key} {
		if strings.Contains(err.Error(), secret) {
			t.Fatalf("error shows key material: %v", err)
		}
	}
}

func TestLocalOtherProcessRotation(t *testing.T) {
	// Two KEKs on one file stand for two processes: what one wraps after
	// rotating, the other unwraps, and the other wraps under the new
	// version too.
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kek.json")
	a, err := keyring.NewLocalKEK(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := keyring.NewLocalKEK(path)
	if err != nil {
		t.Fatal(err)
	}
	newID, err := a.Rotate()
	if err != nil {
		t.Fatal(err)
	}
	dek := bytes.Repeat([]byte{7}, 32)
	w, err := a.Wrap(ctx, dek)
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.Unwrap(ctx, w)
	if err != nil || !bytes.Equal(got, dek) {
		t.Fatalf("other instance Unwrap after rotation: %v", err)
	}
	if got := b.CurrentID(); got != newID {
		t.Fatalf("other instance CurrentID = %q, want %q", got, newID)
	}
	// A rotation never loses a version another instance added meanwhile.
	third, err := b.Rotate()
	if err != nil {
		t.Fatal(err)
	}
	c, err := keyring.NewLocalKEK(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Unwrap(ctx, w); err != nil {
		t.Fatalf("version %s lost after a rotation to %s: %v", newID, third, err)
	}
}

func TestLocalWrongKeyFile(t *testing.T) {
	ctx := context.Background()
	a, err := keyring.OpenLocal(filepath.Join(t.TempDir(), "a.json"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := keyring.OpenLocal(filepath.Join(t.TempDir(), "b.json"))
	if err != nil {
		t.Fatal(err)
	}
	blob, err := a.SealBlob(ctx, fakeName, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.OpenBlob(ctx, blob, nil); !errors.Is(err, keyring.ErrDecrypt) {
		t.Fatalf("OpenBlob with another key file: err = %v, want ErrDecrypt", err)
	}
}

func TestBlindIndex(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kek.json")
	k, err := keyring.OpenLocal(path)
	if err != nil {
		t.Fatal(err)
	}
	reopened, err := keyring.OpenLocal(path)
	if err != nil {
		t.Fatal(err)
	}
	other, err := keyring.OpenLocal(filepath.Join(t.TempDir(), "other.json"))
	if err != nil {
		t.Fatal(err)
	}
	const member = "ZZX900000001"
	a := k.BlindIndex("patient.member_id", member)
	if len(a) != 32 {
		t.Fatalf("index is %d bytes, want 32", len(a))
	}
	for _, tc := range []struct {
		name string
		got  []byte
		same bool
	}{
		{"same value, same domain", k.BlindIndex("patient.member_id", member), true},
		{"same value, reopened key file", reopened.BlindIndex("patient.member_id", member), true},
		{"same value, other domain", k.BlindIndex("patient.last_name", member), false},
		{"other value, same domain", k.BlindIndex("patient.member_id", "ZZX900000002"), false},
		{"same value, other key file", other.BlindIndex("patient.member_id", member), false},
		{"domain/value boundary", k.BlindIndex("patient.member_i", "d"+member), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := bytes.Equal(tc.got, a); got != tc.same {
				t.Errorf("equal = %v, want %v", got, tc.same)
			}
		})
	}
	if bytes.Contains(a, []byte(member)) {
		t.Error("index contains the value")
	}
	// Rotating the KEK never changes blind indexes.
	kek, err := keyring.NewLocalKEK(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kek.Rotate(); err != nil {
		t.Fatal(err)
	}
	rotated, err := keyring.OpenLocal(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(rotated.BlindIndex("patient.member_id", member), a) {
		t.Error("blind index changed with a KEK rotation")
	}
}

func TestNewRejectsBadInput(t *testing.T) {
	kek, err := keyring.NewLocalKEK(filepath.Join(t.TempDir(), "kek.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := keyring.New(kek, make([]byte, 16)); err == nil {
		t.Error("New accepted a 16-byte index key")
	}
	if _, err := keyring.New(nil, make([]byte, 32)); err == nil {
		t.Error("New accepted a nil KEK")
	}
}

func TestDataKeyCacheIsBounded(t *testing.T) {
	ctx := context.Background()
	k, err := keyring.OpenLocal(filepath.Join(t.TempDir(), "kek.json"))
	if err != nil {
		t.Fatal(err)
	}
	var first []byte
	for i := 0; i < keyring.DataKeyCacheSize+50; i++ {
		_, w, err := k.NewDataKey(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = w
		}
	}
	if got, want := keyring.CacheLen(k), keyring.DataKeyCacheSize; got != want {
		t.Fatalf("cache holds %d keys, want %d", got, want)
	}
	// An evicted key is unwrapped again.
	if _, err := k.DataKey(ctx, first); err != nil {
		t.Fatal(err)
	}
}

func TestFromConfigLocal(t *testing.T) {
	dir := t.TempDir()
	cfg, err := config.Load(func(name string) string {
		if name == "CLAIMFLOW_DATA_DIR" {
			return dir
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	k, err := keyring.FromConfig(context.Background(), keyringSettings(cfg))
	if err != nil {
		t.Fatal(err)
	}
	kek, err := keyring.NewLocalKEK(filepath.Join(dir, "keys", "kek.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := k.CurrentKeyID(), kek.CurrentID(); got != want {
		t.Fatalf("FromConfig uses key %q, want the key file's %q", got, want)
	}
	want, err := keyring.New(kek, kek.IndexKey())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(k.BlindIndex("d", "v"), want.BlindIndex("d", "v")) {
		t.Fatal("FromConfig does not use the key file's index key")
	}
}

func TestConcurrentUse(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kek.json")
	k, err := keyring.OpenLocal(path)
	if err != nil {
		t.Fatal(err)
	}
	rotator, err := keyring.NewLocalKEK(path)
	if err != nil {
		t.Fatal(err)
	}
	shared, sharedWrapped, err := k.NewDataKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 5; i++ {
			if _, err := rotator.Rotate(); err != nil {
				errs <- err
				return
			}
		}
	}()
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				pt := []byte(base64.StdEncoding.EncodeToString([]byte{byte(g), byte(i)}))
				if got, err := shared.Open(shared.Seal(pt, fakeAAD), fakeAAD); err != nil || !bytes.Equal(got, pt) {
					errs <- errors.Join(errors.New("shared data key"), err)
					return
				}
				dk, w, err := k.NewDataKey(ctx)
				if err != nil {
					errs <- err
					return
				}
				sealed := dk.Seal(pt, fakeAAD)
				dk2, err := k.DataKey(ctx, w)
				if err != nil {
					errs <- err
					return
				}
				if got, err := dk2.Open(sealed, fakeAAD); err != nil || !bytes.Equal(got, pt) {
					errs <- errors.Join(errors.New("fresh data key"), err)
					return
				}
				blob, err := k.SealBlob(ctx, pt, nil)
				if err != nil {
					errs <- err
					return
				}
				if got, err := k.OpenBlob(ctx, blob, nil); err != nil || !bytes.Equal(got, pt) {
					errs <- errors.Join(errors.New("blob"), err)
					return
				}
				if _, _, err := k.Rewrap(ctx, sharedWrapped); err != nil {
					errs <- err
					return
				}
				_ = k.BlindIndex("patient.member_id", string(pt))
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// keyringSettings passes the configuration's key settings to the keyring.
func keyringSettings(c config.Config) keyring.Settings {
	return keyring.Settings{KeyFile: c.KeyFile, KMSEndpoint: c.KMSEndpoint, KMSKeyID: c.KMSKeyID, KMSRegion: c.KMSRegion, KMSIndexKey: c.KMSIndexKey}
}

// A data key wrapped under another installation's key file fails with a
// message naming this process's key file and the missing version, so an
// operator can tell which installation the database belongs to.
func TestUnknownVersionNamesTheKeyFile(t *testing.T) {
	dir := t.TempDir()
	other, err := keyring.NewLocalKEK(filepath.Join(dir, "other.json"))
	if err != nil {
		t.Fatal(err)
	}
	mine, err := keyring.NewLocalKEK(filepath.Join(dir, "mine.json"))
	if err != nil {
		t.Fatal(err)
	}
	wrapped, err := other.Wrap(context.Background(), make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	_, err = mine.Unwrap(context.Background(), wrapped)
	if !errors.Is(err, keyring.ErrDecrypt) {
		t.Fatalf("Unwrap under another key file: err = %v, want ErrDecrypt", err)
	}
	for _, want := range []string{mine.Path(), other.CurrentID(), "CLAIMFLOW_KEY_FILE"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}
