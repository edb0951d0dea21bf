package archive_test

import (
	"archive/tar"
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/claimflow/claimflow/archive"
	"github.com/claimflow/claimflow/archive/archivetest"
)

// The backup drill's archive half: a bucket backed up and restored into an
// empty bucket gives back every file, its metadata and its index, sealed
// under the same key; under another key nothing opens; the backup stream
// holds no plaintext.
func TestBackupRestore(t *testing.T) {
	ctx := context.Background()
	s := archivetest.StartS3(t)
	sealer := archivetest.Sealer(t)
	open := func(bucket string, sl archive.Sealer) *archive.Archive {
		a, err := archive.Open(ctx, archive.Options{Endpoint: s.Endpoint, Bucket: bucket, AccessKey: s.AccessKey, SecretKey: s.SecretKey, Sealer: sl})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	src := open("src", sealer)
	day := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	var hashes []string
	for i, ctl := range []string{"000000911", "000000912", "000000913"} {
		e, _, err := src.Put(ctx, isa(ctl, "837"), archive.Meta{Direction: archive.Outbound, Partner: "drill-ch", Received: day.Add(time.Duration(i) * 24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, e.Hash)
	}
	if _, err := src.PutCheckpoint(ctx, day, []byte(`{"heads":[]}`)); err != nil {
		t.Fatal(err)
	}

	var buf bytes.Buffer
	st, err := src.Backup(ctx, &buf)
	if err != nil {
		t.Fatal(err)
	}
	if st.Objects != 7 { // 3 blobs, 3 index markers, 1 checkpoint
		t.Errorf("backup holds %d objects, want 7", st.Objects)
	}
	if strings.Contains(buf.String(), "SUBMITTER01") {
		t.Error("the backup stream holds an archived file's plaintext")
	}

	dst := open("restored", sealer)
	rst, err := dst.Restore(ctx, bytes.NewReader(buf.Bytes()))
	if err != nil || rst != st {
		t.Fatalf("restore: %+v, %v; want %+v", rst, err, st)
	}
	list, err := dst.List(ctx, archive.Filter{Partner: "drill-ch"})
	if err != nil || len(list) != 3 {
		t.Fatalf("restored index lists %d entries (%v), want 3", len(list), err)
	}
	for i, h := range hashes {
		body, e, err := dst.Get(ctx, h)
		if err != nil {
			t.Fatalf("restored Get %s: %v", h, err)
		}
		if !bytes.Contains(body, []byte("SUBMITTER01")) || e.Partner != "drill-ch" || !e.Received.Equal(day.Add(time.Duration(i)*24*time.Hour)) {
			t.Errorf("restored %s: partner %q received %v", h, e.Partner, e.Received)
		}
	}
	if _, key, err := dst.LatestCheckpoint(ctx); err != nil || !strings.HasPrefix(key, "audit-checkpoints/") {
		t.Errorf("restored checkpoint: %q, %v", key, err)
	}
	// Again: a repeated restore changes nothing.
	if _, err := dst.Restore(ctx, bytes.NewReader(buf.Bytes())); err != nil {
		t.Fatal(err)
	}
	// Without the key material the restored files do not open.
	other := open("restored", archivetest.Sealer(t))
	if _, _, err := other.Get(ctx, hashes[0]); err == nil {
		t.Error("a restored file opened under another key")
	}
}

func TestRestoreRefusesPathsOutsideTheBucket(t *testing.T) {
	a := archivetest.Open(t, nil)
	var buf bytes.Buffer
	tarWith(t, &buf, "../escape")
	if _, err := a.Restore(context.Background(), &buf); err == nil || !strings.Contains(err.Error(), "unexpected entry") {
		t.Fatalf("restore of ../escape: %v", err)
	}
}

func tarWith(t *testing.T, w *bytes.Buffer, name string) {
	t.Helper()
	tw := tar.NewWriter(w)
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
}
