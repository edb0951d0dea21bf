package archive

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Backup and restore of the whole bucket for the backup drill (issue 20):
// every object (sealed blobs, index markers, audit checkpoints) goes into a
// tar stream exactly as stored, its S3 user metadata in PAX records. The
// blobs stay sealed, so the backup holds no plaintext and is useless
// without the key material, which is backed up apart. Operators of a real
// S3 bucket may use their provider's replication instead; this is what
// `claimflow archive backup|restore` and the drill use, and it works the
// same against any S3 server.

const paxMeta = "CLAIMFLOW.meta."

// BackupStats counts what a backup or restore moved.
type BackupStats struct {
	Objects int
	Bytes   int64
}

// Backup writes every object of the bucket to w as a tar stream, in key
// order.
func (a *Archive) Backup(ctx context.Context, w io.Writer) (BackupStats, error) {
	var st BackupStats
	var keys []string
	p := s3.NewListObjectsV2Paginator(a.s3, &s3.ListObjectsV2Input{Bucket: &a.bucket})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return st, fmt.Errorf("archive: backup: list: %w", err)
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	sort.Strings(keys)
	tw := tar.NewWriter(w)
	for _, key := range keys {
		out, err := a.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: &a.bucket, Key: aws.String(key)})
		if err != nil {
			return st, fmt.Errorf("archive: backup: get %s: %w", key, err)
		}
		body, err := io.ReadAll(out.Body)
		out.Body.Close()
		if err != nil {
			return st, fmt.Errorf("archive: backup: read %s: %w", key, err)
		}
		pax := map[string]string{}
		for k, v := range out.Metadata {
			pax[paxMeta+strings.ToLower(k)] = v
		}
		mod := time.Unix(0, 0).UTC()
		if out.LastModified != nil {
			mod = out.LastModified.UTC()
		}
		hdr := &tar.Header{Name: key, Mode: 0o600, Size: int64(len(body)), ModTime: mod, Format: tar.FormatPAX, PAXRecords: pax}
		if err := tw.WriteHeader(hdr); err != nil {
			return st, fmt.Errorf("archive: backup: %w", err)
		}
		if _, err := tw.Write(body); err != nil {
			return st, fmt.Errorf("archive: backup: %w", err)
		}
		st.Objects++
		st.Bytes += int64(len(body))
	}
	if err := tw.Close(); err != nil {
		return st, fmt.Errorf("archive: backup: %w", err)
	}
	return st, nil
}

// Restore puts every object of a Backup stream into the bucket with its
// metadata, as stored (sealed blobs are not opened). An object already
// present with the same content is left as it is, so a restore interrupted
// part way can be run again.
func (a *Archive) Restore(ctx context.Context, r io.Reader) (BackupStats, error) {
	var st BackupStats
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return st, nil
		}
		if err != nil {
			return st, fmt.Errorf("archive: restore: %w", err)
		}
		if hdr.Typeflag != tar.TypeReg || strings.HasPrefix(hdr.Name, "/") || strings.Contains(hdr.Name, "..") {
			return st, fmt.Errorf("archive: restore: unexpected entry %q", hdr.Name)
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			return st, fmt.Errorf("archive: restore: read %s: %w", hdr.Name, err)
		}
		meta := map[string]string{}
		for k, v := range hdr.PAXRecords {
			if name, ok := strings.CutPrefix(k, paxMeta); ok {
				meta[name] = v
			}
		}
		_, err = a.s3.PutObject(ctx, &s3.PutObjectInput{
			Bucket:        &a.bucket,
			Key:           aws.String(hdr.Name),
			Body:          bytes.NewReader(body),
			ContentLength: aws.Int64(int64(len(body))),
			Metadata:      meta,
		})
		if err != nil {
			return st, fmt.Errorf("archive: restore: put %s: %w", hdr.Name, err)
		}
		st.Objects++
		st.Bytes += int64(len(body))
	}
}
