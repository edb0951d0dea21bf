package fhirimport

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"golang.org/x/sync/errgroup"

	"github.com/claimflow/claimflow/rcm"
)

// Store is what the import's activities need of the store; each commit
// method writes the record, its import key and the item's outcome in one
// transaction through the same insert path as the API's create.
type Store interface {
	Existing
	GetImportRun(ctx context.Context, a rcm.Actor, id string) (rcm.ImportRun, error)
	SetImportStage(ctx context.Context, runID, stage, errText string) error
	RecountImport(ctx context.Context, runID string, committed bool) (rcm.ImportRun, error)
	StageImportItems(ctx context.Context, runID string, items []ImportItem) error
	MaxImportSeq(ctx context.Context, runID string) (int, error)
	ImportItems(ctx context.Context, runID, resourceType, status string, afterSeq, limit int) ([]ImportItem, error)
	SetImportOutcomes(ctx context.Context, runID string, items []ImportItem) error
	ImportPayers(ctx context.Context, orgID string) (map[string]string, error)
	// LoadExisting reads what the organisation holds once per validation
	// (the store's ImportIndex); nil falls back to a query per record.
	LoadExisting(ctx context.Context, orgID string) (Existing, error)

	ImportPatient(ctx context.Context, a rcm.Actor, k rcm.ImportKey, seq int, p rcm.Patient) (string, bool, error)
	ImportCoverage(ctx context.Context, a rcm.Actor, k rcm.ImportKey, seq int, c rcm.Coverage) (string, bool, error)
	ImportProvider(ctx context.Context, a rcm.Actor, k rcm.ImportKey, seq int, p rcm.Provider) (string, bool, error)
	ImportAppointment(ctx context.Context, a rcm.Actor, k rcm.ImportKey, seq int, b rcm.Booking) (string, bool, error)
	ImportEncounter(ctx context.Context, a rcm.Actor, k rcm.ImportKey, seq int, charges []ImportItem, e rcm.Encounter) (string, bool, error)

	SyncStore
	// ImportGroup commits records in one transaction (refusals per record)
	// and ImportRecordsOf resolves a page's references in one query.
	ImportGroup(ctx context.Context, a rcm.Actor, recs []rcm.ImportRecord) ([]rcm.ImportResult, error)
	ImportRecordsOf(ctx context.Context, orgID, resourceType string, sourceIDs []string) (map[string]string, error)
}

// Activities are the import's steps. FHIR holds the FHIR server settings
// the worker may use (by name), so no credential travels in workflow
// history.
type Activities struct {
	Store Store
	HTTP  *http.Client
	Now   func() time.Time
	// FHIRServers maps a configured server name to its settings.
	FHIRServers map[string]FHIRServer
}

// Input is one import: which run, as whom, from where.
type Input struct {
	RunID  string   `json:"run_id"`
	OrgID  string   `json:"org_id"`
	UserID string   `json:"user_id"`
	Source string   `json:"source"`
	Paths  []string `json:"paths,omitempty"` // ndjson / csv files on the worker's disk
	// FHIR: a configured server name, the resource types, and whether to use
	// Bulk Data $export (else REST search with paging).
	Server string   `json:"server,omitempty"`
	Types  []string `json:"types,omitempty"`
	Bulk   bool     `json:"bulk,omitempty"`
	DryRun bool     `json:"dry_run"`
	// Staged: the run's items are staged already (files uploaded through
	// the API, or a reviewed dry run being committed), so the workflow
	// starts at validation and reads no source.
	Staged bool `json:"staged,omitempty"`
	// A sync pass (sync.go): the sync, and the high-water mark the search
	// asks after (_lastUpdated=gt<Since>; "" for everything).
	SyncID string `json:"sync_id,omitempty"`
	Since  string `json:"since,omitempty"`
}

// Progress is what the workflow answers to its progress query.
type Progress struct {
	Stage     string `json:"stage"`
	Total     int    `json:"total"`
	Done      int    `json:"done"`
	Valid     int    `json:"valid"`
	Invalid   int    `json:"invalid"`
	Imported  int    `json:"imported"`
	Unchanged int    `json:"unchanged"`
	Failed    int    `json:"failed"`
	Updated   int    `json:"updated,omitempty"` // a sync pass's applied changes
	Flagged   int    `json:"flagged,omitempty"` // a sync pass's flagged changes
	Error     string `json:"error,omitempty"`
}

// ProgressOf summarises a run.
func ProgressOf(r rcm.ImportRun) Progress {
	return Progress{Stage: r.Stage, Total: r.Total, Done: r.Done(), Valid: r.Valid, Invalid: r.Invalid, Imported: r.Imported,
		Unchanged: r.Unchanged, Failed: r.Failed, Updated: r.Updated, Flagged: r.Flagged, Error: r.Error}
}

func (a *Activities) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

const stageBatch = 500

// ImportFetch stages every source record of the run, numbered in source order.
// A retry re-reads the source and skips what was staged already.
func (a *Activities) ImportFetch(ctx context.Context, in Input) (Progress, error) {
	if err := a.Store.SetImportStage(ctx, in.RunID, rcm.ImportStageFetch, ""); err != nil {
		return Progress{}, err
	}
	staged, err := a.Store.MaxImportSeq(ctx, in.RunID)
	if err != nil {
		return Progress{}, err
	}
	seq := 0
	var batch []ImportItem
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := a.Store.StageImportItems(ctx, in.RunID, batch)
		batch = batch[:0]
		if activity.IsActivity(ctx) {
			activity.RecordHeartbeat(ctx, seq)
		}
		return err
	}
	emit := func(typ, id string, body []byte) error {
		seq++
		if seq <= staged {
			return nil
		}
		batch = append(batch, ImportItem{Seq: seq, ResourceType: typ, SourceID: id, Body: body})
		if len(batch) >= stageBatch {
			return flush()
		}
		return nil
	}
	var hw highWater
	read := emit
	if in.SyncID != "" {
		read = hw.watch(emit)
	}
	if err := a.readSource(ctx, in, read); err != nil {
		return Progress{}, err
	}
	if err := hw.record(ctx, a.Store, in.RunID); err != nil {
		return Progress{}, err
	}
	if err := flush(); err != nil {
		return Progress{}, err
	}
	r, err := a.Store.RecountImport(ctx, in.RunID, false)
	return ProgressOf(r), err
}

func (a *Activities) readSource(ctx context.Context, in Input, emit Emit) error {
	switch in.Source {
	case rcm.ImportSourceNDJSON:
		files, err := NDJSONFiles(in.Paths)
		if err != nil {
			return temporal.NewNonRetryableApplicationError(err.Error(), "import.source", nil)
		}
		for _, f := range files {
			if err := readFile(f, func(fh *os.File) error { return ReadNDJSON(fh, emit) }); err != nil {
				return err
			}
		}
		return nil
	case rcm.ImportSourceCSV:
		for _, f := range in.Paths {
			if err := readFile(f, func(fh *os.File) error { return ReadCSV(fh, emit) }); err != nil {
				return temporal.NewNonRetryableApplicationError(err.Error(), "import.source", nil)
			}
		}
		return nil
	case rcm.ImportSourceFHIR:
		srv, ok := a.FHIRServers[in.Server]
		if !ok {
			return temporal.NewNonRetryableApplicationError("no FHIR server named "+in.Server+" is configured on the worker", "import.source", nil)
		}
		c := NewClient(ctx, srv, a.HTTP)
		if in.SyncID != "" {
			return c.SyncSearch(ctx, in.Since, emit)
		}
		types := in.Types
		if len(types) == 0 {
			types = Order
		}
		if in.Bulk {
			return c.BulkExport(ctx, types, emit)
		}
		return c.Search(ctx, types, emit)
	}
	return temporal.NewNonRetryableApplicationError("unknown source "+in.Source, "import.source", nil)
}

func readFile(name string, fn func(*os.File) error) error {
	f, err := os.Open(name) //nolint:gosec // the operator names the files to import
	if err != nil {
		return temporal.NewNonRetryableApplicationError(err.Error(), "import.source", nil)
	}
	defer f.Close()
	return fn(f)
}

const pageSize = 1000

// ImportValidate gives every staged item an outcome (valid, invalid, reference)
// with its problems and unmapped fields; nothing is written to the
// records. Repeating it gives the same outcomes.
func (a *Activities) ImportValidate(ctx context.Context, in Input) (Progress, error) {
	if err := a.Store.SetImportStage(ctx, in.RunID, rcm.ImportStageValidate, ""); err != nil {
		return Progress{}, err
	}
	payers, err := a.Store.ImportPayers(ctx, in.OrgID)
	if err != nil {
		return Progress{}, err
	}
	y, m, d := a.now().UTC().Date()
	existing, err := a.Store.LoadExisting(ctx, in.OrgID)
	if err != nil {
		return Progress{}, err
	}
	v, err := NewValidator(in.OrgID, time.Date(y, m, d, 0, 0, 0, 0, time.UTC), payers, existing)
	if err != nil {
		return Progress{}, err
	}
	v.CSV = in.Source == rcm.ImportSourceCSV
	for _, typ := range append(append([]string{}, Order...), "") {
		after := 0
		for {
			items, err := a.Store.ImportItems(ctx, in.RunID, typ, "", after, pageSize)
			if err != nil {
				return Progress{}, err
			}
			if len(items) == 0 {
				break
			}
			var outs []ImportItem
			for _, it := range items {
				after = it.Seq
				if typ == "" && isKnown(it.ResourceType) {
					continue
				}
				o, err := v.Check(ctx, it)
				if err != nil {
					return Progress{}, err
				}
				outs = append(outs, o...)
			}
			if err := a.Store.SetImportOutcomes(ctx, in.RunID, outs); err != nil {
				return Progress{}, err
			}
			if activity.IsActivity(ctx) {
				activity.RecordHeartbeat(ctx, after)
			}
		}
	}
	if err := a.Store.SetImportOutcomes(ctx, in.RunID, v.Leftovers()); err != nil {
		return Progress{}, err
	}
	if err := a.Store.SetImportStage(ctx, in.RunID, rcm.ImportStageReport, ""); err != nil {
		return Progress{}, err
	}
	r, err := a.Store.RecountImport(ctx, in.RunID, false)
	return ProgressOf(r), err
}

func isKnown(typ string) bool {
	for _, t := range Order {
		if t == typ {
			return true
		}
	}
	return false
}

// CommitInput is one slice of the commit: at most Limit valid items.
type CommitInput struct {
	Input
	Limit int `json:"limit"`
}

// ImportCommit writes up to Limit valid items, in Order, and answers the
// progress; Progress.Done reaching Total (no valid item left) ends the
// loop in the workflow. A crash between two records loses nothing and a
// retry writes nothing twice: each record, its key and its outcome are one
// transaction.
func (a *Activities) ImportCommit(ctx context.Context, in CommitInput) (Progress, error) {
	if err := a.Store.SetImportStage(ctx, in.RunID, rcm.ImportStageCommit, ""); err != nil {
		return Progress{}, err
	}
	actor := rcm.Actor{UserID: in.UserID, RequestID: "import/" + in.RunID}
	left := in.Limit
	if left <= 0 {
		left = 2000
	}
	res := newResolver(a.Store, in.OrgID)
	// ChargeItems go with their encounter; any still valid after the
	// encounters failed with them.
	commitOrder := append(slices.DeleteFunc(slices.Clone(Order), func(t string) bool { return t == "ChargeItem" }), "ChargeItem")
	for _, typ := range commitOrder {
		for left > 0 {
			items, err := a.Store.ImportItems(ctx, in.RunID, typ, rcm.ItemValid, 0, min(left, pageSize))
			if err != nil {
				return Progress{}, err
			}
			if len(items) == 0 {
				break
			}
			if err := a.commitPage(ctx, actor, in, res, items); err != nil {
				return Progress{}, err
			}
			left -= len(items)
			if activity.IsActivity(ctx) {
				activity.RecordHeartbeat(ctx, left)
			}
		}
	}
	r, err := a.Store.RecountImport(ctx, in.RunID, true)
	return ProgressOf(r), err
}

// ImportFinish records the final stage (done, failed with a reason, or report
// for a dry run).
func (a *Activities) ImportFinish(ctx context.Context, in FinishInput) (Progress, error) {
	if err := a.Store.SetImportStage(ctx, in.RunID, in.Stage, in.Error); err != nil {
		return Progress{}, err
	}
	r, err := a.Store.RecountImport(ctx, in.RunID, in.Stage == rcm.ImportStageDone)
	return ProgressOf(r), err
}

// FinishInput names the final stage.
type FinishInput struct {
	RunID string `json:"run_id"`
	Stage string `json:"stage"`
	Error string `json:"error,omitempty"`
}

// commitWorkers is how many groups of one page commit at once: records
// of one type never refer to each other, and each group is its own
// transaction, so a page's groups are independent.
const commitWorkers = 4

// commitGroupSize is how many records one transaction of the store's
// ImportGroup writes.
const commitGroupSize = 100

func (a *Activities) commitPage(ctx context.Context, actor rcm.Actor, in CommitInput, res *resolver, items []ImportItem) error {
	if in.SyncID != "" {
		// A sync pass compares each record with claimflow's copy and
		// applies or flags the change (store.SyncAppointment,
		// SyncEncounter): record by record, as its passes are small.
		return a.commitPageOneByOne(ctx, actor, in, res, items)
	}
	recs := make([]commitRec, len(items))
	for i, it := range items {
		recs[i].item = it
		if err := json.Unmarshal(it.Mapped, &recs[i].m); err != nil {
			recs[i].bad = true
		}
	}
	if err := res.preload(ctx, recs); err != nil {
		return err
	}
	return inParallel(ctx, slices.Collect(slices.Chunk(recs, commitGroupSize)), func(ctx context.Context, g []commitRec) error {
		return a.commitGroup(ctx, actor, in, res, g)
	})
}

// inParallel runs fn on each of items, commitWorkers at a time, and
// answers the first error; after it, no further item is started and the
// ones running see their context cancelled (each item is its own
// transaction, so a retry of the page resumes where it stopped).
func inParallel[T any](ctx context.Context, items []T, fn func(context.Context, T) error) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(commitWorkers)
	for _, it := range items {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error { return fn(gctx, it) })
	}
	return g.Wait()
}

// commitPageOneByOne commits a page one item at a time (sync passes).
func (a *Activities) commitPageOneByOne(ctx context.Context, actor rcm.Actor, in CommitInput, res *resolver, items []ImportItem) error {
	return inParallel(ctx, items, func(ctx context.Context, it ImportItem) error {
		return a.commitOne(ctx, actor, in, res, it)
	})
}

// commitOne writes one item; a record the store refuses (a slot taken, a
// reference gone) becomes a failed outcome with the store's problems.
func (a *Activities) commitOne(ctx context.Context, actor rcm.Actor, in CommitInput, res *resolver, it ImportItem) error {
	var m Mapped
	if err := json.Unmarshal(it.Mapped, &m); err != nil {
		return a.fail(ctx, in.RunID, it, rcm.Problems{{Pointer: "", Detail: "the mapped record is unreadable: validate again"}})
	}
	k := rcm.ImportKey{OrgID: in.OrgID, RunID: in.RunID, ResourceType: it.ResourceType, SourceID: it.SourceID}
	var err error
	need := func(typ, src string, dst *string) {
		if src != "" {
			if id, e := res.id(ctx, typ, src); e != nil {
				err = e
			} else {
				*dst = id
			}
		}
	}
	switch it.ResourceType {
	case "Practitioner":
		k.Natural = m.Provider.NPI
		_, _, err = a.Store.ImportProvider(ctx, actor, k, it.Seq, *m.Provider)
	case "Patient":
		k.Natural = m.MRN
		_, _, err = a.Store.ImportPatient(ctx, actor, k, it.Seq, *m.Patient)
	case "Coverage":
		k.Natural = m.MemberKey
		c := *m.Coverage
		c.PayerID = m.PayerID
		need("Patient", m.PatientRef, &c.PatientID)
		if err == nil {
			_, _, err = a.Store.ImportCoverage(ctx, actor, k, it.Seq, c)
		}
	case "Appointment":
		b := *m.Booking
		b.PatientID, b.ProviderID = m.PatientID, m.ProviderID
		need("Patient", m.PatientRef, &b.PatientID)
		need("Practitioner", m.ProviderRef, &b.ProviderID)
		switch {
		case err != nil:
		case in.SyncID != "":
			err = a.Store.SyncAppointment(ctx, actor, k, it.Seq, in.SyncID, b)
		default:
			_, _, err = a.Store.ImportAppointment(ctx, actor, k, it.Seq, b)
		}
	case "Encounter":
		e := *m.Encounter
		e.PatientID, e.ProviderID = m.PatientID, m.ProviderID
		need("Patient", m.PatientRef, &e.PatientID)
		need("Practitioner", m.ProviderRef, &e.ProviderID)
		need("Appointment", m.AppointmentRef, &e.AppointmentID)
		need("Coverage", m.CoverageRef, &e.CoverageID)
		charges := make([]ImportItem, len(m.ChargeSeqs))
		for i, c := range m.ChargeSeqs {
			charges[i] = ImportItem{Seq: c.Seq, ResourceType: "ChargeItem", SourceID: c.SourceID}
		}
		switch {
		case err != nil:
		case in.SyncID != "":
			err = a.Store.SyncEncounter(ctx, actor, k, it.Seq, in.SyncID, charges, e)
		default:
			_, _, err = a.Store.ImportEncounter(ctx, actor, k, it.Seq, charges, e)
		}
	case "ChargeItem":
		// Committed with its encounter; one left valid means its encounter
		// failed, so it fails with it.
		return a.fail(ctx, in.RunID, it, rcm.Problems{{Pointer: "/context", Detail: "its Encounter/" + m.EncounterRef + " was not imported"}})
	default:
		return a.fail(ctx, in.RunID, it, rcm.Problems{{Pointer: "/resourceType", Detail: "is not imported"}})
	}
	var ve *rcm.ValidationError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ve):
		return a.fail(ctx, in.RunID, it, ve.Fields)
	case errors.Is(err, rcm.ErrConflict), errors.Is(err, rcm.ErrNotFound):
		return a.fail(ctx, in.RunID, it, rcm.Problems{{Pointer: "", Detail: refusal(err)}})
	}
	return err
}

// commitRec is one valid item of a page with its mapped record.
type commitRec struct {
	item ImportItem
	m    Mapped
	bad  bool // the mapped record is unreadable
}

type resolver struct {
	st    Store
	org   string
	mu    sync.Mutex
	cache map[string]string
}

func newResolver(st Store, org string) *resolver {
	return &resolver{st: st, org: org, cache: map[string]string{}}
}

// preload reads the claimflow ids of every source record a page refers to,
// one query per referenced type, instead of one query per reference.
func (r *resolver) preload(ctx context.Context, recs []commitRec) error {
	want := map[string][]string{}
	add := func(typ, src string) {
		if src == "" {
			return
		}
		r.mu.Lock()
		_, ok := r.cache[typ+"/"+src]
		r.mu.Unlock()
		if !ok {
			want[typ] = append(want[typ], src)
		}
	}
	for _, c := range recs {
		if c.bad {
			continue
		}
		add("Patient", c.m.PatientRef)
		add("Practitioner", c.m.ProviderRef)
		add("Appointment", c.m.AppointmentRef)
		add("Coverage", c.m.CoverageRef)
	}
	for typ, srcs := range want {
		slices.Sort(srcs)
		ids, err := r.st.ImportRecordsOf(ctx, r.org, typ, slices.Compact(srcs))
		if err != nil {
			return err
		}
		r.mu.Lock()
		for src, id := range ids {
			r.cache[typ+"/"+src] = id
		}
		r.mu.Unlock()
	}
	return nil
}

// id answers the claimflow id a source record became ("" when none).
func (r *resolver) id(ctx context.Context, typ, src string) (string, error) {
	if src == "" {
		return "", nil
	}
	k := typ + "/" + src
	r.mu.Lock()
	v, ok := r.cache[k]
	r.mu.Unlock()
	if ok {
		return v, nil
	}
	v, _, err := r.st.ImportRecordOf(ctx, r.org, typ, src)
	if err == nil && v != "" {
		r.mu.Lock()
		r.cache[k] = v
		r.mu.Unlock()
	}
	return v, err
}

// commitGroup writes a group of a page's items in one store transaction;
// a record the store refuses (a slot taken, a reference gone) becomes a
// failed outcome with the store's problems.
func (a *Activities) commitGroup(ctx context.Context, actor rcm.Actor, in CommitInput, res *resolver, group []commitRec) error {
	var recs []rcm.ImportRecord
	var of []ImportItem // the item of each rec
	var failed []ImportItem
	failWith := func(it ImportItem, pr rcm.Problems) {
		it.Status, it.Problems, it.Mapped = rcm.ItemFailed, pr, nil
		failed = append(failed, it)
	}
	for _, c := range group {
		if c.bad {
			failWith(c.item, rcm.Problems{{Pointer: "", Detail: "the mapped record is unreadable: validate again"}})
			continue
		}
		rec, pr, err := record(ctx, in, res, c.item, c.m)
		if err != nil {
			return err
		}
		if pr != nil {
			failWith(c.item, pr)
			continue
		}
		recs = append(recs, rec)
		of = append(of, c.item)
	}
	if len(recs) > 0 {
		results, err := a.Store.ImportGroup(ctx, actor, recs)
		if err != nil {
			return err
		}
		for i, r := range results {
			var ve *rcm.ValidationError
			switch {
			case r.Err == nil:
			case errors.As(r.Err, &ve):
				failWith(of[i], ve.Fields)
			default:
				failWith(of[i], rcm.Problems{{Pointer: "", Detail: refusal(r.Err)}})
			}
		}
	}
	return a.Store.SetImportOutcomes(ctx, in.RunID, failed)
}

// record builds the store's record of one valid item with its references
// resolved; problems (not an error) when the item cannot be committed.
func record(ctx context.Context, in CommitInput, res *resolver, it ImportItem, m Mapped) (rcm.ImportRecord, rcm.Problems, error) {
	r := rcm.ImportRecord{Key: rcm.ImportKey{OrgID: in.OrgID, RunID: in.RunID, ResourceType: it.ResourceType, SourceID: it.SourceID}, Seq: it.Seq}
	var err error
	need := func(typ, src string, dst *string) {
		if src != "" && err == nil {
			*dst, err = res.id(ctx, typ, src)
		}
	}
	switch it.ResourceType {
	case "Practitioner":
		r.Key.Natural = m.Provider.NPI
		p := *m.Provider
		r.Provider = &p
	case "Patient":
		r.Key.Natural = m.MRN
		p := *m.Patient
		r.Patient = &p
	case "Coverage":
		r.Key.Natural = m.MemberKey
		c := *m.Coverage
		c.PayerID = m.PayerID
		need("Patient", m.PatientRef, &c.PatientID)
		r.Coverage = &c
	case "Appointment":
		b := *m.Booking
		b.PatientID, b.ProviderID = m.PatientID, m.ProviderID
		need("Patient", m.PatientRef, &b.PatientID)
		need("Practitioner", m.ProviderRef, &b.ProviderID)
		r.Booking = &b
	case "Encounter":
		e := *m.Encounter
		e.PatientID, e.ProviderID = m.PatientID, m.ProviderID
		need("Patient", m.PatientRef, &e.PatientID)
		need("Practitioner", m.ProviderRef, &e.ProviderID)
		need("Appointment", m.AppointmentRef, &e.AppointmentID)
		need("Coverage", m.CoverageRef, &e.CoverageID)
		r.Also = make([]ImportItem, len(m.ChargeSeqs))
		for i, c := range m.ChargeSeqs {
			r.Also[i] = ImportItem{Seq: c.Seq, ResourceType: "ChargeItem", SourceID: c.SourceID}
		}
		r.Encounter = &e
	case "ChargeItem":
		// Committed with its encounter; one left valid means its encounter
		// failed, so it fails with it.
		return r, rcm.Problems{{Pointer: "/context", Detail: "its Encounter/" + m.EncounterRef + " was not imported"}}, nil
	default:
		return r, rcm.Problems{{Pointer: "/resourceType", Detail: "is not imported"}}, nil
	}
	return r, nil, err
}

// refusal names a store refusal without values (SlotConflict's text has
// times, no PHI).
func refusal(err error) string {
	var sc *rcm.SlotConflict
	if errors.As(err, &sc) {
		return "the provider already has an appointment at this time"
	}
	return fmt.Sprintf("refused: %v", err)
}

func (a *Activities) fail(ctx context.Context, runID string, it ImportItem, pr rcm.Problems) error {
	it.Status, it.Problems, it.Mapped = rcm.ItemFailed, pr, nil
	return a.Store.SetImportOutcomes(ctx, runID, []ImportItem{it})
}
