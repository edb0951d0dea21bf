// Package payloadcodec keeps PHI out of Temporal's workflow history: every
// payload a client or worker sends is sealed before it leaves the process,
// and opened again when it comes back. Handler serves the codec to the
// Temporal Web UI, so an authorised engineer can read payloads there.
//
// Payloads are sealed per tenant (format v2): each workflow's payloads use
// a data key of the organisation that owns the workflow (a claim's
// organisation for claim/<id>, an appointment's for reminder/<id>, ...),
// found from the workflow ID the SDK passes in its serialization context.
// Workflows no organisation owns (schedules, batches and polls across
// tenants) and payloads sealed without a workflow use a system key. The key
// is named in the payload's metadata (MetadataKeyID, e.g.
// "v2/org/<org-id>/2026-12") and bound into the ciphertext as additional
// data, and the key store records which organisation owns each key. The
// codec server can fetch only the keys of organisations where its caller
// holds workflow:decode (Caller.DecodeKey), so another tenant's payload
// cannot be opened with this tenant's grant: it is returned still encoded,
// with the reason in MetadataRefused.
//
// Payloads sealed before (format v1: a blob whose data key is wrapped by
// the KEK, MetadataKeyID a KEK version) still open in the worker, so running
// workflows go on; the codec server opens them only for callers that may
// decode system payloads.
//
// Only payloads are encrypted. Workflow IDs, search attributes, memo keys,
// activity and signal names, and failure messages reach the server as they
// are: never put PHI in them.
package payloadcodec

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"
)

const (
	// EncodingEncrypted is the metadata "encoding" of a sealed payload.
	EncodingEncrypted = "binary/encrypted"
	// MetadataKeyID names the key a payload is sealed with: a per-tenant
	// or system data key ("v2/org/<org-id>/<yyyy-mm>", "v2/system/<yyyy-mm>")
	// or, for payloads sealed before per-tenant keys, the KEK version that
	// wraps the blob's own data key.
	MetadataKeyID = "encryption-key-id"
	// MetadataTenant names the organisation a v2 payload belongs to
	// ("system" for none), for engineers and audits; the key store, not this
	// value, decides who may open it.
	MetadataTenant = "claimflow-tenant"
	// MetadataRefused is set by the codec server on a payload it returns
	// still encoded: why this caller may not read it.
	MetadataRefused = "claimflow-decode-refused"

	// SystemTenant is MetadataTenant of payloads no organisation owns.
	SystemTenant = "system"

	// codecTimeout bounds one Encode or Decode (a database and a KMS call at
	// most).
	codecTimeout = 30 * time.Second
	// cacheMax bounds each in-memory cache (workflow tenants, data keys).
	cacheMax = 1 << 16
	// systemTTL is how long a workflow found to belong to no organisation
	// is remembered (its record may not be visible yet).
	systemTTL = time.Minute
)

const keyPrefixV2 = "v2/"

// aadV1 binds v1 blobs to their use: a blob sealed for another purpose (an
// archived file, a database field) does not open as a payload.
var aadV1 = []byte("claimflow/temporal-payload/v1")

// aadV2 binds a v2 payload to the key id it names, which names its tenant:
// metadata pointing at another key does not open.
func aadV2(keyID string) []byte { return []byte("claimflow/temporal-payload/v2\x00" + keyID) }

// Keys stores the payload data keys, wrapped by the keyring's KEK, and
// knows which organisation owns a workflow. *store.Store implements it.
type Keys interface {
	// PayloadKey returns the wrapped key named id and its organisation
	// ("" for the system key), or an error (store.ErrNotFound).
	PayloadKey(ctx context.Context, id string) (wrapped []byte, orgID string, err error)
	// EnsurePayloadKey stores wrapped as key id of orgID unless the key
	// exists, and returns the stored wrapped key.
	EnsurePayloadKey(ctx context.Context, id, orgID string, wrapped []byte) ([]byte, error)
	// WorkflowTenant returns the organisation owning a workflow ID, or "".
	WorkflowTenant(ctx context.Context, workflowID string) (string, error)
}

// KeyID is the id of the data key of tenant ("" for the system) for the
// month of t.
func KeyID(tenant string, t time.Time) string {
	month := t.UTC().Format("2006-01")
	if tenant == "" {
		return keyPrefixV2 + "system/" + month
	}
	return keyPrefixV2 + "org/" + tenant + "/" + month
}

// Codec seals payloads with the key of the tenant that owns the workflow
// they belong to. It implements converter.PayloadCodec and
// converter.PayloadCodecWithSerializationContext.
type Codec struct {
	s          *state
	workflowID string
}

var (
	_ converter.PayloadCodec                         = Codec{}
	_ converter.PayloadCodecWithSerializationContext = Codec{}
)

type state struct {
	k    anyKeyring
	keys Keys
	now  func() time.Time

	mu      sync.Mutex
	tenants map[string]tenantEntry // workflow ID -> owning org
	current map[string]currentKey  // tenant -> this month's key
	byID    map[string]DataKey     // key id -> unwrapped key
}

type tenantEntry struct {
	org     string
	expires time.Time // zero: never (an owned workflow keeps its owner)
}

type currentKey struct {
	id string
	dk DataKey
}

// DataKey seals and opens the payloads of one tenant and month
// (package keyring's *DataKey).
type DataKey interface {
	Seal(plaintext, aad []byte) []byte
	Open(sealed, aad []byte) ([]byte, error)
}

// Keyring is envelope encryption as the codec needs it (package keyring's
// *Keyring, with its data key type D): New and DataConverter infer D, so
// callers pass the keyring as it is.
type Keyring[D DataKey] interface {
	NewDataKey(ctx context.Context) (D, []byte, error)
	DataKey(ctx context.Context, wrapped []byte) (D, error)
	OpenBlob(ctx context.Context, blob, aad []byte) ([]byte, error)
}

// anyKeyring is Keyring with the data key type erased, as the codec's state
// holds it.
type anyKeyring interface {
	NewDataKey(ctx context.Context) (DataKey, []byte, error)
	DataKey(ctx context.Context, wrapped []byte) (DataKey, error)
	OpenBlob(ctx context.Context, blob, aad []byte) ([]byte, error)
}

type keyringOf[D DataKey] struct{ k Keyring[D] }

func (a keyringOf[D]) NewDataKey(ctx context.Context) (DataKey, []byte, error) {
	d, w, err := a.k.NewDataKey(ctx)
	if err != nil {
		return nil, nil, err
	}
	return d, w, nil
}

func (a keyringOf[D]) DataKey(ctx context.Context, wrapped []byte) (DataKey, error) {
	d, err := a.k.DataKey(ctx, wrapped)
	if err != nil {
		return nil, err
	}
	return d, nil
}

func (a keyringOf[D]) OpenBlob(ctx context.Context, blob, aad []byte) ([]byte, error) {
	return a.k.OpenBlob(ctx, blob, aad)
}

// isDecrypt reports whether err says a payload or wrapped key does not open
// (keyring.ErrDecrypt, matched by its Decrypt method so that the codec does
// not import the keyring adapter).
func isDecrypt(err error) bool {
	var d interface{ Decrypt() bool }
	return errors.As(err, &d) && d.Decrypt()
}

// New returns the payload codec over the keyring and the key store.
func New[D DataKey](k Keyring[D], keys Keys) Codec {
	if k == nil || keys == nil {
		panic("payloadcodec: nil keyring or key store")
	}
	return newCodec(keyringOf[D]{k}, keys)
}

func newCodec(k anyKeyring, keys Keys) Codec {
	return Codec{s: &state{k: k, keys: keys, now: time.Now,
		tenants: map[string]tenantEntry{}, current: map[string]currentKey{}, byID: map[string]DataKey{}}}
}

// DataConverter is Temporal's default data converter with New(k, keys)
// applied: set it on every client and worker of a namespace.
func DataConverter[D DataKey](k Keyring[D], keys Keys) converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), New(k, keys))
}

// WithSerializationContext returns the codec for the payloads of one
// workflow (its own, its activities', signals sent to it): the SDK calls it
// with the workflow's ID.
func (c Codec) WithSerializationContext(sc converter.SerializationContext) converter.PayloadCodec {
	switch x := sc.(type) {
	case converter.WorkflowSerializationContext:
		return Codec{s: c.s, workflowID: x.WorkflowID}
	case converter.ActivitySerializationContext:
		return Codec{s: c.s, workflowID: x.WorkflowID}
	}
	return Codec{s: c.s}
}

// ForWorkflow is the codec of one workflow's payloads (what the SDK gets
// through WithSerializationContext).
func (c Codec) ForWorkflow(workflowID string) Codec { return Codec{s: c.s, workflowID: workflowID} }

// Encode seals payloads with the data key of the workflow's tenant (the
// system key when the workflow is unknown or belongs to no organisation).
func (c Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	ctx, cancel := context.WithTimeout(context.Background(), codecTimeout)
	defer cancel()
	tenant := ""
	if c.workflowID != "" {
		var err error
		if tenant, err = c.s.tenant(ctx, c.workflowID); err != nil {
			return payloads, err
		}
	}
	return c.s.encode(ctx, tenant, payloads)
}

// EncodeFor seals payloads with the data key of tenant ("" for the system).
func (c Codec) EncodeFor(ctx context.Context, tenant string, payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	return c.s.encode(ctx, tenant, payloads)
}

func (s *state) encode(ctx context.Context, tenant string, payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	ck, err := s.currentKey(ctx, tenant)
	if err != nil {
		return payloads, err
	}
	label := tenant
	if label == "" {
		label = SystemTenant
	}
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		plain, err := proto.Marshal(p)
		if err != nil {
			return payloads, errors.New("payloadcodec: cannot marshal a payload")
		}
		sealed := ck.dk.Seal(plain, aadV2(ck.id))
		clear(plain)
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{
				converter.MetadataEncoding: []byte(EncodingEncrypted),
				MetadataKeyID:              []byte(ck.id),
				MetadataTenant:             []byte(label),
			},
			Data: sealed,
		}
	}
	return out, nil
}

// Decode opens sealed payloads of any tenant (the worker runs every
// tenant's workflows) and passes others through.
func (c Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	ctx, cancel := context.WithTimeout(context.Background(), codecTimeout)
	defer cancel()
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if !Sealed(p) {
			out[i] = p
			continue
		}
		id := KeyIDOf(p)
		var dp *commonpb.Payload
		var err error
		if IsLegacy(p) {
			dp, err = c.s.openV1(ctx, p)
		} else {
			var dk DataKey
			if dk, err = c.s.dataKey(ctx, id, c.s.keys.PayloadKey); err == nil {
				dp, err = openV2(dk, id, p)
			}
		}
		if err != nil {
			return payloads, err
		}
		out[i] = dp
	}
	return out, nil
}

// Sealed reports whether p was sealed by this codec (either format).
func Sealed(p *commonpb.Payload) bool {
	return string(p.GetMetadata()[converter.MetadataEncoding]) == EncodingEncrypted
}

// KeyIDOf is the key id a sealed payload names.
func KeyIDOf(p *commonpb.Payload) string { return string(p.GetMetadata()[MetadataKeyID]) }

// IsLegacy reports whether a sealed payload is in format v1 (sealed before
// per-tenant keys, under the KEK alone).
func IsLegacy(p *commonpb.Payload) bool { return !strings.HasPrefix(KeyIDOf(p), keyPrefixV2) }

func (s *state) openV1(ctx context.Context, p *commonpb.Payload) (*commonpb.Payload, error) {
	plain, err := s.k.OpenBlob(ctx, p.GetData(), aadV1)
	if err != nil {
		return nil, fmt.Errorf("payloadcodec: open: %w", err)
	}
	return unmarshal(plain)
}

func openV2(dk DataKey, id string, p *commonpb.Payload) (*commonpb.Payload, error) {
	plain, err := dk.Open(p.GetData(), aadV2(id))
	if err != nil {
		return nil, fmt.Errorf("payloadcodec: open: %w", err)
	}
	return unmarshal(plain)
}

var errNotPayload = errors.New("payloadcodec: an opened payload is not a payload")

func unmarshal(plain []byte) (*commonpb.Payload, error) {
	var dp commonpb.Payload
	err := proto.Unmarshal(plain, &dp)
	clear(plain)
	if err != nil {
		return nil, errNotPayload
	}
	return &dp, nil
}

// tenant returns the organisation owning a workflow, cached.
func (s *state) tenant(ctx context.Context, workflowID string) (string, error) {
	now := s.now()
	s.mu.Lock()
	e, ok := s.tenants[workflowID]
	s.mu.Unlock()
	if ok && (e.expires.IsZero() || now.Before(e.expires)) {
		return e.org, nil
	}
	org, err := s.keys.WorkflowTenant(ctx, workflowID)
	if err != nil {
		return "", fmt.Errorf("payloadcodec: workflow tenant: %w", err)
	}
	e = tenantEntry{org: org}
	if org == "" {
		e.expires = now.Add(systemTTL)
	}
	s.mu.Lock()
	if len(s.tenants) >= cacheMax {
		clear(s.tenants)
	}
	s.tenants[workflowID] = e
	s.mu.Unlock()
	return org, nil
}

// currentKey returns this month's key of tenant, making and storing it on
// first use.
func (s *state) currentKey(ctx context.Context, tenant string) (currentKey, error) {
	id := KeyID(tenant, s.now())
	s.mu.Lock()
	ck, ok := s.current[tenant]
	s.mu.Unlock()
	if ok && ck.id == id {
		return ck, nil
	}
	dk, err := s.dataKey(ctx, id, s.keys.PayloadKey)
	if err != nil {
		dk, wrapped, nerr := s.k.NewDataKey(ctx)
		if nerr != nil {
			return currentKey{}, fmt.Errorf("payloadcodec: new data key: %w", nerr)
		}
		stored, serr := s.keys.EnsurePayloadKey(ctx, id, tenant, wrapped)
		if serr != nil {
			return currentKey{}, fmt.Errorf("payloadcodec: store data key: %w", serr)
		}
		if string(stored) != string(wrapped) { // another process made it first
			if dk, nerr = s.k.DataKey(ctx, stored); nerr != nil {
				return currentKey{}, fmt.Errorf("payloadcodec: %w", nerr)
			}
		}
		s.remember(id, dk)
		ck = currentKey{id: id, dk: dk}
	} else {
		ck = currentKey{id: id, dk: dk}
	}
	s.mu.Lock()
	s.current[tenant] = ck
	s.mu.Unlock()
	return ck, nil
}

// dataKey returns the unwrapped key id, fetching its wrapped form through
// lookup on a cache miss. Only the worker's codec (which runs every tenant's
// workflows) uses it; the codec server never reads this cache, it asks its
// caller's scoped lookup every time (Handler).
func (s *state) dataKey(ctx context.Context, id string, lookup func(context.Context, string) ([]byte, string, error)) (DataKey, error) {
	s.mu.Lock()
	dk, ok := s.byID[id]
	s.mu.Unlock()
	if ok {
		return dk, nil
	}
	wrapped, _, err := lookup(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("payloadcodec: data key: %w", err)
	}
	if dk, err = s.k.DataKey(ctx, wrapped); err != nil {
		return nil, fmt.Errorf("payloadcodec: %w", err)
	}
	s.remember(id, dk)
	return dk, nil
}

func (s *state) remember(id string, dk DataKey) {
	s.mu.Lock()
	if len(s.byID) >= cacheMax {
		clear(s.byID)
	}
	s.byID[id] = dk
	s.mu.Unlock()
}
