package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/archive"
	"github.com/claimflow/claimflow/clearinghouse"
	"github.com/claimflow/claimflow/store"
	"github.com/claimflow/claimflow/workflows"
)

// wireRevenueCycle gives the activities their revenue-cycle adapters: the
// claim service always; with clearinghouses configured, the S3 archive, one
// connector per partner, batch submission, inbound routing and remittance
// posting.
func (m *Main) wireRevenueCycle(ctx context.Context, acts *activities.Activities) error {
	acts.Claims = &activities.ClaimStore{Records: m.Store, DefaultFilingDays: m.Config.FilingDays, Auths: m.Store}
	acts.Appeals = &activities.AppealLog{Records: m.Store}
	acts.COB = m.Store
	if m.Config.Clearinghouses == "" {
		return nil
	}
	partners, err := clearinghouse.LoadPartners(m.Config.Clearinghouses)
	if err != nil {
		return err
	}
	arch, err := archive.Open(ctx, archive.Options{Endpoint: m.Config.S3Endpoint, Region: m.Config.S3Region, Bucket: m.Config.S3Bucket,
		AccessKey: m.Config.S3AccessKey, SecretKey: m.Config.S3SecretKey, Sealer: m.Keyring})
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	files := &connectorFiles{archive: arch, conns: map[string]*clearinghouse.Connector{}}
	router := &activities.Router{Files: files, Records: m.Store, Temporal: m.Temporal, TaskQueue: m.Config.TaskQueue, Log: m.Log.With("component", "router"),
		Deviations: m.Store}
	receivers := map[string]activities.Receiver{}
	rt := realTime{}
	for _, p := range partners {
		if p.RealTime != nil && p.RealTime.URL != "" {
			c, err := p.NewRealTimeClient(arch, m.getenv)
			if err != nil {
				return fmt.Errorf("clearinghouse %s real time: %w", p.ID, err)
			}
			rt[p.ID] = c
		}
		c, err := clearinghouse.New(p, clearinghouse.Options{Ledger: m.Store, Archive: arch, Log: m.Log.With("partner", p.ID),
			Router: clearinghouse.RouterFunc(func(ctx context.Context, f clearinghouse.ArchivedFile) error {
				_, err := router.Route(ctx, activities.InboundFile{Partner: f.Partner, Hash: f.Hash})
				return err
			})})
		if err != nil {
			return fmt.Errorf("clearinghouse %s: %w", p.ID, err)
		}
		files.conns[p.ID] = c
		m.closers = append(m.closers, c.Close)
		receivers[p.ID] = activities.Receiver{ID: strings.ToUpper(p.ID), Name: strings.ToUpper(p.ID), Usage: m.Config.ISAUsage}
		m.clearinghouses = append(m.clearinghouses, p.ID)
	}
	acts.Batches = &activities.BatchService{Records: m.Store, Files: files, Receivers: receivers}
	acts.Remits = &activities.RemitService{Files: files, Records: m.Store, AfterPost: afterPostHook, Slice: postingSliceHook}
	acts.Inbound = files
	acts.Eligibility = &activities.EligibilityService{Records: m.Store, RealTime: rt, Files: files, Deviations: m.Store}
	acts.Inquirer = &activities.StatusInquiryService{Records: m.Store, RealTime: rt}
	acts.PriorAuth = &activities.PriorAuthService{Records: m.Store, RealTime: rt, FollowUp: m.Config.AuthFollowUp}
	acts.AuditCheckpoints = auditCheckpoints{s: m.Store, a: arch}
	m.eligibilityWired = true
	return nil
}

// realTime sends 270s to each partner's CORE endpoint.
type realTime map[string]*clearinghouse.RealTimeClient

func (r realTime) RealTime270(ctx context.Context, partner, payloadID string, x12 []byte) ([]byte, error) {
	return r.do(ctx, partner, payloadID, clearinghouse.PayloadType270, x12)
}

func (r realTime) RealTime276(ctx context.Context, partner, payloadID string, x12 []byte) ([]byte, error) {
	return r.do(ctx, partner, payloadID, clearinghouse.PayloadType276, x12)
}

func (r realTime) RealTime278(ctx context.Context, partner, payloadID string, x12 []byte) ([]byte, error) {
	return r.do(ctx, partner, payloadID, clearinghouse.PayloadType278, x12)
}

func (r realTime) do(ctx context.Context, partner, payloadID, payloadType string, x12 []byte) ([]byte, error) {
	c, ok := r[partner]
	if !ok {
		return nil, fmt.Errorf("clearinghouse %q has no real-time endpoint", partner)
	}
	env, err := c.DoWithID(ctx, payloadID, payloadType, x12)
	if err != nil {
		return nil, err
	}
	return env.Payload, nil
}

// afterPostHook is nil in production; tests set it to kill the worker
// between two slices of an 835's claim payments (postingSliceHook sets a
// slice's size; 0 is activities.DefaultPostingSlice).
var (
	afterPostHook    func(seq int)
	postingSliceHook int
)

// schedules are the worker's Temporal Schedules.
func (m *Main) schedules() workflows.ScheduleSpec {
	spec := workflows.ScheduleSpec{TaskQueue: m.Config.TaskQueue, Clearinghouses: m.clearinghouses,
		BatchEvery: m.Config.BatchEvery, PollEvery: m.Config.PollEvery, Eligibility: m.eligibilityWired}
	if m.activities != nil && m.activities.AuditCheckpoints != nil {
		spec.AuditCheckpointEvery = m.Config.CheckpointEvery
	}
	return spec
}

// connectorFiles adapts the archive and the connectors to what the
// activities need: send a file to a partner, read an archived file, poll.
type connectorFiles struct {
	archive *archive.Archive
	conns   map[string]*clearinghouse.Connector
}

func (f *connectorFiles) conn(id string) (*clearinghouse.Connector, error) {
	c, ok := f.conns[id]
	if !ok {
		return nil, fmt.Errorf("no clearinghouse %q is configured", id)
	}
	return c, nil
}

func (f *connectorFiles) SendFile(ctx context.Context, partner string, body []byte) (string, error) {
	c, err := f.conn(partner)
	if err != nil {
		return "", err
	}
	s, err := c.Send(ctx, body)
	return s.Hash, err
}

func (f *connectorFiles) Fetch(ctx context.Context, key string) ([]byte, error) {
	b, _, err := f.archive.Get(ctx, key)
	return b, err
}

func (f *connectorFiles) Key(body []byte) string { return archive.Hash(body) }

func (f *connectorFiles) Poll(ctx context.Context, partner string, from activities.PollProgress, report func(activities.PollProgress)) (activities.PollSummary, error) {
	c, err := f.conn(partner)
	if err != nil {
		return activities.PollSummary{}, err
	}
	r, err := c.PollFrom(ctx, clearinghouse.PollProgress{Listed: from.Listed, Result: clearinghouse.PollResult(from.Summary)},
		func(p clearinghouse.PollProgress) {
			report(activities.PollProgress{Listed: p.Listed, Summary: activities.PollSummary(p.Result)})
		})
	return activities.PollSummary(r), err
}

// dispatchIntent starts a workflow or sends a signal an outbox row asks
// for. A workflow ID that already exists means the start happened before;
// a signal to a workflow that has ended has nothing left to tell.
func (m *Main) dispatchIntent(ctx context.Context, w store.WorkflowIntent) error {
	opts := client.StartWorkflowOptions{ID: w.WorkflowID, TaskQueue: m.Config.TaskQueue,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE}
	var input any = w.Input
	if w.WorkflowType == workflows.ClaimWorkflowName {
		// The Temporal UI's summary of the run (the claim ID; its status is
		// the run's current details, which the workflow keeps).
		id, _ := w.Input["ClaimID"].(string)
		opts.StaticSummary = "Claim " + id
		// Its first status's search attributes, so the run need not
		// upsert them (issue 20).
		opts.TypedSearchAttributes = workflows.ClaimStartSearchAttributes(id)
	}
	if w.WorkflowType == workflows.ReminderWorkflowName {
		id, _ := w.Input["AppointmentID"].(string)
		input = workflows.ReminderInput{AppointmentID: id, ReminderOptions: m.reminderOptions}
	}
	var err error
	switch w.Kind {
	case "signal":
		err = m.Temporal.SignalWorkflow(ctx, w.WorkflowID, "", w.SignalName, w.SignalInput)
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			return nil
		}
		return err
	case "update":
		return m.dispatchUpdate(ctx, w)
	case "signal_with_start":
		opts.WorkflowIDReusePolicy = enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE
		_, err = m.Temporal.SignalWithStartWorkflow(ctx, w.WorkflowID, w.SignalName, w.SignalInput, opts, w.WorkflowType, input)
		return err
	}
	_, err = m.Temporal.ExecuteWorkflow(ctx, opts, w.WorkflowType, input)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return nil
	}
	return err
}

// dispatchOutbox starts the workflows that records asked for (claims →
// their lifecycle) until ctx ends. A workflow ID that already exists means
// the start happened before: it counts as dispatched.
func (m *Main) dispatchOutbox(ctx context.Context) {
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		n, err := m.Store.DispatchOutbox(ctx, 100, m.dispatchIntent)
		if err != nil && ctx.Err() == nil {
			m.Log.Warn("outbox dispatch", "err", err.Error())
		}
		if n > 0 {
			continue // more may be waiting
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// clearinghouseIDs are the configured clearinghouses the API checks payers'
// routing against; nil (no check) when none are configured.
func (m *Main) clearinghouseIDs() ([]string, error) {
	if m.Config.Clearinghouses == "" {
		return nil, nil
	}
	partners, err := clearinghouse.LoadPartners(m.Config.Clearinghouses)
	if err != nil {
		return nil, fmt.Errorf("config: CLAIMFLOW_CLEARINGHOUSES: %w", err)
	}
	ids := make([]string, 0, len(partners))
	for _, p := range partners {
		ids = append(ids, p.ID)
	}
	return ids, nil
}
