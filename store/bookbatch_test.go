package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/claimflow/claimflow/store"
)

// TestBookBatchGivesEachCallerItsOwnAnswer books five callers' bookings in
// one batch transaction: two succeed, and the other three get the answer
// they would get alone (another organisation's provider, a slot outside
// the provider's hours, a clash naming the existing slot). Each success has
// its own audit row, with its own caller's actor, address and request ID.
func TestBookBatchGivesEachCallerItsOwnAnswer(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	day := time.Date(2030, 3, 4, 0, 0, 0, 0, time.UTC) // a Monday
	// provA works Mondays 08:00-17:00 UTC.
	if _, err := f.s.AddAvailability(ctx, f.admin, store.AvailabilityTemplate{ProviderID: f.provA.ID, Weekday: 1, StartTime: "08:00", EndTime: "17:00", TimeZone: "UTC"}); err != nil {
		t.Fatal(err)
	}
	at := func(h, m int) time.Time { return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute) }
	existing, err := f.s.Book(ctx, f.deskA, store.Booking{ProviderID: f.provA.ID, PatientID: f.patientA.ID, VisitType: "new", StartsAt: at(10, 0), EndsAt: at(10, 30)})
	if err != nil {
		t.Fatal(err)
	}
	admin2 := f.admin
	admin2.RequestID, admin2.SourceIP = "req-admin-second", "198.51.100.7"
	res := f.s.BookBatchForTest(ctx, []store.BatchBooking{
		{f.deskA, store.Booking{ProviderID: f.provA.ID, PatientID: f.patientA.ID, VisitType: "new", StartsAt: at(9, 0), EndsAt: at(9, 30)}},
		{f.deskA, store.Booking{ProviderID: f.provB.ID, PatientID: f.patientA.ID, VisitType: "new", StartsAt: at(9, 0), EndsAt: at(9, 30)}},
		{f.deskA, store.Booking{ProviderID: f.provA.ID, PatientID: f.patientA.ID, VisitType: "new", StartsAt: at(18, 0), EndsAt: at(18, 30)}},
		{f.deskA, store.Booking{ProviderID: f.provA.ID, PatientID: f.patientA.ID, VisitType: "new", StartsAt: at(10, 15), EndsAt: at(10, 45)}},
		{admin2, store.Booking{ProviderID: f.provA.ID, PatientID: f.patientA.ID, VisitType: "follow-up", StartsAt: at(11, 0), EndsAt: at(11, 30)}},
	})
	var ve *store.ValidationError
	var sc *store.SlotConflict
	switch {
	case res[0].Err != nil || res[0].Appointment.Status != "booked" || res[0].Appointment.OrgID != f.facA.ID:
		t.Fatalf("09:00: %+v", res[0])
	case !errors.As(res[1].Err, &ve) || ve.Fields[0].Pointer != "/provider_id":
		t.Fatalf("other organisation's provider: %v", res[1].Err)
	case !errors.As(res[2].Err, &ve) || ve.Fields[0].Pointer != "/starts_at":
		t.Fatalf("outside the provider's hours: %v", res[2].Err)
	case !errors.As(res[3].Err, &sc) || !sc.StartsAt.Equal(existing.StartsAt) || !sc.EndsAt.Equal(existing.EndsAt):
		t.Fatalf("clash: %v %+v", res[3].Err, sc)
	case res[4].Err != nil || res[4].Appointment.VisitType != "follow-up":
		t.Fatalf("11:00: %+v", res[4])
	}
	for _, r := range []struct {
		a  store.Actor
		id string
	}{{f.deskA, res[0].Appointment.ID}, {admin2, res[4].Appointment.ID}} {
		var actor, ip, req string
		if err := f.s.Pool.QueryRow(ctx, `SELECT actor_id::text, source_ip, request_id FROM audit_log WHERE resource = 'appointment' AND resource_id = $1 AND action = 'create'`, r.id).Scan(&actor, &ip, &req); err != nil {
			t.Fatalf("audit row of %s: %v", r.id, err)
		}
		if actor != r.a.UserID || ip != r.a.SourceIP || req != r.a.RequestID {
			t.Fatalf("audit row of %s: %s %s %s, want %+v", r.id, actor, ip, req, r.a)
		}
	}
	var rows int
	if err := f.s.Pool.QueryRow(ctx, `SELECT count(*) FROM appointments`).Scan(&rows); err != nil || rows != 3 {
		t.Fatalf("appointments = %d, %v; want 3", rows, err)
	}
	if rep, err := f.s.VerifyAudit(ctx); err != nil || !rep.OK {
		t.Fatalf("verify = %+v, %v", rep, err)
	}
}

// TestBookBatchRacedSlotFallsBackToSingles: another transaction holds an
// uncommitted appointment in one batch booking's slot, which the batch's
// clash check cannot see. Postgres's exclusion constraint fails the batch
// when that transaction commits; each booking is then retried on its own,
// so the raced one answers 409 naming the winner and the other is booked.
func TestBookBatchRacedSlotFallsBackToSingles(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	start := time.Date(2030, 3, 5, 9, 0, 0, 0, time.UTC)
	tx, err := f.s.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `INSERT INTO appointments (id, org_id, provider_id, patient_id, visit_type, starts_at, ends_at, status)
		VALUES (gen_random_uuid(), $1, $2, $3, 'racer', $4, $5, 'booked')`, f.facA.ID, f.provA.ID, f.patientA.ID, start, start.Add(30*time.Minute)); err != nil {
		t.Fatal(err)
	}
	done := make(chan []store.BatchResult)
	go func() {
		done <- f.s.BookBatchForTest(ctx, []store.BatchBooking{
			{f.deskA, store.Booking{ProviderID: f.provA.ID, PatientID: f.patientA.ID, VisitType: "new", StartsAt: start.Add(10 * time.Minute), EndsAt: start.Add(40 * time.Minute)}},
			{f.deskA, store.Booking{ProviderID: f.provA.ID, PatientID: f.patientA.ID, VisitType: "new", StartsAt: start.Add(2 * time.Hour), EndsAt: start.Add(150 * time.Minute)}},
		})
	}()
	// Wait until the batch's insert waits on the uncommitted row.
	deadline := time.Now().Add(20 * time.Second)
	for {
		var waiting int
		if err := f.s.Pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the batch never waited on the uncommitted slot")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	res := <-done
	var sc *store.SlotConflict
	if !errors.As(res[0].Err, &sc) || !sc.StartsAt.Equal(start) {
		t.Fatalf("raced booking: %v %+v", res[0].Err, sc)
	}
	if res[1].Err != nil || res[1].Appointment.Status != "booked" {
		t.Fatalf("other booking: %+v", res[1])
	}
	var rows int
	if err := f.s.Pool.QueryRow(ctx, `SELECT count(*) FROM appointments`).Scan(&rows); err != nil || rows != 2 {
		t.Fatalf("appointments = %d, %v; want 2 (the racer and the 11:00)", rows, err)
	}
	if rep, err := f.s.VerifyAudit(ctx); err != nil || !rep.OK {
		t.Fatalf("verify = %+v, %v", rep, err)
	}
}

// TestConcurrentOverlappingBookings: 300 callers at once book 30-minute
// slots starting every 10 minutes for two providers, so most overlap each
// other, within a batch and across batches. Whatever the batching, the
// booked slots never overlap, every refusal names a booked slot that
// overlaps it, and each booking has one audit row.
func TestConcurrentOverlappingBookings(t *testing.T) {
	f := newFixture(t)
	f.s.UseBookingBatches(store.BookingBatches{Runners: 1}) // one transaction at a time: the rest queue and batch
	ctx := context.Background()
	before := f.s.BookingStats()
	prov2 := must[store.Provider](t)(f.s.CreateProvider(ctx, f.admin, store.Provider{OrgID: f.facA.ID, NPI: "1245319599", LastName: "TESTDOC C", Taxonomy: "207Q00000X"}))
	start := time.Date(2030, 3, 6, 8, 0, 0, 0, time.UTC)
	type result struct {
		b   store.Booking
		a   store.Appointment
		err error
	}
	results := make([]result, 300)
	var wg sync.WaitGroup
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			prov := f.provA.ID
			if i%2 == 1 {
				prov = prov2.ID
			}
			s := start.Add(time.Duration(i/2%40) * 10 * time.Minute)
			b := store.Booking{ProviderID: prov, PatientID: f.patientA.ID, VisitType: fmt.Sprint("v", i), StartsAt: s, EndsAt: s.Add(30 * time.Minute)}
			a, err := f.s.Book(ctx, f.deskA, b)
			results[i] = result{b, a, err}
		}()
	}
	wg.Wait()
	var booked []store.Appointment
	for _, r := range results {
		if r.err == nil {
			booked = append(booked, r.a)
		}
	}
	overlaps := func(p string, s, e time.Time, a store.Appointment) bool {
		return a.ProviderID == p && a.StartsAt.Before(e) && s.Before(a.EndsAt)
	}
	for i, a := range booked {
		for _, b := range booked[i+1:] {
			if overlaps(a.ProviderID, a.StartsAt, a.EndsAt, b) {
				t.Fatalf("double booking: %+v and %+v", a, b)
			}
		}
	}
	for _, r := range results {
		if r.err == nil {
			continue
		}
		var sc *store.SlotConflict
		if !errors.As(r.err, &sc) {
			t.Fatalf("booking %+v: %v, want a slot conflict", r.b, r.err)
		}
		named := false
		for _, a := range booked {
			if a.StartsAt.Equal(sc.StartsAt) && a.EndsAt.Equal(sc.EndsAt) && overlaps(r.b.ProviderID, r.b.StartsAt, r.b.EndsAt, a) {
				named = true
			}
		}
		if !named {
			t.Fatalf("conflict %+v for %+v names no booked overlapping slot", sc, r.b)
		}
	}
	if len(booked) < 2*8 { // a booked slot blocks 5 of a provider's 40 start times: at least 8 each
		t.Fatalf("only %d booked", len(booked))
	}
	var rows, audits int
	if err := f.s.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM appointments), (SELECT count(*) FROM audit_log WHERE resource = 'appointment' AND action = 'create')`).Scan(&rows, &audits); err != nil {
		t.Fatal(err)
	}
	if rows != len(booked) || audits != len(booked) {
		t.Fatalf("rows %d, audit rows %d, booked %d", rows, audits, len(booked))
	}
	if rep, err := f.s.VerifyAudit(ctx); err != nil || !rep.OK {
		t.Fatalf("verify = %+v, %v", rep, err)
	}
	st := f.s.BookingStats()
	txs, n := st.Transactions-before.Transactions, st.Bookings-before.Bookings
	if n < int64(len(results)) || txs >= n || st.Largest < 2 {
		t.Fatalf("%d bookings in %d transactions (largest %d): no batch formed", n, txs, st.Largest)
	}
	t.Logf("%d of %d booked; %d bookings in %d transactions (largest %d, %d batch failures retried one by one)",
		len(booked), len(results), n, txs, st.Largest, st.Fallbacks-before.Fallbacks)
}
