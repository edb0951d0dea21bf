package keyring_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/claimflow/claimflow/config"
	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/keyring"
)

// startLocalKMS runs a real local-kms for the test (it listens on every
// interface; the test talks to it over loopback) and returns its endpoint
// and a client for it. It is killed when the test ends.
func startLocalKMS(t testing.TB) (string, *kms.Client) {
	t.Helper()
	bin := testenv.Tool(t, "local-kms")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir := t.TempDir()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(),
		"PORT="+strconv.Itoa(port),
		"KMS_REGION=us-east-1",
		"KMS_ACCOUNT_ID=111122223333",
		"KMS_DATA_PATH="+filepath.Join(dir, "data"),
		"KMS_SEED_PATH="+filepath.Join(dir, "no-seed.yaml"),
	)
	log := testenv.LogFile(t, "local-kms")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	testenv.WaitFor(t, 15*time.Second, "local-kms to listen", func() bool {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	endpoint := "http://" + addr
	client := kms.New(kms.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	return endpoint, client
}

// createAlias makes a KMS key and points alias at it.
func createAlias(t testing.TB, c *kms.Client, alias string) {
	t.Helper()
	ctx := context.Background()
	key, err := c.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("claimflow test KEK")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(alias), TargetKeyId: key.KeyMetadata.KeyId}); err != nil {
		t.Fatal(err)
	}
}

func TestKMS(t *testing.T) {
	ctx := context.Background()
	endpoint, client := startLocalKMS(t)
	const alias = "alias/claimflow-test-kek"
	createAlias(t, client, alias)
	indexKey := bytes.Repeat([]byte{0x42}, 32)

	newKEK := func(t *testing.T) *keyring.KMSKEK {
		t.Helper()
		kek, err := keyring.NewKMSKEK(ctx, client, alias)
		if err != nil {
			t.Fatal(err)
		}
		return kek
	}
	s := suite{
		open: func(t *testing.T) *keyring.Keyring {
			t.Helper()
			k, err := keyring.New(newKEK(t), indexKey)
			if err != nil {
				t.Fatal(err)
			}
			return k
		},
		rotate: func(t *testing.T) string {
			t.Helper()
			id, err := newKEK(t).Rotate(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return id
		},
	}
	s.run(t)

	t.Run("VersionIsKeyARN", func(t *testing.T) {
		kek := newKEK(t)
		out, err := client.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(alias)})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := kek.CurrentID(), *out.KeyMetadata.Arn; got != want {
			t.Fatalf("CurrentID = %q, want the alias's key ARN %q", got, want)
		}
	})

	t.Run("OtherProcessSeesRotation", func(t *testing.T) {
		kek := newKEK(t)
		before := kek.CurrentID()
		newID := s.rotate(t)
		if kek.CurrentID() != before {
			t.Fatal("CurrentID changed without asking KMS")
		}
		if got, err := kek.Refresh(ctx); err != nil || got != newID {
			t.Fatalf("Refresh = %q, %v; want %q", got, err, newID)
		}
	})

	t.Run("DataKeyFromLocalKEKIsRefused", func(t *testing.T) {
		local, err := keyring.NewLocalKEK(filepath.Join(t.TempDir(), "kek.json"))
		if err != nil {
			t.Fatal(err)
		}
		w, err := local.Wrap(ctx, indexKey)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := newKEK(t).Unwrap(ctx, w); !errors.Is(err, keyring.ErrDecrypt) {
			t.Fatalf("KMS Unwrap of a locally wrapped key: err = %v, want ErrDecrypt", err)
		}
	})

	t.Run("NotAKey", func(t *testing.T) {
		if _, err := keyring.NewKMSKEK(ctx, client, "alias/claimflow-missing"); err == nil {
			t.Fatal("NewKMSKEK accepted an alias that does not exist")
		}
	})

	t.Run("FromConfig", func(t *testing.T) {
		dir := t.TempDir()
		env := map[string]string{
			"CLAIMFLOW_DATA_DIR":     dir,
			"CLAIMFLOW_KMS_ENDPOINT": endpoint,
			"CLAIMFLOW_KMS_KEY_ID":   alias,
			"AWS_ACCESS_KEY_ID":      "",
		}
		load := func() config.Config {
			cfg, err := config.Load(func(name string) string { return env[name] })
			if err != nil {
				t.Fatal(err)
			}
			return cfg
		}
		k1, err := keyring.FromConfig(ctx, keyringSettings(load()))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := k1.CurrentKeyID(), newKEK(t).CurrentID(); got != want {
			t.Fatalf("FromConfig KEK = %q, want %q", got, want)
		}
		indexFile := filepath.Join(dir, "keys", keyring.IndexKeyFileName)
		st, err := os.Stat(indexFile)
		if err != nil {
			t.Fatalf("index key file: %v", err)
		}
		if got := st.Mode().Perm(); got != 0o600 {
			t.Errorf("index key file mode = %04o, want 0600", got)
		}
		if _, err := os.Stat(filepath.Join(dir, "keys", "kek.json")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("a local key file was made under KMS: %v", err)
		}
		want := k1.BlindIndex("patient.member_id", "ZZX900000001")

		// A second process reads the same index key from the file...
		k2, err := keyring.FromConfig(ctx, keyringSettings(load()))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(k2.BlindIndex("patient.member_id", "ZZX900000001"), want) {
			t.Fatal("second FromConfig gives other blind indexes")
		}
		// ... and a replica elsewhere from the environment.
		text, err := os.ReadFile(indexFile)
		if err != nil {
			t.Fatal(err)
		}
		env["CLAIMFLOW_DATA_DIR"] = t.TempDir()
		env["CLAIMFLOW_KMS_INDEX_KEY"] = string(text)
		k3, err := keyring.FromConfig(ctx, keyringSettings(load()))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(k3.BlindIndex("patient.member_id", "ZZX900000001"), want) {
			t.Fatal("FromConfig with CLAIMFLOW_KMS_INDEX_KEY gives other blind indexes")
		}
		blob, err := k1.SealBlob(ctx, fakeName, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := k3.OpenBlob(ctx, blob, nil); err != nil || !bytes.Equal(got, fakeName) {
			t.Fatalf("replica cannot open a blob: %v", err)
		}

		delete(env, "CLAIMFLOW_KMS_KEY_ID")
		if _, err := keyring.FromConfig(ctx, keyringSettings(load())); err == nil {
			t.Fatal("FromConfig accepted a KMS endpoint without a key ID")
		}
	})
}
