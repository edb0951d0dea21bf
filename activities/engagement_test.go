package activities_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/keyring"
	"github.com/claimflow/claimflow/store"
)

var nyc = func() *time.Location {
	l, err := time.LoadLocation("America/New_York")
	if err != nil {
		panic(err)
	}
	return l
}()

func TestPlanDeliveries(t *testing.T) {
	at := func(day, h, m int) time.Time { return time.Date(2030, 3, day, h, m, 0, 0, nyc) }
	now := at(1, 9, 0)
	email, sms := activities.ChannelEmail, activities.ChannelSMS
	q21, q8 := 21*60, 8*60
	tests := []struct {
		name    string
		visit   time.Time
		offsets []time.Duration
		qs, qe  int
		want    map[string]time.Time
	}{
		{"outside quiet hours", at(8, 10, 0), []time.Duration{72 * time.Hour, 2 * time.Hour}, q21, q8,
			map[string]time.Time{"72h0m0s/email": at(5, 10, 0), "72h0m0s/sms": at(5, 10, 0), "2h0m0s/email": at(8, 8, 0), "2h0m0s/sms": at(8, 8, 0)}},
		{"early morning SMS waits for 08:00", at(8, 9, 0), []time.Duration{2 * time.Hour}, q21, q8,
			map[string]time.Time{"2h0m0s/email": at(8, 7, 0), "2h0m0s/sms": at(8, 8, 0)}},
		{"late evening SMS waits for the next morning", at(8, 22, 30), []time.Duration{24 * time.Hour}, q21, q8,
			map[string]time.Time{"24h0m0s/email": at(7, 22, 30), "24h0m0s/sms": at(8, 8, 0)}},
		{"08:00 would be after the visit: the evening before", at(8, 7, 30), []time.Duration{2 * time.Hour}, q21, q8,
			map[string]time.Time{"2h0m0s/email": at(8, 5, 30), "2h0m0s/sms": at(7, 20, 45)}},
		{"no quiet hours", at(8, 9, 0), []time.Duration{2 * time.Hour}, -1, -1,
			map[string]time.Time{"2h0m0s/email": at(8, 7, 0), "2h0m0s/sms": at(8, 7, 0)}},
		{"daytime quiet period", at(8, 14, 0), []time.Duration{2 * time.Hour}, 12 * 60, 13 * 60,
			map[string]time.Time{"2h0m0s/email": at(8, 12, 0), "2h0m0s/sms": at(8, 13, 0)}},
		{"missed by minutes: still sent", at(1, 10, 55), []time.Duration{2 * time.Hour}, q21, q8,
			map[string]time.Time{"2h0m0s/email": at(1, 8, 55), "2h0m0s/sms": at(1, 8, 55)}},
		{"past offsets left out", at(2, 10, 0), []time.Duration{72 * time.Hour, 24 * time.Hour, 2 * time.Hour}, q21, q8,
			map[string]time.Time{"24h0m0s/email": at(1, 10, 0), "24h0m0s/sms": at(1, 10, 0), "2h0m0s/email": at(2, 8, 0), "2h0m0s/sms": at(2, 8, 0)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := activities.PlanDeliveries(tt.visit, now, nyc, tt.offsets, []string{email, sms}, tt.qs, tt.qe)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d deliveries %+v, want %d", len(got), got, len(tt.want))
			}
			for i, d := range got {
				if w, ok := tt.want[d.Key]; !ok || !d.At.Equal(w) {
					t.Errorf("%s: got %v, want %v", d.Key, d.At.In(nyc), w)
				}
				if i > 0 && got[i-1].At.After(d.At) {
					t.Errorf("not in time order: %v", got)
				}
			}
		})
	}
}

func TestPlanSeriesOccurrencesKeepsWallClockAcrossDST(t *testing.T) {
	occ, err := activities.PlanSeriesOccurrences(activities.SeriesPlanRequest{
		FirstStart: time.Date(2030, 3, 6, 16, 0, 0, 0, nyc), TimeZone: "America/New_York", EveryDays: 7, Count: 4, Skip: []string{"2030-03-20"}})
	if err != nil {
		t.Fatal(err)
	}
	var skipped []int
	for _, o := range occ {
		if l := o.StartsAt.In(nyc); l.Hour() != 16 {
			t.Errorf("occurrence %d at %v", o.Index, l)
		}
		if o.Skipped {
			skipped = append(skipped, o.Index)
		}
	}
	if got := occ[1].StartsAt.Sub(occ[0].StartsAt); got != 7*24*time.Hour-time.Hour {
		t.Errorf("across the DST change: got %v apart, want 167h", got)
	}
	if !slices.Equal(skipped, []int{2}) {
		t.Errorf("skipped: got %v", skipped)
	}
	for _, bad := range []activities.SeriesPlanRequest{{TimeZone: "UTC", EveryDays: 7}, {TimeZone: "UTC", Count: 2}, {TimeZone: "Nowhere/Else", EveryDays: 7, Count: 1}} {
		if _, err := activities.PlanSeriesOccurrences(bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

func TestMessagesCarryMinimumNecessary(t *testing.T) {
	when := time.Date(2030, 3, 8, 10, 0, 0, 0, nyc)
	for _, m := range []activities.Message{
		activities.ReminderMessage("Testa", when, "Test Clinic", "555-0100", activities.KindReminder, true, ""),
		activities.ReminderMessage("", when, "", "", activities.KindConfirmed, false, ""),
		activities.WaitlistOfferMessage("Testa", when, "Test Clinic", when.Add(-time.Hour)),
	} {
		for _, body := range []string{m.SMS, m.Email} {
			if !strings.Contains(body, "Fri 8 Mar at 10:00 AM") {
				t.Errorf("no date and time: %q", body)
			}
			if len(m.SMS) > 320 {
				t.Errorf("SMS longer than two segments: %d", len(m.SMS))
			}
		}
	}
}

// records builds a synthetic organisation, provider (New York hours),
// patients and waitlist entries on a real, migrated Postgres.
type records struct {
	s        *store.Store
	org      store.Org
	provider store.Provider
	patients []store.Patient
}

func newRecords(t *testing.T, patients int) *records {
	t.Helper()
	ctx := context.Background()
	s, _ := testenv.Store(t)
	k, err := keyring.OpenLocal(filepath.Join(t.TempDir(), "kek.json"))
	if err != nil {
		t.Fatal(err)
	}
	s.UseKeys(store.KeysFrom[*keyring.DataKey](k))
	r := &records{s: s}
	root, err := s.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: "Test Health"})
	if err != nil {
		t.Fatal(err)
	}
	if r.org, err = s.CreateOrg(ctx, store.System, store.Org{Kind: "facility", Name: "Test Clinic", ParentID: root.ID}); err != nil {
		t.Fatal(err)
	}
	if r.provider, err = s.CreateProvider(ctx, store.System, store.Provider{OrgID: r.org.ID, NPI: "1234567893", LastName: "TESTDOC", Taxonomy: "207Q00000X"}); err != nil {
		t.Fatal(err)
	}
	for wd := 1; wd <= 5; wd++ {
		if _, err := s.AddAvailability(ctx, store.System, store.AvailabilityTemplate{ProviderID: r.provider.ID, Weekday: wd, StartTime: "08:00", EndTime: "18:00", TimeZone: "America/New_York"}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < patients; i++ {
		p, err := s.CreatePatient(ctx, store.System, store.Patient{OrgID: r.org.ID, FirstName: "Testpat" + string(rune('A'+i)), LastName: "SYNTHETIC",
			BirthDate: "1970-01-01", Sex: "U", Phone: "+1500555010" + string(rune('0'+i)), Email: "testpat" + string(rune('a'+i)) + "@example.invalid"})
		if err != nil {
			t.Fatal(err)
		}
		r.patients = append(r.patients, p)
	}
	return r
}

func TestRecordsSchedulingOverPostgres(t *testing.T) {
	ctx := context.Background()
	r := newRecords(t, 4)
	sch := &activities.RecordsScheduling{Store: r.s}
	slot := activities.Slot{OrgID: r.org.ID, ProviderID: r.provider.ID, VisitType: "follow_up", TimeZone: "America/New_York",
		StartsAt: time.Date(2030, 3, 8, 10, 0, 0, 0, nyc), EndsAt: time.Date(2030, 3, 8, 10, 30, 0, 0, nyc)}

	id, err := sch.Book(ctx, activities.BookRequest{Slot: slot, PatientID: r.patients[0].ID, IdempotencyKey: "k1"})
	if err != nil {
		t.Fatal(err)
	}
	// A retried booking finds the first; someone else's clashes (409).
	if again, err := sch.Book(ctx, activities.BookRequest{Slot: slot, PatientID: r.patients[0].ID, IdempotencyKey: "k1"}); err != nil || again != id {
		t.Errorf("retry: got %q, %v; want %q", again, err, id)
	}
	if _, err := sch.Book(ctx, activities.BookRequest{Slot: slot, PatientID: r.patients[1].ID}); !errors.Is(err, activities.ErrSlotTaken) {
		t.Errorf("clash: got %v, want ErrSlotTaken", err)
	}
	sunday := slot
	sunday.StartsAt, sunday.EndsAt = slot.StartsAt.AddDate(0, 0, 2), slot.EndsAt.AddDate(0, 0, 2)
	if _, err := sch.Book(ctx, activities.BookRequest{Slot: sunday, PatientID: r.patients[1].ID}); !errors.Is(err, activities.ErrBookingRejected) {
		t.Errorf("outside hours: got %v, want ErrBookingRejected", err)
	}

	v, err := sch.Appointment(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if v.TimeZone != "America/New_York" || v.Location != "Test Clinic" || v.Status != activities.AppointmentBooked || !v.StartsAt.Equal(slot.StartsAt) {
		t.Errorf("appointment: got %+v", v)
	}
	c, err := sch.PatientContact(ctx, v.PatientID)
	if err != nil || c.FirstName != "TestpatA" || c.Phone != "+15005550100" || c.Email != "testpata@example.invalid" {
		t.Errorf("contact: got %+v, %v", c, err)
	}
	if err := sch.Confirm(ctx, id); err != nil {
		t.Fatal(err)
	}
	if v, _ = sch.Appointment(ctx, id); v.Status != activities.AppointmentConfirmed {
		t.Errorf("after confirm: got %s", v.Status)
	}
	if _, err := sch.Appointment(ctx, "00000000-0000-0000-0000-000000000000"); !errors.Is(err, activities.ErrRecordNotFound) {
		t.Errorf("unknown: got %v", err)
	}

	// Waitlist: priority first, then age; preferences filter.
	join := func(p store.Patient, prio int, weekdays []int, from string) store.WaitlistEntry {
		w, err := r.s.JoinWaitlist(ctx, store.System, store.WaitlistEntry{OrgID: r.org.ID, PatientID: p.ID, ProviderID: r.provider.ID,
			VisitType: "follow_up", Priority: prio, Weekdays: weekdays, TimeFrom: from})
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	// Neither a provider-less entry for another visit type nor one whose
	// date range has ended matches; a provider-less one of the clinic does.
	anyProv, err := r.s.JoinWaitlist(ctx, store.System, store.WaitlistEntry{OrgID: r.org.ID, PatientID: r.patients[3].ID, VisitType: "follow_up", Priority: 3})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.s.JoinWaitlist(ctx, store.System, store.WaitlistEntry{OrgID: r.org.ID, PatientID: r.patients[3].ID, VisitType: "new_patient", Priority: 99}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.s.JoinWaitlist(ctx, store.System, store.WaitlistEntry{OrgID: r.org.ID, PatientID: r.patients[3].ID, ProviderID: r.provider.ID,
		VisitType: "follow_up", Priority: 99, Latest: "2030-03-07"}); err != nil {
		t.Fatal(err)
	}
	low := join(r.patients[1], 1, nil, "")
	high := join(r.patients[2], 5, []int{5}, "09:00") // Fridays after 09:00: matches
	join(r.patients[3], 9, []int{1}, "")              // Mondays only: does not
	if err := sch.Cancel(ctx, id, "patient_reply"); err != nil {
		t.Fatal(err)
	}
	if err := sch.Cancel(ctx, id, "patient_reply"); err != nil {
		t.Errorf("second cancel: %v", err)
	}
	cands, err := sch.WaitlistCandidates(ctx, slot)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cands {
		got = append(got, c.EntryID)
	}
	if want := []string{high.ID, anyProv.ID, low.ID}; !slices.Equal(got, want) {
		t.Fatalf("candidates: got %v, want %v", got, want)
	}
	// The freed slot books from the waitlist, and the entry leaves it.
	id2, err := sch.Book(ctx, activities.BookRequest{Slot: slot, PatientID: r.patients[2].ID, WaitlistEntryID: high.ID})
	if err != nil {
		t.Fatal(err)
	}
	if again, err := sch.Book(ctx, activities.BookRequest{Slot: slot, PatientID: r.patients[2].ID, WaitlistEntryID: high.ID}); err != nil || again != id2 {
		t.Errorf("waitlist retry: got %q, %v", again, err)
	}
	if cands, _ = sch.WaitlistCandidates(ctx, slot); len(cands) != 2 || cands[0].EntryID != anyProv.ID {
		t.Errorf("after booking: got %+v", cands)
	}
}

func TestStoreLedgerPostsOnce(t *testing.T) {
	ctx := context.Background()
	r := newRecords(t, 0)
	l := &activities.StoreLedger{Store: r.s}
	if err := l.OpenStatement(ctx, activities.StatementRecord{ID: "stmt-l1", PatientID: "pat-l1", AmountCents: 5000}); err != nil {
		t.Fatal(err)
	}
	if err := l.OpenStatement(ctx, activities.StatementRecord{ID: "stmt-l1", PatientID: "pat-l1", AmountCents: 9999}); err != nil {
		t.Fatal(err)
	}
	if err := l.SetStatementIntent(ctx, "stmt-l1", "pi_l1"); err != nil {
		t.Fatal(err)
	}
	p := activities.PaymentPosting{StatementID: "stmt-l1", PaymentIntentID: "pi_l1", EventID: "evt_1", AmountCents: 5000}
	for i, want := range []bool{true, false} {
		if got, err := l.PostPayment(ctx, p); err != nil || got != want {
			t.Errorf("payment %d: got %v, %v", i, got, err)
		}
	}
	rf := activities.RefundPosting{StatementID: "stmt-l1", PaymentIntentID: "pi_l1", RefundID: "re_1", AmountCents: 1200}
	for i, want := range []bool{true, false} {
		if got, err := l.PostRefund(ctx, rf); err != nil || got != want {
			t.Errorf("refund %d: got %v, %v", i, got, err)
		}
	}
	if err := l.SetStatementStatus(ctx, "stmt-l1", activities.StatementPaid); err != nil {
		t.Fatal(err)
	}
	st, err := r.s.GetStatement(ctx, "stmt-l1")
	if err != nil {
		t.Fatal(err)
	}
	want := store.Statement{ID: "stmt-l1", PatientID: "pat-l1", AmountCents: 5000, Currency: "usd", PaymentIntentID: "pi_l1", Status: "paid", PaidCents: 5000, RefundedCents: 1200}
	if st != want {
		t.Errorf("got %+v, want %+v", st, want)
	}
	if err := l.SetStatementStatus(ctx, "stmt-none", "paid"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown statement: got %v", err)
	}
	// SMS threads and opt-outs by blind index.
	if err := l.RecordOutboundSMS(ctx, "+1 500 555 0100", "reminder/a", "a"); err != nil {
		t.Fatal(err)
	}
	if err := l.RecordOutboundSMS(ctx, "+1 500 555 0100", "waitlist/b", "b"); err != nil {
		t.Fatal(err)
	}
	if th, err := r.s.RecentSMSThreads(ctx, "+15005550100", 5); err != nil || len(th) != 2 || th[0].WorkflowID != "waitlist/b" || th[1].Ref != "a" {
		t.Errorf("threads: got %+v, %v", th, err)
	}
	if err := r.s.SetSMSOptOut(ctx, "+15005550100", true); err != nil {
		t.Fatal(err)
	}
	if out, err := l.SMSOptedOut(ctx, "+1 (500) 555-0100"); err != nil || !out {
		t.Errorf("opt-out: got %v, %v", out, err)
	}
}

func TestSMSSendTime(t *testing.T) {
	at := func(day, h, m int) time.Time { return time.Date(2030, 3, day, h, m, 0, 0, nyc) }
	for _, tt := range []struct {
		name       string
		at, before time.Time
		qs, qe     string
		want       time.Time
	}{
		{"daytime", at(4, 9, 0), at(8, 10, 0), "21:00", "08:00", at(4, 9, 0)},
		{"late evening waits for the morning", at(4, 23, 0), at(8, 10, 0), "21:00", "08:00", at(5, 8, 0)},
		{"early morning waits", at(5, 6, 30), at(8, 10, 0), "21:00", "08:00", at(5, 8, 0)},
		{"too late after the quiet hours", at(4, 23, 0), at(5, 8, 0), "21:00", "08:00", time.Time{}},
		{"no quiet hours", at(4, 23, 0), at(5, 8, 0), "", "", at(4, 23, 0)},
		{"already past", at(5, 9, 0), at(5, 9, 0), "", "", time.Time{}},
	} {
		got, err := activities.SMSSendTime(activities.QuietCheck{TimeZone: "America/New_York", QuietStart: tt.qs, QuietEnd: tt.qe, At: tt.at, Before: tt.before})
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("%s: got %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
}
