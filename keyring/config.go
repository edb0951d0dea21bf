package keyring

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// IndexKeyFileName is the file, beside the key file, that keeps the
// KMS-wrapped blind-index key when CLAIMFLOW_KMS_INDEX_KEY is not set.
const IndexKeyFileName = "index-key.kms"

// Settings are the configuration's key settings (config.Config's fields
// of the same names), passed in so that keyring does not depend on the
// configuration package.
type Settings struct {
	KeyFile     string // CLAIMFLOW_KEY_FILE
	KMSEndpoint string // CLAIMFLOW_KMS_ENDPOINT
	KMSKeyID    string // CLAIMFLOW_KMS_KEY_ID
	KMSRegion   string // CLAIMFLOW_KMS_REGION
	KMSIndexKey string // CLAIMFLOW_KMS_INDEX_KEY
}

// FromConfig opens the keyring the configuration names.
//
// Without CLAIMFLOW_KMS_ENDPOINT it is OpenLocal(cfg.KeyFile).
//
// With it, the KEK is the KMS key CLAIMFLOW_KMS_KEY_ID (credentials from the
// SDK's default chain; for an endpoint on a loopback address, such as
// local-kms, fixed dummy credentials when the environment has none). The
// blind-index key cannot live in KMS in a usable form (HMAC must run here),
// so it is a random 32-byte key kept wrapped by that KMS key: taken from
// CLAIMFLOW_KMS_INDEX_KEY (base64 of the wrapped bytes) when set, otherwise
// read from IndexKeyFileName beside the key file, which is created (mode
// 0600) on first use. Every process that shares a database must use the same
// index key: copy that file's content into CLAIMFLOW_KMS_INDEX_KEY on the
// other replicas.
func FromConfig(ctx context.Context, cfg Settings) (*Keyring, error) {
	if cfg.KMSEndpoint == "" {
		return OpenLocal(cfg.KeyFile)
	}
	if cfg.KMSKeyID == "" {
		return nil, errors.New("keyring: CLAIMFLOW_KMS_KEY_ID is required with CLAIMFLOW_KMS_ENDPOINT")
	}
	client, err := kmsClient(ctx, cfg)
	if err != nil {
		return nil, err
	}
	kek, err := NewKMSKEK(ctx, client, cfg.KMSKeyID)
	if err != nil {
		return nil, err
	}
	indexKey, err := kmsIndexKey(ctx, kek, cfg)
	if err != nil {
		return nil, err
	}
	defer clear(indexKey)
	return New(kek, indexKey)
}

func kmsClient(ctx context.Context, cfg Settings) (*kms.Client, error) {
	opts := []func(*awsconfig.LoadOptions) error{awsconfig.WithRegion(cfg.KMSRegion)}
	if cfg.KMSEndpoint != "aws" && isLoopback(cfg.KMSEndpoint) && os.Getenv("AWS_ACCESS_KEY_ID") == "" {
		opts = append(opts, awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("claimflow-local", "claimflow-local", "")))
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("keyring: kms: %w", err)
	}
	return kms.NewFromConfig(awsCfg, func(o *kms.Options) {
		if cfg.KMSEndpoint != "aws" {
			o.BaseEndpoint = aws.String(cfg.KMSEndpoint)
		}
	}), nil
}

func isLoopback(endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil {
		return false
	}
	h := u.Hostname()
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// kmsIndexKey unwraps the index key from the configuration or the file
// beside the key file, creating the file when neither exists.
func kmsIndexKey(ctx context.Context, kek *KMSKEK, cfg Settings) ([]byte, error) {
	text := strings.TrimSpace(cfg.KMSIndexKey)
	if text == "" {
		path := filepath.Join(filepath.Dir(cfg.KeyFile), IndexKeyFileName)
		b, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			if b, err = createKMSIndexKey(ctx, kek, path); err != nil {
				return nil, err
			}
		} else if err != nil {
			return nil, fmt.Errorf("keyring: %w", err)
		}
		text = strings.TrimSpace(string(b))
	}
	wrapped, err := base64.StdEncoding.DecodeString(text)
	if err != nil {
		return nil, errors.New("keyring: the wrapped index key is not base64")
	}
	key, err := kek.Unwrap(ctx, wrapped)
	if err != nil {
		return nil, fmt.Errorf("keyring: unwrap index key: %w", err)
	}
	if len(key) != KeySize {
		clear(key)
		return nil, fmt.Errorf("%w: index key has the wrong size", ErrDecrypt)
	}
	return key, nil
}

// createKMSIndexKey makes a random index key, wraps it and publishes the
// file (mode 0600) without ever replacing one: if another process won the
// race, its file is returned instead. It returns the file's content.
func createKMSIndexKey(ctx context.Context, kek *KMSKEK, path string) ([]byte, error) {
	key := randomKey()
	wrapped, err := kek.Wrap(ctx, key)
	clear(key)
	if err != nil {
		return nil, fmt.Errorf("keyring: wrap index key: %w", err)
	}
	content := []byte(base64.StdEncoding.EncodeToString(wrapped) + "\n")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+IndexKeyFileName+".*.tmp") // mode 0600
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, werr := tmp.Write(content)
	serr := tmp.Sync()
	if err := errors.Join(werr, serr, tmp.Close()); err != nil {
		return nil, fmt.Errorf("keyring: write %s: %w", path, err)
	}
	if err := os.Link(tmp.Name(), path); errors.Is(err, fs.ErrExist) {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("keyring: %w", err)
		}
		return b, nil
	} else if err != nil {
		return nil, fmt.Errorf("keyring: publish %s: %w", path, err)
	}
	return content, nil
}
