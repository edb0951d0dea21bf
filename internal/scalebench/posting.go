package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/x835"
	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
)

// memFiles is the archive as the posting activity reads it, in memory (the
// benchmark measures posting, not S3).
type memFiles map[string][]byte

func (m memFiles) Fetch(_ context.Context, key string) ([]byte, error) {
	b, ok := m[key]
	if !ok {
		return nil, fmt.Errorf("no file %s", key)
	}
	return b, nil
}

// build835 is one 835 transaction paying n of tenant 0's claims that were
// sent (in an 837 batch through its account, so posting matches them): 70 %
// paid, 20 % contractual (CO-45), 10 % patient responsibility (PR-2). It
// returns the file, the amount paid and the claims' control numbers.
func build835(ctx context.Context, s *store.Store, n int, trace string) ([]byte, int64, []string, error) {
	rows, err := s.Pool.Query(ctx, `SELECT c.patient_control_number, c.total_cents FROM claims c
		WHERE c.org_id IN (SELECT id FROM visible_orgs($1, 'claim:read'))
		  AND EXISTS (SELECT 1 FROM batch_claims bc WHERE bc.claim_id = c.id)
		ORDER BY c.patient_control_number LIMIT $2`, store.ScaleTenant(0).BillerID, n)
	if err != nil {
		return nil, 0, nil, err
	}
	var pcns []string
	var claims []x835.ClaimPayment
	var total x835.Money
	for rows.Next() {
		var pcn string
		var cents int64
		if err := rows.Scan(&pcn, &cents); err != nil {
			return nil, 0, nil, err
		}
		pcns = append(pcns, pcn)
		co, pr := cents/5, cents/10
		paid := cents - co - pr
		claims = append(claims, x835.ClaimPayment{HeaderNumber: "1", PatientControlNumber: pcn, Status: "1", Charge: x835.Money(cents),
			Paid: x835.Money(paid), PatientResponsibility: x835.Money(pr), FilingCode: "12", PayerControlNumber: "ZZB" + trace[len(trace)-6:] + pcn,
			Patient:     x835.Person{EntityType: "1", LastName: "TESTPATIENT", FirstName: "BENCH", IDQual: "MI", ID: "ZZM0000000001"},
			Adjustments: []x835.Adjustment{{Group: "CO", Reason: "45", Amount: x835.Money(co)}, {Group: "PR", Reason: "2", Amount: x835.Money(pr)}}})
		total += x835.Money(paid)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, nil, err
	}
	if len(claims) != n {
		return nil, 0, nil, fmt.Errorf("found %d of tenant 0's sent claims, want %d (generate more claims per tenant)", len(claims), n)
	}
	r := &x835.Remittance{
		Payment: x835.Payment{Handling: "I", Amount: total, CreditDebit: "C", Method: "ACH", Format: "CCP",
			SenderDFIQual: "01", SenderDFI: "999999992", SenderAcctQual: "DA", SenderAccount: "000000001", OriginatorID: "1999999999",
			ReceiverDFIQual: "01", ReceiverDFI: "999999992", ReceiverAcctQual: "DA", ReceiverAccount: "000000002",
			EffectiveDate: time.Now().Format("20060102")},
		Trace: x835.Trace{Type: "1", Number: trace, OriginatorID: "1999999999"},
		Payer: x835.Payer{Name: "TEST PAYER 00", Address: x835.Address{Line1: "1 PAYER WAY", City: "ANYTOWN", State: "NY", Zip: "100010000"},
			PayerID: "ZZS00", TechnicalContact: "EDI DESK", Phone: "5555550199"},
		Payee:  x835.Payee{Name: "SCALE TEST TENANT 0000", IDQual: "XX", ID: "1234567893", TaxID: "990000001"},
		Claims: claims,
	}
	ic, err := x835.Build(x835.Envelope{SenderID: "ZZTESTPAYER", ReceiverID: "CLAIMFLOW", Usage: "T", Time: time.Now()}, r)
	if err != nil {
		return nil, 0, nil, err
	}
	var buf bytes.Buffer
	if err := edi.Write(&buf, ic); err != nil {
		return nil, 0, nil, err
	}
	return buf.Bytes(), int64(total), pcns, nil
}

// heapPeak samples the live heap until stop is called and returns the
// highest figure seen.
func heapPeak() (stop func() uint64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	return func() uint64 { close(done); wg.Wait(); return peak.Load() }
}

// postingProfile is where -posting-cpuprofile writes the posting's profile.
var postingProfile string

func startProfile() (stop func(), err error) {
	if postingProfile == "" {
		return func() {}, nil
	}
	f, err := os.Create(postingProfile)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "scalebench: posting profile:", err)
		}
	}, nil
}

// countingRecords counts the posting's slices (PostClaimPayments calls).
type countingRecords struct {
	*store.Store
	slices int
}

func (c *countingRecords) PostClaimPayments(ctx context.Context, rid string, ps []rcm.ClaimPaymentPost, opt rcm.PostingOptions) ([]rcm.PostedClaimPayment, error) {
	c.slices++
	return c.Store.PostClaimPayments(ctx, rid, ps, opt)
}

// xactCommits is the bench database's committed transactions so far.
func xactCommits(ctx context.Context, s *store.Store) (int64, error) {
	var n int64
	err := s.Pool.QueryRow(ctx, `SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()`).Scan(&n)
	return n, err
}

// resetPeakRSS resets the process's peak resident set (VmHWM) so that
// peakRSS measures the posting alone, not the generation and queries
// before it. It reports whether the kernel allowed it.
func resetPeakRSS() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// peakRSS is the process's peak resident set (VmHWM), 0 when unknown.
func peakRSS() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(v)
			if len(f) == 2 && f[1] == "kB" {
				kb, err := strconv.ParseUint(f[0], 10, 64)
				if err == nil {
					return kb << 10
				}
			}
		}
	}
	return 0
}

func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// benchPosting posts an 835 of n claim payments to tenant 0 through the
// posting activity (activities.RemitService.Post: parse, balance, a slice
// of claim payments per transaction with the claims' 835 events), reads the
// payments back a page at a time as the remittance workflow does, then
// posts it again as a retried activity would, and checks that every
// payment is in the database exactly once.
func benchPosting(ctx context.Context, s *store.Store, size store.ScaleSize, n int) error {
	if n > size.ClaimsPerTenant {
		return fmt.Errorf("%d claim payments but %d claims per tenant", n, size.ClaimsPerTenant)
	}
	trace := fmt.Sprintf("ZZBENCH%d", time.Now().UnixNano())
	file, paid, pcns, err := build835(ctx, s, n, trace)
	if err != nil {
		return err
	}
	fileLen := len(file)
	key := "bench/835/" + trace + ".x12"
	files := memFiles{key: file}
	counted := &countingRecords{Store: s}
	svc := &activities.RemitService{Files: files, Records: counted}
	// As the remittance workflow posts since issue 20: counts only, the
	// payments read back a page at a time (below, as the workflow does).
	req := activities.RemittanceRequest{Partner: store.ScaleTenant(0).Partner, FileKey: key, Transaction: 0, PayerID: "ZZS00", TraceNumber: trace,
		Paged: true}
	var before int64
	if err := s.Pool.QueryRow(ctx, `SELECT count(*) FROM claim_payments WHERE patient_control = ANY ($1)`, pcns).Scan(&before); err != nil {
		return err
	}
	// Return the generation's and queries' freed heap to the system, so
	// the peak RSS below is the posting's.
	debug.FreeOSMemory()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	base := m.HeapAlloc
	rssReset := resetPeakRSS()
	commits0, err := xactCommits(ctx, s)
	if err != nil {
		return err
	}
	stopProfile, err := startProfile()
	if err != nil {
		return err
	}
	stop := heapPeak()
	t0 := time.Now()
	res, err := svc.Post(ctx, req)
	took := time.Since(t0)
	peak := stop()
	stopProfile()
	rss := peakRSS()
	if err != nil {
		return err
	}
	time.Sleep(1500 * time.Millisecond) // Postgres flushes its statistics at most once a second
	commits1, err := xactCommits(ctx, s)
	if err != nil {
		return err
	}
	slices := counted.slices
	// The workflow's side: every matched payment read back a page at a time.
	t2 := time.Now()
	pages, told := 0, 0
	for after := 0; ; pages++ {
		page, err := svc.Payments(ctx, activities.RemittancePageRequest{Remittance: req, AfterSeq: after, Limit: 200})
		if err != nil {
			return err
		}
		told += len(page.Payments)
		after = page.NextSeq
		if !page.More {
			pages++
			break
		}
	}
	paging := time.Since(t2)
	t1 := time.Now()
	again, err := svc.Post(ctx, req)
	retry := time.Since(t1)
	if err != nil {
		return fmt.Errorf("retry: %w", err)
	}
	var after, onRemit int64
	var remitPaid int64
	if err := s.Pool.QueryRow(ctx, `SELECT count(*) FROM claim_payments WHERE patient_control = ANY ($1)`, pcns).Scan(&after); err != nil {
		return err
	}
	if err := s.Pool.QueryRow(ctx, `SELECT count(*), coalesce(sum(cp.paid_cents), 0) FROM claim_payments cp JOIN remittances r ON r.id = cp.remittance_id
		WHERE r.trace_number = $1`, trace).Scan(&onRemit, &remitPaid); err != nil {
		return err
	}
	once := res.NewlyPosted == n && again.NewlyPosted == 0 && again.AlreadyPosted == n && after-before == int64(n) && onRemit == int64(n) &&
		remitPaid == paid && told == n
	fmt.Printf("\n835 posting through activities.RemitService.Post (tenant 0, %d claims in the database, file %s, %d claim payments per transaction):\n",
		size.Claims(), mib(uint64(fileLen)), activities.DefaultPostingSlice)
	verdict := "ok"
	if took > 30*time.Second {
		verdict = "MISSED"
	}
	rssText := "unknown (no /proc/self/status)"
	if rss > 0 {
		rssText = mib(rss)
		if !rssReset {
			rssText += " (the process's peak: /proc/self/clear_refs could not reset it)"
		}
	}
	fmt.Printf("  835 of %s payments: %.1f s (target ≤ 30 s: %s), peak RSS %s\n", thousands(n), took.Seconds(), verdict, rssText)
	fmt.Printf("  %d claim payments posted in %s (%.0f payments/s), %d slices, %d transactions committed in the database (%.3f a payment)\n",
		res.NewlyPosted, took.Round(time.Millisecond), float64(n)/took.Seconds(), slices, commits1-commits0, float64(commits1-commits0)/float64(n))
	fmt.Printf("  peak heap during posting %s (%s above the %s before it); the 835 file itself is %s\n", mib(peak), mib(peak-min(peak, base)),
		mib(base), mib(uint64(fileLen)))
	fmt.Printf("  read back for the claims' workflows: %d payments in %d pages of 200 in %s\n", told, pages, paging.Round(time.Millisecond))
	fmt.Printf("  retried as an activity retry would: %d already posted, %d newly posted, in %s\n", again.AlreadyPosted, again.NewlyPosted,
		retry.Round(time.Millisecond))
	onceVerdict := "ok (exactly once)"
	if !once {
		onceVerdict = "FAILED"
	}
	fmt.Printf("  in the database: %d new claim payments for those claims, %d on the remittance, paid %d cents of %d: %s\n",
		after-before, onRemit, remitPaid, paid, onceVerdict)
	if !once {
		return errTarget
	}
	return nil
}
