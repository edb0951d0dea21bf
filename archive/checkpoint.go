package archive

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// checkpointPrefix holds the audit log's signed checkpoints, one object per
// checkpoint named by its UTC time, so the newest sorts last:
//
//	audit-checkpoints/<YYYYMMDDTHHMMSS.nnnnnnnnnZ>.json
//
// A checkpoint names chain heads and hashes, no PHI: it is stored as is.
// In production, put the bucket under S3 Object Lock (compliance mode) so
// that someone holding the database cannot also remove checkpoints.
const checkpointPrefix = "audit-checkpoints/"

// PutCheckpoint stores an audit checkpoint taken at at and returns its key.
func (a *Archive) PutCheckpoint(ctx context.Context, at time.Time, body []byte) (string, error) {
	key := checkpointPrefix + at.UTC().Format("20060102T150405.000000000Z") + ".json"
	_, err := a.s3.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        &a.bucket,
		Key:           &key,
		Body:          bytes.NewReader(body),
		ContentLength: aws.Int64(int64(len(body))),
		ContentType:   aws.String("application/json"),
	})
	if err != nil {
		return "", fmt.Errorf("archive: put checkpoint: %w", err)
	}
	return key, nil
}

// LatestCheckpoint returns the newest audit checkpoint and its key, or
// ErrNotFound when there is none.
func (a *Archive) LatestCheckpoint(ctx context.Context) ([]byte, string, error) {
	var latest string
	p := s3.NewListObjectsV2Paginator(a.s3, &s3.ListObjectsV2Input{Bucket: &a.bucket, Prefix: aws.String(checkpointPrefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, "", fmt.Errorf("archive: list checkpoints: %w", err)
		}
		for _, o := range page.Contents {
			if k := aws.ToString(o.Key); k > latest {
				latest = k
			}
		}
	}
	if latest == "" {
		return nil, "", ErrNotFound
	}
	out, err := a.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: &a.bucket, Key: &latest})
	if err != nil {
		return nil, "", fmt.Errorf("archive: get checkpoint: %w", err)
	}
	defer out.Body.Close()
	body, err := io.ReadAll(io.LimitReader(out.Body, 1<<20))
	if err != nil {
		return nil, "", fmt.Errorf("archive: get checkpoint: %w", err)
	}
	return body, latest, nil
}
