package keyring

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"
)

// kmsContext is the KMS encryption context of every data key claimflow
// wraps: KMS refuses to decrypt a ciphertext under any other context, and
// CloudTrail records it beside each call.
var kmsContext = map[string]string{"claimflow": "data-key"}

// kmsRefreshInterval is how often Rewrap asks KMS which key the configured
// alias points at.
const kmsRefreshInterval = time.Minute

// KMSKEK is a KEK held by AWS KMS: data keys are wrapped with Encrypt and
// unwrapped with Decrypt, bound to a fixed encryption context.
//
// Its version ID is the ARN of the KMS key. Point keyID at an alias
// ("alias/claimflow-kek") to rotate by moving the alias to a new key
// (Rotate does that): new data keys go to the new key, old ones still
// unwrap under theirs, and Keyring.Rewrap moves them over. KMS's own
// automatic rotation of a key's backing material keeps the ARN, needs no
// Rewrap and is transparent here.
type KMSKEK struct {
	client *kms.Client
	keyID  string // as configured: alias name, key ID or ARN

	mu      sync.RWMutex
	current string // ARN of the key keyID resolves to
	checked time.Time
}

// NewKMSKEK checks that keyID (key ID, ARN or alias) names an enabled
// symmetric encryption key and returns a KEK over it.
func NewKMSKEK(ctx context.Context, c *kms.Client, keyID string) (*KMSKEK, error) {
	if c == nil || keyID == "" {
		return nil, errors.New("keyring: KMS client and key ID are required")
	}
	k := &KMSKEK{client: c, keyID: keyID}
	if _, err := k.Refresh(ctx); err != nil {
		return nil, err
	}
	return k, nil
}

// CurrentID is the ARN of the KMS key new data keys are wrapped under, as
// of the last Wrap, Refresh or Rotate.
func (k *KMSKEK) CurrentID() string {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.current
}

// Refresh asks KMS which key the configured key ID resolves to now (an
// alias may have moved) and returns its ARN.
func (k *KMSKEK) Refresh(ctx context.Context) (string, error) {
	out, err := k.client.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(k.keyID)})
	if err != nil {
		return "", fmt.Errorf("keyring: kms: describe key %s: %w", k.keyID, err)
	}
	m := out.KeyMetadata
	switch {
	case m == nil || m.Arn == nil:
		return "", fmt.Errorf("keyring: kms: describe key %s: no metadata", k.keyID)
	case !m.Enabled:
		return "", fmt.Errorf("keyring: kms: key %s is not enabled", *m.Arn)
	case m.KeyUsage != "" && m.KeyUsage != types.KeyUsageTypeEncryptDecrypt:
		return "", fmt.Errorf("keyring: kms: key %s has usage %s, want ENCRYPT_DECRYPT", *m.Arn, m.KeyUsage)
	case m.KeySpec != "" && m.KeySpec != types.KeySpecSymmetricDefault:
		return "", fmt.Errorf("keyring: kms: key %s has spec %s, want SYMMETRIC_DEFAULT", *m.Arn, m.KeySpec)
	}
	k.setCurrent(*m.Arn)
	return *m.Arn, nil
}

func (k *KMSKEK) setCurrent(arn string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.current, k.checked = arn, time.Now()
}

func (k *KMSKEK) refreshIfStale(ctx context.Context) error {
	k.mu.RLock()
	stale := time.Since(k.checked) > kmsRefreshInterval
	k.mu.RUnlock()
	if !stale {
		return nil
	}
	_, err := k.Refresh(ctx)
	return err
}

// Rotate creates a new symmetric KMS key and moves the configured alias to
// it, returning the new key's ARN. It needs kms:CreateKey and
// kms:UpdateAlias, which an application role usually lacks: in production
// rotate from an operator's session and let processes pick the change up
// (their next Wrap or Refresh).
func (k *KMSKEK) Rotate(ctx context.Context) (newID string, err error) {
	if !strings.HasPrefix(k.keyID, "alias/") {
		return "", fmt.Errorf("keyring: kms: rotating needs an alias as key ID, not %s", k.keyID)
	}
	created, err := k.client.CreateKey(ctx, &kms.CreateKeyInput{
		Description: aws.String("claimflow key-encryption key"),
		KeySpec:     types.KeySpecSymmetricDefault,
		KeyUsage:    types.KeyUsageTypeEncryptDecrypt,
	})
	if err != nil {
		return "", fmt.Errorf("keyring: kms: create key: %w", err)
	}
	if _, err := k.client.UpdateAlias(ctx, &kms.UpdateAliasInput{
		AliasName:   aws.String(k.keyID),
		TargetKeyId: created.KeyMetadata.KeyId,
	}); err != nil {
		return "", fmt.Errorf("keyring: kms: move %s to the new key: %w", k.keyID, err)
	}
	return k.Refresh(ctx)
}

// Wrap encrypts dek under the configured key. The ARN KMS reports having
// used names the version, and becomes CurrentID.
func (k *KMSKEK) Wrap(ctx context.Context, dek []byte) ([]byte, error) {
	out, err := k.client.Encrypt(ctx, &kms.EncryptInput{
		KeyId:             aws.String(k.keyID),
		Plaintext:         dek,
		EncryptionContext: kmsContext,
	})
	if err != nil {
		// Some KMS implementations echo the plaintext in validation
		// messages: keep only the error code of an API error.
		var ae smithy.APIError
		if errors.As(err, &ae) {
			return nil, fmt.Errorf("keyring: kms: encrypt: %s", ae.ErrorCode())
		}
		return nil, fmt.Errorf("keyring: kms: encrypt: %w", err)
	}
	if out.KeyId == nil || *out.KeyId == "" {
		return nil, errors.New("keyring: kms: encrypt: no key ID in the answer")
	}
	if *out.KeyId != k.CurrentID() {
		k.setCurrent(*out.KeyId)
	}
	w := frameWrapped(kindKMS, *out.KeyId, len(out.CiphertextBlob))
	return append(w, out.CiphertextBlob...), nil
}

// Unwrap asks KMS to decrypt a wrapped key with the key its header names.
// A ciphertext KMS rejects (tampered, another key, another context, a key
// that does not exist or is not ours to use) gives an error wrapping
// ErrDecrypt; network and throttling errors do not.
func (k *KMSKEK) Unwrap(ctx context.Context, wrapped []byte) ([]byte, error) {
	kind, id, _, body, err := parseWrapped(wrapped)
	if err != nil {
		return nil, err
	}
	if kind != kindKMS {
		return nil, fmt.Errorf("%w: data key was not wrapped by KMS", ErrDecrypt)
	}
	out, err := k.client.Decrypt(ctx, &kms.DecryptInput{
		KeyId:             aws.String(id),
		CiphertextBlob:    body,
		EncryptionContext: kmsContext,
	})
	if err != nil {
		var ae smithy.APIError
		if errors.As(err, &ae) {
			switch ae.ErrorCode() {
			case "InvalidCiphertextException", "IncorrectKeyException", "NotFoundException", "AccessDeniedException":
				return nil, fmt.Errorf("%w: kms %s", ErrDecrypt, ae.ErrorCode())
			}
		}
		return nil, fmt.Errorf("keyring: kms: decrypt: %w", err)
	}
	if out.KeyId == nil || *out.KeyId != id {
		clear(out.Plaintext)
		return nil, fmt.Errorf("%w: kms decrypted with another key", ErrDecrypt)
	}
	return out.Plaintext, nil
}
