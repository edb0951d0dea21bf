package workflows

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/notify"
	"github.com/claimflow/claimflow/notify/notifytest"
	"github.com/claimflow/claimflow/payments"
	"github.com/claimflow/claimflow/rcm"
)

// In-memory stand-ins used only by the workflow unit tests (time-skipping
// test environment). The integration test runs the same workflows against
// Postgres, mailpit and a real Temporal dev server.

// memSchedulingForTests implements activities.Scheduling in memory, with
// the booking service's no-double-booking rule.
type memSchedulingForTests struct {
	mu        sync.Mutex
	appts     map[string]*activities.AppointmentView
	contacts  map[string]activities.Contact
	waitlist  []memWaitlistEntryForTests
	keys      map[string]string
	confirmed []string
	cancelled []string
	booked    []activities.BookRequest
	next      int
	// reject lists patients the booking service refuses (BookingRejected).
	reject map[string]bool
}

type memWaitlistEntryForTests struct {
	EntryID, PatientID, ProviderID, VisitType string
	Priority                                  int
	Status                                    string
}

func newMemScheduling() *memSchedulingForTests {
	return &memSchedulingForTests{appts: map[string]*activities.AppointmentView{}, contacts: map[string]activities.Contact{}, keys: map[string]string{}}
}

func (m *memSchedulingForTests) add(a activities.AppointmentView) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.appts[a.ID] = &a
}

func (m *memSchedulingForTests) get(id string) activities.AppointmentView {
	m.mu.Lock()
	defer m.mu.Unlock()
	return *m.appts[id]
}

func (m *memSchedulingForTests) Appointment(_ context.Context, id string) (activities.AppointmentView, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.appts[id]
	if !ok {
		return activities.AppointmentView{}, activities.ErrRecordNotFound
	}
	return *a, nil
}

func (m *memSchedulingForTests) PatientContact(_ context.Context, id string) (activities.Contact, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.contacts[id]
	if !ok {
		return c, activities.ErrRecordNotFound
	}
	return c, nil
}

func (m *memSchedulingForTests) Book(_ context.Context, r activities.BookRequest) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if id, ok := m.keys[r.IdempotencyKey]; ok && r.IdempotencyKey != "" {
		return id, nil
	}
	if m.reject[r.PatientID] {
		return "", activities.ErrBookingRejected
	}
	for _, a := range m.appts {
		if a.ProviderID == r.Slot.ProviderID && a.Status != activities.AppointmentCancelled &&
			a.StartsAt.Before(r.Slot.EndsAt) && r.Slot.StartsAt.Before(a.EndsAt) {
			return "", activities.ErrSlotTaken
		}
	}
	m.next++
	id := fmt.Sprintf("appt-new-%d", m.next)
	m.appts[id] = &activities.AppointmentView{ID: id, OrgID: r.Slot.OrgID, PatientID: r.PatientID, ProviderID: r.Slot.ProviderID,
		VisitType: r.Slot.VisitType, StartsAt: r.Slot.StartsAt, EndsAt: r.Slot.EndsAt, TimeZone: r.Slot.TimeZone,
		Location: r.Slot.Location, Status: activities.AppointmentBooked}
	m.keys[r.IdempotencyKey] = id
	m.booked = append(m.booked, r)
	for i := range m.waitlist {
		if m.waitlist[i].EntryID == r.WaitlistEntryID {
			m.waitlist[i].Status = "booked"
		}
	}
	return id, nil
}

func (m *memSchedulingForTests) Cancel(_ context.Context, id, reason string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.appts[id]
	if !ok {
		return activities.ErrRecordNotFound
	}
	if a.Status != activities.AppointmentCancelled {
		a.Status = activities.AppointmentCancelled
		m.cancelled = append(m.cancelled, id+":"+reason)
	}
	return nil
}

func (m *memSchedulingForTests) Confirm(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.appts[id]
	if !ok {
		return activities.ErrRecordNotFound
	}
	a.Status = activities.AppointmentConfirmed
	m.confirmed = append(m.confirmed, id)
	return nil
}

func (m *memSchedulingForTests) WaitlistCandidates(_ context.Context, s activities.Slot) ([]activities.WaitlistCandidate, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []activities.WaitlistCandidate
	for _, w := range m.waitlist {
		if w.Status == "waiting" && w.ProviderID == s.ProviderID && w.VisitType == s.VisitType {
			out = append(out, activities.WaitlistCandidate{EntryID: w.EntryID, PatientID: w.PatientID, Priority: w.Priority})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Priority > out[j].Priority })
	return out, nil
}

// memLedgerForTests implements activities.EngagementLedger in memory.
type memLedgerForTests struct {
	mu         sync.Mutex
	optedOut   map[string]bool
	threads    []string // phone|workflow|ref
	statements map[string]activities.StatementRecord
	status     map[string]string
	intents    map[string]string
	payments   map[string]activities.PaymentPosting
	refunds    map[string]activities.RefundPosting
	postCalls  int
}

func newMemLedger() *memLedgerForTests {
	return &memLedgerForTests{optedOut: map[string]bool{}, statements: map[string]activities.StatementRecord{},
		status: map[string]string{}, intents: map[string]string{}, payments: map[string]activities.PaymentPosting{},
		refunds: map[string]activities.RefundPosting{}}
}

func (l *memLedgerForTests) RecordOutboundSMS(_ context.Context, phone, wf, ref string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.threads = append(l.threads, phone+"|"+wf+"|"+ref)
	return nil
}

func (l *memLedgerForTests) SMSOptedOut(_ context.Context, phone string) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.optedOut[phone], nil
}

func (l *memLedgerForTests) OpenStatement(_ context.Context, s activities.StatementRecord) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.statements[s.ID]; !ok {
		l.statements[s.ID] = s
		l.status[s.ID] = activities.StatementOpen
	}
	return nil
}

func (l *memLedgerForTests) SetStatementIntent(_ context.Context, id, pi string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.intents[id] = pi
	return nil
}

func (l *memLedgerForTests) PostPayment(_ context.Context, p activities.PaymentPosting) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.postCalls++
	if _, ok := l.payments[p.PaymentIntentID]; ok {
		return false, nil
	}
	l.payments[p.PaymentIntentID] = p
	return true, nil
}

func (l *memLedgerForTests) PostRefund(_ context.Context, r activities.RefundPosting) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.refunds[r.RefundID]; ok {
		return false, nil
	}
	l.refunds[r.RefundID] = r
	return true, nil
}

func (l *memLedgerForTests) SetStatementStatus(_ context.Context, id, status string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.status[id] = status
	return nil
}

// memMailerForTests records email.
type memMailerForTests struct {
	mu   sync.Mutex
	sent []notify.Email
	err  error // returned by every send when set
}

func (m *memMailerForTests) SendEmail(_ context.Context, e notify.Email) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return m.err
	}
	m.sent = append(m.sent, e)
	return nil
}

func (m *memMailerForTests) all() []notify.Email {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]notify.Email(nil), m.sent...)
}

// memPaymentsForTests stands in for Stripe in workflow unit tests (the
// payments package is tested against stripe-mock).
type memPaymentsForTests struct {
	mu        sync.Mutex
	intents   []payments.IntentRequest
	refunds   []payments.RefundRequest
	refundErr error
}

func (p *memPaymentsForTests) CreatePaymentIntent(_ context.Context, r payments.IntentRequest) (payments.Intent, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.intents = append(p.intents, r)
	return payments.Intent{ID: "pi_test_" + r.StatementID, Status: "requires_payment_method", AmountCents: r.AmountCents, ClientSecret: "pi_secret"}, nil
}

func (p *memPaymentsForTests) CreateRefund(_ context.Context, r payments.RefundRequest) (payments.Refund, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.refundErr != nil {
		return payments.Refund{}, p.refundErr
	}
	p.refunds = append(p.refunds, r)
	return payments.Refund{ID: fmt.Sprintf("re_test_%d", len(p.refunds)), Status: "succeeded", AmountCents: r.AmountCents}, nil
}

// engagementEnv is a time-skipping environment running the engagement
// workflows with the real activities over the in-memory stand-ins.
type engagementEnv struct {
	*testsuite.TestWorkflowEnvironment
	t      *testing.T
	sched  *memSchedulingForTests
	ledger *memLedgerForTests
	mail   *memMailerForTests
	sms    *notifytest.SMSOutbox
	pay    *memPaymentsForTests
	// sends records (planned at, sent at) of each reminder activity.
	sends []reminderSendForTests
}

type reminderSendForTests struct {
	Key    string
	At     time.Time
	SentAt time.Time
}

var nyc = mustLoc("America/New_York")

func mustLoc(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

func newEngagementEnv(t *testing.T, start time.Time) *engagementEnv {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	s.SetLogger(tlog.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	e := &engagementEnv{TestWorkflowEnvironment: s.NewTestWorkflowEnvironment(), t: t,
		sched: newMemScheduling(), ledger: newMemLedger(), mail: &memMailerForTests{}, sms: &notifytest.SMSOutbox{}, pay: &memPaymentsForTests{}}
	e.SetStartTime(start)
	RegisterWorkflows(e)
	RegisterEngagementActivities(e, &activities.Engagement{Scheduling: e.sched, Ledger: e.ledger, Mail: e.mail, SMS: e.sms,
		Payments: e.pay, OfficePhone: "555-0100", PayURL: "https://pay.example.invalid/statement",
		Statements: memStatementsForTests{}, PayLinks: &memLinksForTests{}})
	e.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, args converter.EncodedValues) {
		if info.ActivityType.Name != "SendAppointmentReminder" {
			return
		}
		var r activities.ReminderSend
		if err := args.Get(&r); err == nil {
			e.sends = append(e.sends, reminderSendForTests{Key: r.Delivery.Key, At: r.Delivery.At, SentAt: e.Now()})
		}
	})
	return e
}

// seedAppointment adds a booked appointment for a synthetic patient.
func (e *engagementEnv) seedAppointment(id string, startsAt time.Time) activities.AppointmentView {
	a := activities.AppointmentView{ID: id, OrgID: "org-1", PatientID: "pat-" + id, ProviderID: "prov-1", VisitType: "follow_up",
		StartsAt: startsAt, EndsAt: startsAt.Add(30 * time.Minute), TimeZone: "America/New_York", Location: "Test Clinic, 1 Example St",
		Status: activities.AppointmentBooked}
	e.sched.add(a)
	e.sched.mu.Lock()
	e.sched.contacts[a.PatientID] = activities.Contact{FirstName: "Testa", Email: "pat-" + id + "@example.invalid", Phone: "+15005550100"}
	e.sched.mu.Unlock()
	return a
}

func (e *engagementEnv) signalAt(d time.Duration, name string, arg any) {
	e.RegisterDelayedCallback(func() { e.SignalWorkflow(name, arg) }, d)
}

func countSMS(msgs []notify.SMS, substr string) int {
	n := 0
	for _, m := range msgs {
		if strings.Contains(m.Body, substr) {
			n++
		}
	}
	return n
}

// memStatementsForTests shows every statement as from one practice with
// one date of service.
type memStatementsForTests struct{}

func (memStatementsForTests) StatementView(_ context.Context, _ rcm.Actor, id string) (rcm.StatementView, error) {
	return rcm.StatementView{ID: id, PracticeName: "Test Practice", Status: activities.StatementOpen,
		ServiceDates: []time.Time{time.Date(2030, 3, 3, 0, 0, 0, 0, time.UTC)}}, nil
}

// memLinksForTests mints opaque numbered tokens.
type memLinksForTests struct {
	mu sync.Mutex
	n  int
}

func (l *memLinksForTests) Mint(context.Context, string) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.n++
	return fmt.Sprintf("tok%04d", l.n), nil
}

// releaseAt releases the statement at d as staff member "staff-1".
func (e *engagementEnv) releaseAt(d time.Duration) {
	e.RegisterDelayedCallback(func() {
		e.UpdateWorkflow(UpdateStatementRelease, fmt.Sprint("release-", d), &testsuite.TestUpdateCallback{
			OnReject: func(err error) { e.t.Errorf("release rejected: %v", err) },
			OnAccept: func() {}, OnComplete: func(any, error) {},
		}, ReleaseRequest{By: "staff-1"})
	}, d)
}
