package chaos

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/rcm"
)

// Report is the outcome of one chaos run's checks. OK is false when any
// Problem was found.
type Report struct {
	Claims       int            `json:"claims"`
	ByStatus     map[string]int `json:"by_status"`
	NotFinal     int            `json:"not_final"`
	Payments     int            `json:"payments"` // claim_payments rows of the run's claims
	PostedTwice  int            `json:"posted_twice"`
	NotPosted    int            `json:"not_posted"` // adjudicated claims with no payment row
	FilesIn      int            `json:"files_in"`   // inbound files of the run (first receipt of each content)
	FilesOut     int            `json:"files_out"`
	NotArchived  int            `json:"not_archived"`  // files the database holds that the archive lists no entry for
	ArchivedMore int            `json:"archived_more"` // files with more than one archive entry
	Pending      int            `json:"pending"`       // files not through their exchange (inbound not routed, outbound not uploaded)
	Bookings     BookingCounts  `json:"bookings"`
	// LastFinal is when the last claim of the run reached its final
	// status; FirstAfter is the first claim status recorded after the
	// repair time given to Check (zero when none was given).
	LastFinal  time.Time `json:"last_final"`
	FirstAfter time.Time `json:"first_after"`
	Problems   []string  `json:"problems"`
	OK         bool      `json:"ok"`
}

// BookingCounts compares the bookings the driver saw acknowledged with the
// appointments rows of the run's organisation.
type BookingCounts struct {
	Sent    int `json:"sent"`
	Acked   int `json:"acked"`
	Rows    int `json:"rows"`
	Lost    int `json:"lost"`    // acknowledged, no row
	Doubled int `json:"doubled"` // more than one row for one booking's slot
	// Unacked: rows for bookings the driver gave up on (committed, but the
	// answer never came); not a loss, reported so it is seen.
	Unacked int `json:"unacked"`
	Strays  int `json:"strays"` // rows that match no booking the driver sent
}

// Querier is a pool or a transaction.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Final counts how many of the claims have a final status.
func Final(ctx context.Context, db Querier, claims []string) (final, total int, err error) {
	rows, err := db.Query(ctx, `SELECT status, count(*) FROM claims WHERE id = ANY($1::uuid[]) GROUP BY status`, claims)
	if err != nil {
		return 0, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return 0, 0, err
		}
		total += n
		if rcm.ClaimStatus(st).Final() {
			final += n
		}
	}
	return final, total, rows.Err()
}

// WaitFinal polls until every claim of s has a final status, or timeout.
// progress, when not nil, gets a line every 10 s.
func WaitFinal(ctx context.Context, db Querier, s State, timeout time.Duration, progress io.Writer) error {
	deadline := time.Now().Add(timeout)
	last := time.Now()
	for {
		final, _, err := Final(ctx, db, s.Claims)
		if err == nil && final == len(s.Claims) {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d claims final after %v (last error: %v)", final, len(s.Claims), timeout, err)
		}
		if progress != nil && time.Since(last) >= 10*time.Second {
			fmt.Fprintf(progress, "  %d of %d claims final\n", final, len(s.Claims))
			last = time.Now()
		}
		time.Sleep(time.Second)
	}
}

// Check runs every check of one run. archived lists the archive's entries
// as `claimflow archive list -limit 0` prints them (a header, then one
// file per line, its SHA-256 first); repaired is when the fault was
// repaired (zero: not measured).
func Check(ctx context.Context, db Querier, s State, br BookingRun, archived io.Reader, repaired time.Time) (Report, error) {
	r := Report{Claims: len(s.Claims), ByStatus: map[string]int{}}
	problem := func(format string, a ...any) { r.Problems = append(r.Problems, fmt.Sprintf(format, a...)) }

	// Every claim final.
	rows, err := db.Query(ctx, `SELECT status, count(*) FROM claims WHERE id = ANY($1::uuid[]) GROUP BY status`, s.Claims)
	if err != nil {
		return r, err
	}
	seen := 0
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return r, err
		}
		r.ByStatus[st] = n
		seen += n
		if !rcm.ClaimStatus(st).Final() {
			r.NotFinal += n
		}
	}
	if err := rows.Err(); err != nil {
		return r, err
	}
	if seen != len(s.Claims) {
		problem("%d of the run's %d claims exist", seen, len(s.Claims))
	}
	if r.NotFinal > 0 {
		problem("%d claims not in a final status", r.NotFinal)
	}

	// Each 835 claim payment posted exactly once: one claim_payments row
	// per adjudicated claim, none for the others.
	err = db.QueryRow(ctx, `
		WITH p AS (SELECT claim_id, count(*) AS n FROM claim_payments WHERE claim_id = ANY($1::uuid[]) GROUP BY claim_id)
		SELECT coalesce((SELECT sum(n) FROM p), 0),
		       (SELECT count(*) FROM p WHERE n > 1),
		       (SELECT count(*) FROM claims c WHERE c.id = ANY($1::uuid[]) AND c.status = ANY($2::text[])
		          AND NOT EXISTS (SELECT 1 FROM p WHERE p.claim_id = c.id))`,
		s.Claims, adjudicated()).Scan(&r.Payments, &r.PostedTwice, &r.NotPosted)
	if err != nil {
		return r, err
	}
	if r.PostedTwice > 0 {
		problem("%d claims have more than one payment posted", r.PostedTwice)
	}
	if r.NotPosted > 0 {
		problem("%d adjudicated claims have no payment posted", r.NotPosted)
	}

	// Every file exchanged since the run began archived exactly once, and
	// through its exchange.
	entries := map[string]int{}
	if archived != nil {
		b, err := io.ReadAll(archived)
		if err != nil {
			return r, err
		}
		for i, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line)
			if i == 0 || len(f) == 0 {
				continue
			}
			entries[f[0]]++
		}
	}
	files := map[string]bool{}
	// Inbound: every file listed since the run began, duplicates (the same
	// content delivered again) included, must be through its exchange;
	// the first receipt of each content is the one archived.
	for _, q := range []struct {
		sql     string
		counter *int
	}{
		{`SELECT coalesce(sha256, ''), state NOT IN ('routed', 'removed'), duplicate_of IS NOT NULL
		    FROM clearinghouse_inbound WHERE created_at >= $1`, &r.FilesIn},
		{`SELECT sha256, state <> 'uploaded', false FROM clearinghouse_outbound WHERE created_at >= $1`, &r.FilesOut},
	} {
		rows, err := db.Query(ctx, q.sql, s.Started)
		if err != nil {
			return r, err
		}
		for rows.Next() {
			var sha string
			var pending, dup bool
			if err := rows.Scan(&sha, &pending, &dup); err != nil {
				rows.Close()
				return r, err
			}
			if pending {
				r.Pending++
			}
			if dup || sha == "" {
				continue
			}
			*q.counter++
			files[sha] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return r, err
		}
	}
	for sha := range files {
		switch n := entries[sha]; {
		case n == 0:
			r.NotArchived++
		case n > 1:
			r.ArchivedMore++
		}
	}
	if r.NotArchived > 0 {
		problem("%d exchanged files have no archive entry", r.NotArchived)
	}
	if r.ArchivedMore > 0 {
		problem("%d files are archived more than once", r.ArchivedMore)
	}
	if r.Pending > 0 {
		problem("%d files are not through their exchange (inbound not routed, outbound not uploaded)", r.Pending)
	}
	if r.FilesIn == 0 || r.FilesOut == 0 {
		problem("no files exchanged since the run began (%d in, %d out): nothing was checked", r.FilesIn, r.FilesOut)
	}

	if err := checkBookings(ctx, db, s, br, &r.Bookings); err != nil {
		return r, err
	}
	if b := r.Bookings; b.Lost > 0 || b.Doubled > 0 || b.Strays > 0 {
		problem("bookings: %d acknowledged but lost, %d doubled, %d rows the driver never sent", b.Lost, b.Doubled, b.Strays)
	}

	var last, first *time.Time
	if err := db.QueryRow(ctx, `SELECT max(at) FROM claim_status_history WHERE claim_id = ANY($1::uuid[])`, s.Claims).Scan(&last); err != nil {
		return r, err
	}
	if last != nil {
		r.LastFinal = *last
	}
	if !repaired.IsZero() {
		if err := db.QueryRow(ctx, `SELECT min(at) FROM claim_status_history WHERE claim_id = ANY($1::uuid[]) AND at >= $2`, s.Claims, repaired).Scan(&first); err != nil {
			return r, err
		}
		if first != nil {
			r.FirstAfter = *first
		}
	}
	r.OK = len(r.Problems) == 0
	return r, nil
}

func adjudicated() []string {
	var out []string
	for _, st := range rcm.StatusAccepted.Next() {
		out = append(out, string(st))
	}
	return out
}

type slot struct {
	provider string
	at       int64
}

func checkBookings(ctx context.Context, db Querier, s State, br BookingRun, c *BookingCounts) error {
	sent := map[slot]bool{} // slot -> acknowledged
	for _, b := range br.Bookings {
		sent[slot{b.Provider, b.StartsAt.Unix()}] = b.Acked
		c.Sent++
		if b.Acked {
			c.Acked++
		}
	}
	rows, err := db.Query(ctx, `SELECT provider_id::text, starts_at, count(*) FROM appointments WHERE org_id = $1::uuid AND status = 'booked' GROUP BY 1, 2`, s.OrgID)
	if err != nil {
		return err
	}
	defer rows.Close()
	have := map[slot]bool{}
	for rows.Next() {
		var p string
		var at time.Time
		var n int
		if err := rows.Scan(&p, &at, &n); err != nil {
			return err
		}
		k := slot{p, at.Unix()}
		have[k] = true
		c.Rows += n
		if n > 1 {
			c.Doubled++
		}
		acked, ok := sent[k]
		switch {
		case !ok:
			c.Strays++
		case !acked:
			c.Unacked++
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for k, acked := range sent {
		if acked && !have[k] {
			c.Lost++
		}
	}
	return nil
}

// Print writes r for a person: one line per check.
func (r Report) Print(w io.Writer) {
	statuses := make([]string, 0, len(r.ByStatus))
	for st, n := range r.ByStatus {
		statuses = append(statuses, fmt.Sprintf("%s %d", st, n))
	}
	sort.Strings(statuses)
	fmt.Fprintf(w, "  claims:    %d, %d not final (%s)\n", r.Claims, r.NotFinal, strings.Join(statuses, ", "))
	fmt.Fprintf(w, "  payments:  %d posted, %d claims posted twice, %d adjudicated claims not posted\n", r.Payments, r.PostedTwice, r.NotPosted)
	fmt.Fprintf(w, "  files:     %d in, %d out; %d not archived, %d archived more than once, %d not through their exchange\n",
		r.FilesIn, r.FilesOut, r.NotArchived, r.ArchivedMore, r.Pending)
	b := r.Bookings
	fmt.Fprintf(w, "  bookings:  %d sent, %d acknowledged, %d rows; %d lost, %d doubled, %d strays, %d committed but unacknowledged\n",
		b.Sent, b.Acked, b.Rows, b.Lost, b.Doubled, b.Strays, b.Unacked)
	for _, p := range r.Problems {
		fmt.Fprintf(w, "  PROBLEM:   %s\n", p)
	}
}
