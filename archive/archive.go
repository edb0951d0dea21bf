// Package archive keeps every inbound and outbound EDI file in S3 before
// anything processes it. Objects are keyed by the SHA-256 of the plaintext,
// so storing the same file twice is a no-op, and their bodies are sealed
// (the files carry PHI) by a Sealer such as *keyring.Keyring. Object
// metadata holds only identifiers that are not PHI: direction, partner,
// transaction set IDs, ISA/GS/ST control numbers and the received time.
//
// Layout in the bucket:
//
//	blobs/<sha256>                                   sealed file + metadata
//	index/<partner>/<direction>/<YYYY-MM-DD>/<sha256> empty marker + metadata
//
// The index lets List filter by partner, direction and date with prefix
// listings alone.
package archive

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/claimflow/claimflow/rcm"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// Sealer encrypts and decrypts blobs with associated data. *keyring.Keyring
// implements it.
type Sealer interface {
	SealBlob(ctx context.Context, plaintext, aad []byte) ([]byte, error)
	OpenBlob(ctx context.Context, blob, aad []byte) ([]byte, error)
}

// The archive's records live in package rcm, so that the packages that use
// an archive name them without importing this adapter.
type (
	// Direction says whether a file was sent to or received from a partner.
	Direction = rcm.Direction
	// Meta describes an archived file. None of it is PHI.
	Meta = rcm.EDIMeta
	// Entry is one archived file.
	Entry = rcm.EDIFile
)

// The two directions.
const (
	Inbound  = rcm.Inbound
	Outbound = rcm.Outbound
)

// Errors.
var (
	ErrNotFound   = rcm.ErrEDIFileNotFound
	ErrBadPartner = errors.New("archive: partner must be 1-64 letters, digits, '.', '_' or '-'")
	ErrCorrupt    = errors.New("archive: stored file does not match its hash")
)

// Options configure Open.
type Options struct {
	// Endpoint is e.g. http://127.0.0.1:7070 (path-style addressing), or
	// "aws" or "" for the region's standard endpoint.
	Endpoint string
	Region   string
	Bucket   string
	// AccessKey and SecretKey are a static key pair; both empty means the
	// AWS default credential chain (environment, shared config, web
	// identity / workload identity, container or instance role).
	AccessKey string
	SecretKey string
	Sealer    Sealer
	// HTTPClient is optional.
	HTTPClient *http.Client
}

// Archive stores and retrieves EDI files.
type Archive struct {
	s3     *s3.Client
	bucket string
	sealer Sealer
}

// Open connects to the bucket, creating it when it is missing.
func Open(ctx context.Context, o Options) (*Archive, error) {
	if o.Sealer == nil {
		return nil, errors.New("archive: a Sealer is required (files are PHI)")
	}
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	var creds aws.CredentialsProvider
	if o.AccessKey != "" || o.SecretKey != "" {
		creds = credentials.NewStaticCredentialsProvider(o.AccessKey, o.SecretKey, "")
	} else {
		cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(o.Region))
		if err != nil {
			return nil, fmt.Errorf("archive: AWS default credential chain: %w", err)
		}
		creds = cfg.Credentials
	}
	so := s3.Options{
		Region:      o.Region,
		Credentials: creds,
		// Local S3 servers do not all support the newer default checksums.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	}
	if o.Endpoint != "" && o.Endpoint != "aws" {
		so.BaseEndpoint = aws.String(o.Endpoint)
		so.UsePathStyle = true
	}
	if o.HTTPClient != nil {
		so.HTTPClient = o.HTTPClient
	}
	a := &Archive{s3: s3.New(so), bucket: o.Bucket, sealer: o.Sealer}
	if _, err := a.s3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &a.bucket}); err != nil {
		_, err = a.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &a.bucket})
		var owned *types.BucketAlreadyOwnedByYou
		if err != nil && !errors.As(err, &owned) {
			return nil, fmt.Errorf("archive: create bucket %s: %w", a.bucket, err)
		}
	}
	return a, nil
}

// Hash returns the archive key of body.
func Hash(body []byte) string { return rcm.EDIHash(body) }

var partnerRe = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)
var hashRe = regexp.MustCompile(`^[0-9a-f]{64}$`)

func aad(hash string) []byte { return []byte("claimflow/archive/v1\x00" + hash) }

// Put stores body unless a file with the same hash is already archived, in
// which case it returns the existing entry and stored=false. Put is safe to
// repeat after a crash at any point.
func (a *Archive) Put(ctx context.Context, body []byte, m Meta) (e Entry, stored bool, err error) {
	if !partnerRe.MatchString(m.Partner) {
		return Entry{}, false, ErrBadPartner
	}
	if m.Direction != Inbound && m.Direction != Outbound {
		return Entry{}, false, fmt.Errorf("archive: direction must be %q or %q", Inbound, Outbound)
	}
	if m.Received.IsZero() {
		m.Received = time.Now()
	}
	m.Received = m.Received.UTC().Truncate(time.Second)
	env := readEnvelope(body)
	if len(m.Sets) == 0 {
		m.Sets = env.Sets
	}
	if len(m.ISA13) == 0 {
		m.ISA13 = env.ISA13
	}
	if len(m.GS06) == 0 {
		m.GS06 = env.GS06
	}
	if len(m.ST02) == 0 {
		m.ST02 = env.ST02
	}
	hash := Hash(body)
	if old, err := a.Stat(ctx, hash); err == nil {
		// Already archived. Repair the index marker in case an earlier Put
		// died between the blob and the marker.
		return old, false, a.putIndex(ctx, old)
	} else if !errors.Is(err, ErrNotFound) {
		return Entry{}, false, err
	}
	e = Entry{Hash: hash, Size: int64(len(body)), EDIMeta: m}
	sealed, err := a.sealer.SealBlob(ctx, body, aad(hash))
	if err != nil {
		return Entry{}, false, fmt.Errorf("archive: seal: %w", err)
	}
	_, err = a.s3.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        &a.bucket,
		Key:           aws.String("blobs/" + hash),
		Body:          bytes.NewReader(sealed),
		ContentLength: aws.Int64(int64(len(sealed))),
		ContentType:   aws.String("application/octet-stream"),
		Metadata:      toMetadata(e),
	})
	if err != nil {
		return Entry{}, false, fmt.Errorf("archive: put %s: %w", hash, err)
	}
	return e, true, a.putIndex(ctx, e)
}

func indexKey(e Entry) string {
	return "index/" + e.Partner + "/" + string(e.Direction) + "/" + e.Received.UTC().Format("2006-01-02") + "/" + e.Hash
}

func (a *Archive) putIndex(ctx context.Context, e Entry) error {
	key := indexKey(e)
	if _, err := a.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &a.bucket, Key: &key}); err == nil {
		return nil
	}
	_, err := a.s3.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        &a.bucket,
		Key:           &key,
		Body:          bytes.NewReader(nil),
		ContentLength: aws.Int64(0),
		Metadata:      toMetadata(e),
	})
	if err != nil {
		return fmt.Errorf("archive: put index %s: %w", e.Hash, err)
	}
	return nil
}

// Stat returns the entry for hash without reading the file.
func (a *Archive) Stat(ctx context.Context, hash string) (Entry, error) {
	if !hashRe.MatchString(hash) {
		return Entry{}, ErrNotFound
	}
	out, err := a.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &a.bucket, Key: aws.String("blobs/" + hash)})
	if err != nil {
		if isNotFound(err) {
			return Entry{}, ErrNotFound
		}
		return Entry{}, fmt.Errorf("archive: stat %s: %w", hash, err)
	}
	return fromMetadata(hash, out.Metadata), nil
}

// Get returns the decrypted file and its entry. It verifies the plaintext
// against its hash.
func (a *Archive) Get(ctx context.Context, hash string) ([]byte, Entry, error) {
	if !hashRe.MatchString(hash) {
		return nil, Entry{}, ErrNotFound
	}
	out, err := a.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: &a.bucket, Key: aws.String("blobs/" + hash)})
	if err != nil {
		if isNotFound(err) {
			return nil, Entry{}, ErrNotFound
		}
		return nil, Entry{}, fmt.Errorf("archive: get %s: %w", hash, err)
	}
	defer out.Body.Close()
	sealed, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, Entry{}, fmt.Errorf("archive: get %s: %w", hash, err)
	}
	body, err := a.sealer.OpenBlob(ctx, sealed, aad(hash))
	if err != nil {
		return nil, Entry{}, fmt.Errorf("archive: open %s: %w", hash, err)
	}
	if Hash(body) != hash {
		return nil, Entry{}, ErrCorrupt
	}
	return body, fromMetadata(hash, out.Metadata), nil
}

// Filter selects entries for List. Zero fields match everything; From and
// To compare whole UTC days (inclusive).
type Filter struct {
	Partner   string
	Direction Direction
	From, To  time.Time
	Limit     int // 0: no limit
}

// List returns the entries matching f, oldest day first, then by hash. It
// reads only the index; use Stat for the control numbers of one entry.
func (a *Archive) List(ctx context.Context, f Filter) ([]Entry, error) {
	prefix := "index/"
	if f.Partner != "" {
		if !partnerRe.MatchString(f.Partner) {
			return nil, ErrBadPartner
		}
		prefix += f.Partner + "/"
		if f.Direction != "" {
			prefix += string(f.Direction) + "/"
		}
	}
	from, to := "", "9999-12-31"
	if !f.From.IsZero() {
		from = f.From.UTC().Format("2006-01-02")
	}
	if !f.To.IsZero() {
		to = f.To.UTC().Format("2006-01-02")
	}
	var out []Entry
	p := s3.NewListObjectsV2Paginator(a.s3, &s3.ListObjectsV2Input{Bucket: &a.bucket, Prefix: &prefix})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("archive: list: %w", err)
		}
		for _, o := range page.Contents {
			parts := strings.Split(aws.ToString(o.Key), "/")
			if len(parts) != 5 {
				continue
			}
			e := Entry{Hash: parts[4], EDIMeta: Meta{Partner: parts[1], Direction: Direction(parts[2])}}
			day := parts[3]
			if f.Direction != "" && e.Direction != f.Direction || day < from || day > to {
				continue
			}
			e.Received, _ = time.Parse("2006-01-02", day)
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Received.Equal(out[j].Received) {
			return out[i].Received.Before(out[j].Received)
		}
		return out[i].Hash < out[j].Hash
	})
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

func toMetadata(e Entry) map[string]string {
	return map[string]string{
		"direction": string(e.Direction),
		"partner":   e.Partner,
		"received":  e.Received.UTC().Format(time.RFC3339),
		"size":      strconv.FormatInt(e.Size, 10),
		"sets":      strings.Join(e.Sets, ","),
		"isa13":     strings.Join(e.ISA13, ","),
		"gs06":      strings.Join(e.GS06, ","),
		"st02":      strings.Join(e.ST02, ","),
	}
}

func fromMetadata(hash string, md map[string]string) Entry {
	get := func(k string) string {
		for mk, v := range md {
			if strings.EqualFold(mk, k) {
				return v
			}
		}
		return ""
	}
	list := func(k string) []string {
		if v := get(k); v != "" {
			return strings.Split(v, ",")
		}
		return nil
	}
	e := Entry{Hash: hash, EDIMeta: Meta{
		Direction: Direction(get("direction")),
		Partner:   get("partner"),
		Sets:      list("sets"),
		ISA13:     list("isa13"),
		GS06:      list("gs06"),
		ST02:      list("st02"),
	}}
	e.Received, _ = time.Parse(time.RFC3339, get("received"))
	e.Size, _ = strconv.ParseInt(get("size"), 10, 64)
	return e
}

func isNotFound(err error) bool {
	var nf *types.NotFound
	var nk *types.NoSuchKey
	if errors.As(err, &nf) || errors.As(err, &nk) {
		return true
	}
	var ae smithy.APIError
	return errors.As(err, &ae) && (ae.ErrorCode() == "NotFound" || ae.ErrorCode() == "NoSuchKey")
}
