package activities_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/internal/peercheck"
	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/keyring"
	"github.com/claimflow/claimflow/store"
)

// recordingSender stands in for the clearinghouse connector (tested with a
// real SFTP server in its own package): it keeps what was sent.
type recordingSender struct {
	mu    sync.Mutex
	sent  [][]byte
	files map[string][]byte
}

func (r *recordingSender) Key(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func (r *recordingSender) SendFile(_ context.Context, _ string, body []byte) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, body)
	if r.files == nil {
		r.files = map[string][]byte{}
	}
	r.files[r.Key(body)] = body
	return r.Key(body), nil
}

func (r *recordingSender) Fetch(_ context.Context, key string) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if b, ok := r.files[key]; ok {
		return b, nil
	}
	return nil, store.ErrNotFound
}

type world struct {
	s      *store.Store
	admin  store.Actor
	org    store.Org
	payer  store.Payer
	claims []store.Claim
}

func newWorld(t *testing.T, nClaims int, withProfile bool, address string) *world {
	t.Helper()
	ctx := context.Background()
	s, _ := testenv.Store(t)
	k, err := keyring.OpenLocal(filepath.Join(t.TempDir(), "kek.json"))
	if err != nil {
		t.Fatal(err)
	}
	s.UseKeys(store.KeysFrom[*keyring.DataKey](k))
	w := &world{s: s, admin: store.System}
	if w.org, err = s.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: "TEST PRACTICE"}); err != nil {
		t.Fatal(err)
	}
	if withProfile {
		if err := s.PutBillingProfile(ctx, store.BillingProfile{OrgID: w.org.ID, Name: "TEST PRACTICE", NPI: "1245319599", TaxID: "000000001",
			Taxonomy: "207Q00000X", AddressLine1: "1 TEST WAY", City: "TESTVILLE", State: "NY", Zip: "999990001",
			SubmitterID: "ZZSUBMIT1", ContactName: "BILLING", ContactPhone: "5550100000"}); err != nil {
			t.Fatal(err)
		}
	}
	prov, err := s.CreateProvider(ctx, store.System, store.Provider{OrgID: w.org.ID, NPI: "1234567893", FirstName: "TESTDOC", LastName: "ONE", Taxonomy: "207Q00000X"})
	if err != nil {
		t.Fatal(err)
	}
	if w.payer, err = s.CreatePayer(ctx, store.System, store.Payer{OrgID: w.org.ID, PayerID: "ZZPAYER1", Name: "TEST PAYER", Clearinghouse: "sim"}); err != nil {
		t.Fatal(err)
	}
	for i := range nClaims {
		pat, err := s.CreatePatient(ctx, store.System, store.Patient{OrgID: w.org.ID, FirstName: "TESTPATIENT", LastName: "NUMBER" + string(rune('A'+i)),
			BirthDate: "1980-01-01", Sex: "F", Address: address})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateCoverage(ctx, store.System, store.Coverage{PatientID: pat.ID, PayerID: w.payer.ID, MemberID: "ZZ000000" + string(rune('1'+i)), Relationship: "self", Priority: 1}); err != nil {
			t.Fatal(err)
		}
		enc, err := s.CreateEncounter(ctx, store.System, store.Encounter{PatientID: pat.ID, ProviderID: prov.ID, DateOfService: "2026-01-07",
			PlaceOfService: "11", Diagnoses: []string{"E11.9", "I10"},
			Charges: []store.Charge{
				{Code: "99213", Modifiers: []string{"25"}, DiagnosisPointers: []int{1, 2}, Units: 1, AmountCents: 12500},
				{Code: "82947", DiagnosisPointers: []int{1}, Units: 1, AmountCents: 2500},
			}})
		if err != nil {
			t.Fatal(err)
		}
		c, err := s.CreateClaim(ctx, store.System, enc.ID)
		if err != nil {
			t.Fatal(err)
		}
		w.claims = append(w.claims, c)
	}
	return w
}

func TestScrubBuildsAGuideValid837P(t *testing.T) {
	w := newWorld(t, 1, true, "1 TEST ST, TESTVILLE, NY 99999")
	svc := &activities.ClaimStore{Records: w.s, DefaultFilingDays: 180}
	res, err := svc.Scrub(context.Background(), activities.ScrubRequest{ClaimID: w.claims[0].ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Problems) != 0 {
		t.Fatalf("problems = %v", res.Problems)
	}
	if res.PayerID != "ZZPAYER1" || res.ClearinghouseID != "sim" || res.ChargeCents != 15000 || res.FilingLimitDays != 180 {
		t.Errorf("result = %+v", res)
	}
}

func TestScrubReportsProblemsWithoutPHI(t *testing.T) {
	for _, tc := range []struct {
		name     string
		profile  bool
		address  string
		freq     string
		wantPart string
	}{
		{"no billing profile", false, "1 TEST ST, TESTVILLE, NY 99999", "1", "billing profile"},
		{"unusable address", true, "somewhere", "1", "N3/N4"},
		{"replacement without payer claim number", true, "1 TEST ST, TESTVILLE, NY 99999", "7", "REF*F8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, 1, tc.profile, tc.address)
			svc := &activities.ClaimStore{Records: w.s}
			res, err := svc.Scrub(context.Background(), activities.ScrubRequest{ClaimID: w.claims[0].ID, FrequencyCode: tc.freq})
			if err != nil {
				t.Fatal(err)
			}
			all := strings.Join(res.Problems, "\n")
			if !strings.Contains(all, tc.wantPart) {
				t.Fatalf("problems %q lack %q", all, tc.wantPart)
			}
			for _, phi := range []string{"TESTPATIENT", "NUMBERA", "ZZ0000001", "1980"} {
				if strings.Contains(all, phi) {
					t.Errorf("problems carry PHI %q: %s", phi, all)
				}
			}
		})
	}
}

func TestBatchBuildsValidatesAndResendsSameBytes(t *testing.T) {
	w := newWorld(t, 3, true, "1 TEST ST, TESTVILLE, NY 99999")
	ctx := context.Background()
	for _, c := range w.claims {
		for i, st := range []string{"scrubbing", "ready"} { // as the claim workflow records them
			if err := w.s.RecordClaimProgress(ctx, store.ClaimProgress{ClaimID: c.ID, Attempt: 1, Seq: i + 1, Status: st, At: time.Now()}); err != nil {
				t.Fatal(err)
			}
		}
	}
	sender := &recordingSender{}
	svc := &activities.BatchService{Records: w.s, Files: sender, Receivers: map[string]activities.Receiver{"sim": {ID: "ZZCLEARING", Name: "TEST CLEARINGHOUSE", Usage: "T"}}}
	batches, err := svc.SubmitBatch(ctx, activities.BatchRequest{ClearinghouseID: "sim", RunID: "batch/sim/r1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(batches) != 1 || len(batches[0].Claims) != 3 || len(sender.sent) != 1 {
		t.Fatalf("batches = %+v, sent %d", batches, len(sender.sent))
	}
	body := sender.sent[0]
	rep, err := edi.ValidateBytes(body, nil)
	if err != nil || !rep.OK() {
		t.Fatalf("sent 837P does not validate: %v %+v", err, rep.Errors)
	}
	if err := peercheck.Moov837P(string(body), ":"); err != nil {
		t.Errorf("the peer rejects our 837P: %v", err)
	}
	for _, c := range w.claims {
		if !bytes.Contains(body, []byte("CLM*"+c.PatientControlNumber+"*150*")) {
			t.Errorf("837 lacks CLM for %s", c.PatientControlNumber)
		}
	}
	if !bytes.Contains(body, []byte("*"+batches[0].InterchangeControl+"*0*T*")) {
		t.Errorf("ISA13 %s / ISA15 T not in the envelope", batches[0].InterchangeControl)
	}
	// A retried run re-sends exactly the same bytes (the connector then
	// uploads nothing new) and reports the same batch.
	again, err := svc.SubmitBatch(ctx, activities.BatchRequest{ClearinghouseID: "sim", RunID: "batch/sim/r1"})
	if err != nil || len(again) != 1 || again[0].BatchID != batches[0].BatchID {
		t.Fatalf("retry = %+v, %v", again, err)
	}
	if len(sender.sent) != 1 {
		t.Errorf("an uploaded batch was sent again (%d sends)", len(sender.sent))
	}
}
