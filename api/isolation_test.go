package api

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
)

// How the isolation test exercises a route.
const (
	// isoTarget: the URL names one of the tenant's records ({id}, and
	// {token_id}): another tenant gets exactly the answer a made-up ID
	// gets, never a 2xx; the owner's admin finds the record.
	isoTarget = iota
	// isoList: the answer never carries another tenant's IDs or names,
	// even when the query names them, and it is the answer the same query
	// with made-up IDs gets.
	isoList
	// isoCreate: a body naming another tenant's records (its org, patient,
	// provider...) is refused exactly as one naming made-up IDs.
	isoCreate
	// isoPublic: no tenant data (health, metrics, login, the caller's own
	// session); checked only for not carrying another tenant's IDs.
	isoPublic
)

// isolation says how one route is checked. x is the tenant whose records
// the request names: tenant A's, or a ghost tenant of made-up IDs.
type isolation struct {
	kind  int
	id    func(x *tenant) string // {id}
	token func(x *tenant) string // {token_id}
	query func(x *tenant) string
	body  func(x, self *tenant) any // self: the caller's own tenant
	// ownerMay404: the owner's answer may be 404 too (nothing to show yet,
	// e.g. no eligibility check has run).
	ownerMay404 bool
	// echo lists the IDs the request names that the answer repeats (the
	// bulk route's claim_id per result, as a problem's instance repeats the
	// path): they are not told to the caller, so they are masked before
	// the checks, and the rest must be the answer made-up IDs get.
	echo func(x *tenant) []string
}

// isolationCoverage lists every route the server mounts. A route missing
// here fails TestRouteIsolation: a new route is not done until its tenant
// isolation is.
var isolationCoverage = map[string]isolation{
	"GET /healthz":              {kind: isoPublic},
	"GET /readyz":               {kind: isoPublic},
	"* /metrics":                {kind: isoPublic},
	"POST /v1/auth/login":       {kind: isoPublic, body: func(x, _ *tenant) any { return map[string]any{"login": "nobody", "password": "x", "totp": "000000"} }},
	"POST /v1/auth/logout":      {kind: isoPublic},
	"GET /v1/dashboard/session": {kind: isoPublic},

	"POST /v1/orgs": {kind: isoCreate, body: func(x, _ *tenant) any {
		return map[string]any{"parent_id": x.practice.ID, "kind": "department", "name": "TEST DEPT"}
	}},
	"GET /v1/orgs":                      {kind: isoList},
	"GET /v1/orgs/{id}":                 {kind: isoTarget, id: func(x *tenant) string { return x.practice.ID }},
	"PATCH /v1/orgs/{id}":               {kind: isoTarget, id: func(x *tenant) string { return x.practice.ID }, body: func(_, _ *tenant) any { return map[string]any{"name": "TEST RENAMED"} }},
	"GET /v1/orgs/{id}/billing-profile": {kind: isoTarget, id: func(x *tenant) string { return x.practice.ID }},
	"PUT /v1/orgs/{id}/billing-profile": {kind: isoTarget, id: func(x *tenant) string { return x.practice.ID }, body: func(_, _ *tenant) any {
		return map[string]any{"inherit_from_parent": true}
	}},
	"GET /v1/orgs/{id}/enrollments": {kind: isoTarget, id: func(x *tenant) string { return x.practice.ID }},
	"PUT /v1/orgs/{id}/enrollments": {kind: isoTarget, id: func(x *tenant) string { return x.practice.ID }, body: func(x, _ *tenant) any {
		return map[string]any{"provider_id": x.prov.ID, "payer_id": x.payer.ID, "transaction": "837", "status": "submitted"}
	}},

	"POST /v1/imports": {kind: isoCreate, body: func(x, _ *tenant) any {
		return map[string]any{"org_id": x.practice.ID, "source": "fhir", "server": "ehr"}
	}},
	"GET /v1/imports":                 {kind: isoList},
	"GET /v1/imports/{id}":            {kind: isoTarget, id: func(x *tenant) string { return x.importRun }},
	"GET /v1/imports/{id}/errors.csv": {kind: isoTarget, id: func(x *tenant) string { return x.importRun }},
	"GET /v1/imports/{id}/problems":   {kind: isoTarget, id: func(x *tenant) string { return x.importRun }},
	"POST /v1/imports/{id}/commit":    {kind: isoTarget, id: func(x *tenant) string { return x.importRun }},
	// The upload is multipart (its tenant isolation with real files is in
	// cmd/claimflow's TestImportsInBrowser); a JSON body naming A's
	// organisation is refused as one naming a made-up one.
	"POST /v1/imports/upload":     {kind: isoCreate, body: func(x, _ *tenant) any { return map[string]any{"org_id": x.practice.ID} }},
	"GET /v1/import/template.csv": {kind: isoPublic},
	"POST /v1/imports/syncs": {kind: isoCreate, body: func(x, _ *tenant) any {
		return map[string]any{"org_id": x.practice.ID, "server": "ehr", "every": "1h"}
	}},
	"GET /v1/imports/syncs":              {kind: isoList},
	"GET /v1/imports/syncs/{id}":         {kind: isoTarget, id: func(x *tenant) string { return x.importSync }},
	"POST /v1/imports/syncs/{id}/run":    {kind: isoTarget, id: func(x *tenant) string { return x.importSync }},
	"POST /v1/imports/syncs/{id}/pause":  {kind: isoTarget, id: func(x *tenant) string { return x.importSync }},
	"POST /v1/imports/syncs/{id}/resume": {kind: isoTarget, id: func(x *tenant) string { return x.importSync }},
	"DELETE /v1/imports/syncs/{id}":      {kind: isoTarget, id: func(x *tenant) string { return x.importSync }},
	"GET /v1/imports/sync-flags":         {kind: isoList},
	"POST /v1/imports/sync-flags/{id}":   {kind: isoTarget, id: func(x *tenant) string { return x.syncFlag }, body: func(_, _ *tenant) any { return map[string]any{"status": "acknowledged"} }},

	"POST /v1/providers": {kind: isoCreate, body: func(x, _ *tenant) any {
		return map[string]any{"org_id": x.practice.ID, "npi": "1234567802", "last_name": "TESTDOC", "taxonomy": "207Q00000X"}
	}},
	"GET /v1/providers":                   {kind: isoList, query: func(x *tenant) string { return "npi=" + x.prov.NPI }},
	"GET /v1/providers/{id}":              {kind: isoTarget, id: func(x *tenant) string { return x.prov.ID }},
	"PATCH /v1/providers/{id}":            {kind: isoTarget, id: func(x *tenant) string { return x.prov.ID }, body: func(_, _ *tenant) any { return map[string]any{"first_name": "TESTX"} }},
	"GET /v1/providers/{id}/availability": {kind: isoTarget, id: func(x *tenant) string { return x.prov.ID }},
	"POST /v1/providers/{id}/availability": {kind: isoTarget, id: func(x *tenant) string { return x.prov.ID }, body: func(_, _ *tenant) any {
		return map[string]any{"weekday": 2, "start_time": "09:00", "end_time": "10:00", "time_zone": "UTC"}
	}},
	"POST /v1/providers/{id}/availability-exceptions": {kind: isoTarget, id: func(x *tenant) string { return x.prov.ID }, body: func(_, _ *tenant) any {
		return map[string]any{"kind": "unavailable", "starts_at": testDay(40), "ends_at": testDay(40).Add(3600e9)}
	}},

	"POST /v1/payers": {kind: isoCreate, body: func(x, _ *tenant) any {
		return map[string]any{"org_id": x.root.ID, "payer_id": "ZZPAYER9", "name": "TEST PAYER 9", "clearinghouse": "local"}
	}},
	"GET /v1/payers":                 {kind: isoList},
	"GET /v1/payers/{id}":            {kind: isoTarget, id: func(x *tenant) string { return x.payer.ID }},
	"GET /v1/payers/{id}/auth-rules": {kind: isoTarget, id: func(x *tenant) string { return x.payer.ID }},
	"PUT /v1/payers/{id}/auth-rules": {kind: isoTarget, id: func(x *tenant) string { return x.payer.ID }, body: func(_, _ *tenant) any {
		return map[string]any{"rules": []map[string]any{{"from": "72148"}}}
	}},
	"POST /v1/authorizations": {kind: isoCreate, body: func(x, _ *tenant) any {
		return map[string]any{"patient_id": x.recs.patient.ID, "coverage_id": x.recs.coverage.ID, "provider_id": x.prov.ID, "codes": []string{"72148"},
			"diagnoses": []string{"M54.50"}, "units": 1, "service_from": "2030-01-01", "service_to": "2030-01-31"}
	}},
	"GET /v1/authorizations":      {kind: isoList, query: func(x *tenant) string { return "patient_id=" + x.recs.patient.ID }},
	"GET /v1/authorizations/{id}": {kind: isoTarget, id: func(x *tenant) string { return x.authorization }},
	"PATCH /v1/payers/{id}":       {kind: isoTarget, id: func(x *tenant) string { return x.payer.ID }, body: func(_, _ *tenant) any { return map[string]any{"name": "TEST RENAMED"} }},
	// The payer directory is reference data shared by every tenant (issue
	// 19): its answers carry no tenant's records; a payer made from an
	// entry names an organisation, checked as any create.
	"GET /v1/payer-directory":         {kind: isoPublic, query: func(*tenant) string { return "q=TEST" }},
	"GET /v1/payer-directory/{entry}": {kind: isoPublic},
	"POST /v1/payer-directory/{entry}/payers": {kind: isoCreate, body: func(x, _ *tenant) any {
		return map[string]any{"org_id": x.practice.ID, "clearinghouse": "local"}
	}},
	// A's payer was made by hand: its owner gets a 404 too.
	"GET /v1/payers/{id}/directory": {kind: isoTarget, id: func(x *tenant) string { return x.payer.ID }, ownerMay404: true},

	"POST /v1/patients": {kind: isoCreate, body: func(x, _ *tenant) any {
		return map[string]any{"org_id": x.practice.ID, "first_name": "TESTX", "last_name": "TESTY", "birth_date": "1905-05-05", "sex": "U"}
	}},
	"GET /v1/patients":        {kind: isoList, query: func(x *tenant) string { return "org_id=" + x.practice.ID }},
	"GET /v1/patients/{id}":   {kind: isoTarget, id: func(x *tenant) string { return x.recs.patient.ID }},
	"PATCH /v1/patients/{id}": {kind: isoTarget, id: func(x *tenant) string { return x.recs.patient.ID }, body: func(_, _ *tenant) any { return map[string]any{"phone": "555-0199"} }},

	"POST /v1/coverages": {kind: isoCreate, body: func(x, _ *tenant) any {
		return map[string]any{"patient_id": x.recs.patient.ID, "payer_id": x.payer.ID, "member_id": "ZZ0000009", "relationship": "self", "priority": 2}
	}},
	"GET /v1/coverages":        {kind: isoList, query: func(x *tenant) string { return "patient_id=" + x.recs.patient.ID }},
	"GET /v1/coverages/{id}":   {kind: isoTarget, id: func(x *tenant) string { return x.recs.coverage.ID }},
	"PATCH /v1/coverages/{id}": {kind: isoTarget, id: func(x *tenant) string { return x.recs.coverage.ID }, body: func(_, _ *tenant) any { return map[string]any{"group_number": "X"} }},

	"POST /v1/appointments": {kind: isoCreate, body: func(x, _ *tenant) any {
		return map[string]any{"provider_id": x.prov.ID, "patient_id": x.recs.patient.ID, "visit_type": "x", "starts_at": testDay(30), "ends_at": testDay(30).Add(3600e9)}
	}},
	"POST /v1/appointment-series": {kind: isoCreate, body: func(x, _ *tenant) any {
		return map[string]any{"first": map[string]any{"provider_id": x.prov.ID, "patient_id": x.recs.patient.ID, "visit_type": "x",
			"starts_at": testDay(31), "ends_at": testDay(31).Add(3600e9)}, "interval_weeks": 1, "count": 2}
	}},
	"GET /v1/appointments":        {kind: isoList, query: func(x *tenant) string { return "patient_id=" + x.recs.patient.ID + "&provider_id=" + x.prov.ID }},
	"GET /v1/appointments/{id}":   {kind: isoTarget, id: func(x *tenant) string { return x.recs.appointment.ID }},
	"PATCH /v1/appointments/{id}": {kind: isoTarget, id: func(x *tenant) string { return x.recs.appointment.ID }, body: func(_, _ *tenant) any { return map[string]any{"visit_type": "x"} }},
	"POST /v1/appointments/{id}/reschedule": {kind: isoTarget, id: func(x *tenant) string { return x.recs.appointment.ID }, body: func(_, _ *tenant) any {
		return map[string]any{"starts_at": testDay(32), "ends_at": testDay(32).Add(3600e9)}
	}},
	"POST /v1/appointments/{id}/cancel": {kind: isoTarget, id: func(x *tenant) string { return x.recs.appointment.ID }, body: func(_, _ *tenant) any { return map[string]any{} }},

	"POST /v1/waitlist": {kind: isoCreate, body: func(x, _ *tenant) any {
		return map[string]any{"org_id": x.practice.ID, "patient_id": x.recs.patient.ID, "visit_type": "x"}
	}},
	"GET /v1/waitlist":             {kind: isoList, query: func(x *tenant) string { return "org_id=" + x.practice.ID }},
	"GET /v1/waitlist/{id}":        {kind: isoTarget, id: func(x *tenant) string { return x.recs.waitlist.ID }},
	"PATCH /v1/waitlist/{id}":      {kind: isoTarget, id: func(x *tenant) string { return x.recs.waitlist.ID }, body: func(_, _ *tenant) any { return map[string]any{"priority": 1} }},
	"POST /v1/waitlist/{id}/leave": {kind: isoTarget, id: func(x *tenant) string { return x.recs.waitlist.ID }},

	"POST /v1/encounters": {kind: isoCreate, body: func(x, _ *tenant) any {
		return map[string]any{"patient_id": x.recs.patient.ID, "provider_id": x.prov.ID, "date_of_service": "2030-01-01", "place_of_service": "11",
			"diagnoses": []string{"Z00.00"}, "charges": []map[string]any{{"code": "99213", "diagnosis_pointers": []int{1}, "units": 1, "amount_cents": 100}}}
	}},
	"GET /v1/encounters":        {kind: isoList, query: func(x *tenant) string { return "patient_id=" + x.recs.patient.ID }},
	"GET /v1/encounters/{id}":   {kind: isoTarget, id: func(x *tenant) string { return x.recs.encounter.ID }},
	"PATCH /v1/encounters/{id}": {kind: isoTarget, id: func(x *tenant) string { return x.recs.encounter.ID }, body: func(_, _ *tenant) any { return map[string]any{"place_of_service": "22"} }},

	"POST /v1/claims":                    {kind: isoCreate, body: func(x, _ *tenant) any { return map[string]any{"encounter_id": x.recs.encounter.ID} }},
	"GET /v1/claims":                     {kind: isoList, query: func(x *tenant) string { return "patient_id=" + x.recs.patient.ID + "&payer_id=" + x.payer.ID }},
	"GET /v1/claims/{id}":                {kind: isoTarget, id: func(x *tenant) string { return x.recs.claim.ID }},
	"POST /v1/claims/{id}/status":        {kind: isoTarget, id: func(x *tenant) string { return x.recs.claim.ID }, body: func(_, _ *tenant) any { return map[string]any{"status": "ready"} }},
	"GET /v1/claims/{id}/versions":       {kind: isoTarget, id: func(x *tenant) string { return x.recs.claim.ID }},
	"POST /v1/claims/{id}/versions":      {kind: isoTarget, id: func(x *tenant) string { return x.recs.claim.ID }, body: func(_, _ *tenant) any { return map[string]any{"member_id": "ZZ0000009", "note": "x"} }},
	"GET /v1/claims/{id}/timeline":       {kind: isoTarget, id: func(x *tenant) string { return x.recs.claim.ID }},
	"GET /v1/claims/{id}/edi":            {kind: isoTarget, id: func(x *tenant) string { return x.recs.claim.ID }, query: func(*tenant) string { return "kind=837&n=0" }, ownerMay404: true},
	"POST /v1/claims/{id}/decisions":     {kind: isoTarget, id: func(x *tenant) string { return x.recs.claim.ID }, body: func(_, _ *tenant) any { return map[string]any{"action": "write_off", "note": "x"} }},
	"POST /v1/claims/{id}/appeal-letter": {kind: isoTarget, id: func(x *tenant) string { return x.recs.claim.ID }, body: func(_, _ *tenant) any { return map[string]any{"reason": "x"} }},
	"GET /v1/claims/{id}/appeal-letters": {kind: isoTarget, id: func(x *tenant) string { return x.recs.claim.ID }},
	// The claim has no letter here (TestAppealsWorklistAndLetters refuses
	// another tenant a real one); the letter ID stays a placeholder.
	"GET /v1/claims/{id}/appeal-letters/{letterID}.pdf": {kind: isoTarget, id: func(x *tenant) string { return x.recs.claim.ID }, ownerMay404: true},

	"GET /v1/audit": {kind: isoList, query: func(x *tenant) string { return "patient_id=" + x.recs.patient.ID + "&actor_id=" + x.users["admin"] }},

	"GET /v1/dashboard/claims":         {kind: isoList, query: func(x *tenant) string { return "payer_id=" + x.payer.ID + "&provider_id=" + x.prov.ID }},
	"GET /v1/dashboard/claims/summary": {kind: isoList, query: func(x *tenant) string { return "claim_id=" + x.recs.claim.ID }},
	"GET /v1/dashboard/denials":        {kind: isoList},
	"GET /v1/dashboard/appeals":        {kind: isoList, query: func(x *tenant) string { return "payer_id=" + x.payer.ID }},
	"GET /v1/dashboard/claims.csv": {kind: isoList, query: func(x *tenant) string {
		return "q=" + x.recs.claim.PatientControlNumber + "&payer_id=" + x.payer.ID
	}},
	"GET /v1/dashboard/denials.csv":                          {kind: isoList, query: func(x *tenant) string { return "claim_id=" + x.recs.claim.ID }},
	"GET /v1/dashboard/remittances.csv":                      {kind: isoList},
	"GET /v1/dashboard/saved-filters":                        {kind: isoList},
	"POST /v1/dashboard/saved-filters":                       {kind: isoList, body: func(_, _ *tenant) any { return map[string]any{"name": "TEST FILTER", "query": "status=denied"} }},
	"DELETE /v1/dashboard/saved-filters/{id}":                {kind: isoTarget, id: func(x *tenant) string { return x.savedFilter }},
	"GET /v1/dashboard/remittances":                          {kind: isoList},
	"GET /v1/dashboard/remittances/summary":                  {kind: isoList},
	"GET /v1/dashboard/remittances/work-queue":               {kind: isoList},
	"POST /v1/dashboard/remittances/work-queue/{id}/resolve": {kind: isoTarget, id: func(x *tenant) string { return x.workItem }, body: func(_, _ *tenant) any { return map[string]any{"resolution": "not_ours"} }},
	"GET /v1/dashboard/remittances/{id}":                     {kind: isoTarget, id: func(x *tenant) string { return x.remittance }},
	"GET /v1/dashboard/remittances/{id}/eob.pdf":             {kind: isoTarget, id: func(x *tenant) string { return x.remittance }},
	"GET /v1/dashboard/deposits":                             {kind: isoList},
	"GET /v1/dashboard/deposits/remittances-without-deposit": {kind: isoList},
	"POST /v1/dashboard/deposits": {kind: isoCreate, body: func(x, _ *tenant) any {
		return map[string]any{"org_id": x.practice.ID, "amount_cents": 9000, "deposited_on": "2030-01-16", "reference": "ZZREF-ISO"}
	}},
	"POST /v1/dashboard/deposits/{id}/match":        {kind: isoTarget, id: func(x *tenant) string { return x.deposit }, body: func(x, _ *tenant) any { return map[string]any{"remittance_id": x.remittance} }},
	"POST /v1/dashboard/deposits/{id}/unmatch":      {kind: isoTarget, id: func(x *tenant) string { return x.deposit }, body: func(x, _ *tenant) any { return map[string]any{"remittance_id": x.remittance} }},
	"GET /v1/dashboard/receivables":                 {kind: isoList},
	"GET /v1/dashboard/statements/awaiting-release": {kind: isoList},
	"POST /v1/statements/{id}/release":              {kind: isoTarget, id: func(x *tenant) string { return x.statement }},
	"POST /v1/dashboard/runs/submit":                {kind: isoList, body: func(_, _ *tenant) any { return map[string]any{"clearinghouse": "local"} }},
	"POST /v1/dashboard/runs/check-status":          {kind: isoList, body: func(_, _ *tenant) any { return map[string]any{"clearinghouse": "local"} }},
	"GET /v1/dashboard/routing-warnings":            {kind: isoList},
	"GET /v1/dashboard/eligibility":                 {kind: isoList, query: func(x *tenant) string { return "appointment_id=" + x.recs.appointment.ID }},
	"POST /v1/dashboard/claims/bulk":                {kind: isoList, echo: bulkIsoEcho, body: bulkIsoBody},

	"POST /v1/users": {kind: isoCreate, body: func(x, _ *tenant) any {
		return map[string]any{"org_id": x.practice.ID, "kind": "system", "login": "iso-new-user", "display_name": "TEST NEW"}
	}},
	"GET /v1/users":               {kind: isoList, query: func(x *tenant) string { return "org_id=" + x.root.ID }},
	"GET /v1/users/{id}":          {kind: isoTarget, id: func(x *tenant) string { return x.users["clinician"] }},
	"POST /v1/users/{id}/disable": {kind: isoTarget, id: func(x *tenant) string { return x.users["clinician"] }},
	"POST /v1/users/{id}/enable":  {kind: isoTarget, id: func(x *tenant) string { return x.users["clinician"] }},
	"POST /v1/users/{id}/unlock":  {kind: isoTarget, id: func(x *tenant) string { return x.users["clinician"] }},
	"POST /v1/users/{id}/grants": {kind: isoTarget, id: func(x *tenant) string { return x.users["clinician"] }, body: func(_, self *tenant) any {
		return map[string]any{"org_id": self.practice.ID, "role": "biller"} // a role in the caller's own organisation
	}},
	"POST /v1/users/{id}/grants/revoke": {kind: isoTarget, id: func(x *tenant) string { return x.users["clinician"] }, body: func(x, _ *tenant) any {
		return map[string]any{"org_id": x.root.ID, "role": "clinician"}
	}},
	"GET /v1/users/{id}/tokens":  {kind: isoTarget, id: func(x *tenant) string { return x.users["scheduler_system"] }},
	"POST /v1/users/{id}/tokens": {kind: isoTarget, id: func(x *tenant) string { return x.users["scheduler_system"] }},
	"POST /v1/users/{id}/tokens/{token_id}/revoke": {kind: isoTarget, id: func(x *tenant) string { return x.users["scheduler_system"] },
		token: func(x *tenant) string { return x.tokenID }},
	"POST /v1/users/{id}/tokens/{token_id}/rotate": {kind: isoTarget, id: func(x *tenant) string { return x.users["scheduler_system"] },
		token: func(x *tenant) string { return x.tokenID }},
}

// ghostOf is a tenant of made-up IDs shaped like tn.
func ghostOf(tn *tenant) *tenant {
	g := &tenant{name: "GHOST", users: map[string]string{}, tokens: map[string]string{}}
	n := func() string { return uuid.Must(uuid.NewV7()).String() }
	g.root.ID, g.practice.ID, g.prov.ID, g.prov.NPI, g.payer.ID = n(), n(), n(), tn.prov.NPI, n()
	g.recs.patient.ID, g.recs.coverage.ID, g.recs.appointment.ID, g.recs.waitlist.ID = n(), n(), n(), n()
	g.recs.encounter.ID, g.recs.claim.ID, g.workItem, g.tokenID = n(), n(), n(), n()
	g.statement = n() + "-ZZTRACE1"
	g.deposit, g.remittance = n(), n()
	g.savedFilter = n()
	g.authorization = n()
	g.importRun = n()
	g.importSync, g.syncFlag = n(), n()
	for r := range tn.users {
		g.users[r] = n()
	}
	return g
}

// secrets of tenant tn that no answer to another tenant may carry.
func secretsOf(tn *tenant) []string {
	s := []string{tn.root.ID, tn.practice.ID, tn.prov.ID, tn.payer.ID, tn.recs.patient.ID, tn.recs.coverage.ID,
		tn.recs.appointment.ID, tn.recs.waitlist.ID, tn.recs.encounter.ID, tn.recs.claim.ID, tn.recs.claim.PatientControlNumber,
		tn.workItem, tn.tokenID, tn.remittance, tn.deposit, tn.savedFilter, tn.authorization, tn.importRun, tn.importSync, tn.syncFlag, "TENANT" + tn.name, "ZZEFT" + tn.name, "TEST PRACTICE " + tn.name}
	for _, u := range tn.users {
		s = append(s, u)
	}
	return s
}

func (c isolation) path(route string, x *tenant) string {
	p := route
	if c.id != nil {
		p = strings.ReplaceAll(p, "{id}", c.id(x))
	}
	if c.token != nil {
		p = strings.ReplaceAll(p, "{token_id}", c.token(x))
	}
	// Directory entries are shared: every tenant names the same one.
	p = strings.ReplaceAll(p, "{entry}", "sample-test-payer")
	if c.query != nil {
		p += "?" + c.query(x)
	}
	return p
}

// masked is body with the IDs of x the request named and the answer
// repeats (echo) replaced by a placeholder.
func (c isolation) masked(body []byte, x *tenant) []byte {
	if c.echo == nil {
		return body
	}
	s := string(body)
	for _, v := range c.echo(x) {
		s = strings.ReplaceAll(s, v, "{echo}")
	}
	return []byte(s)
}

func (c isolation) bodyFor(x, self *tenant) any {
	if c.body == nil {
		return nil
	}
	return c.body(x, self)
}

// TestRouteIsolation (issue 14): for every route the server mounts (walked
// with chi.Walk, not listed by hand) and every role of tenant B, B never
// reads, lists, changes or learns the existence of tenant A's records:
// requests naming A's records get exactly the answer made-up IDs get
// (never a 2xx), no answer carries A's IDs or names, and A's records are
// unchanged. A route without an entry in isolationCoverage fails the test.
// The owner's admin then reaches every record the checks named, so the
// refusals are not vacuous.
func TestRouteIsolation(t *testing.T) {
	w := newDashboardWorld(t, &fakeClaimWorkflows{})
	a := newTenant(w, "A", "1234567893", "ZZ0000001", 1)
	b := newTenant(w, "B", "1245319599", "ZZ0000002", 2)
	sendClaims(t, w, a)
	a.remittance = post835(t, w, "ZZEFTA", a.recs.claim.PatientControlNumber)
	var q List[store.WorkItem]
	w.mustCall(200, a.tokens["biller"], "GET", "/v1/dashboard/remittances/work-queue", nil, &q)
	if len(q.Items) == 0 {
		t.Fatal("tenant A has no work item to protect")
	}
	a.workItem = q.Items[0].ID
	var dep struct {
		ID string `json:"id"`
	}
	w.mustCall(201, a.tokens["biller"], "POST", "/v1/dashboard/deposits", map[string]any{"org_id": a.practice.ID, "amount_cents": 9000,
		"deposited_on": "2030-01-16", "reference": "ZZEFTA"}, &dep)
	a.deposit = dep.ID
	// The deposit adds up to A's 835 (trace ZZEFTA, 9000): its
	// eft_unreconciled item is resolved, the unmatched claim's stays open.
	var tok store.IssuedToken
	w.mustCall(201, a.admin, "POST", "/v1/users/"+a.users["scheduler_system"]+"/tokens", nil, &tok)
	a.tokenID = tok.ID
	a.statement = openStatement(t, w, a.recs, 1000)
	var sf struct {
		ID string `json:"id"`
	}
	w.mustCall(201, a.admin, "POST", "/v1/dashboard/saved-filters", map[string]any{"name": "TEST FILTER A", "query": "status=denied"}, &sf)
	a.savedFilter = sf.ID
	var au struct {
		ID string `json:"id"`
	}
	w.mustCall(201, a.admin, "POST", "/v1/authorizations", map[string]any{"patient_id": a.recs.patient.ID, "coverage_id": a.recs.coverage.ID,
		"provider_id": a.prov.ID, "codes": []string{"72148"}, "diagnoses": []string{"M54.50"}, "units": 1, "service_from": "2030-01-01",
		"service_to": "2030-01-31"}, &au)
	a.authorization = au.ID
	var imp struct {
		ID string `json:"id"`
	}
	w.mustCall(202, a.admin, "POST", "/v1/imports", map[string]any{"org_id": a.practice.ID, "source": "fhir", "server": "ehr"}, &imp)
	a.importRun = imp.ID
	var sy struct {
		ID string `json:"id"`
	}
	w.mustCall(201, a.admin, "POST", "/v1/imports/syncs", map[string]any{"org_id": a.practice.ID, "server": "ehr", "every": "1h"}, &sy)
	a.importSync = sy.ID
	// A flag is raised by a sync pass that finds a billed record changed
	// (store.SyncAppointment, TestImportSyncCLI); here one is put in place
	// for A's appointment so that B's list and decision can be tried on it.
	a.syncFlag = uuid.Must(uuid.NewV7()).String()
	if _, err := w.store.Pool.Exec(context.Background(), `INSERT INTO import_sync_flags
		(id, org_id, sync_id, run_id, seq, resource_type, source_id, record_id, patient_id, reason, fields, body, version_bidx)
		VALUES ($1, $2, $3, $4, 1, 'Appointment', 'appt-1', $5, $6, 'claim_submitted', '{start}', '\x00', '\x01')`,
		a.syncFlag, a.practice.ID, a.importSync, a.importRun, a.recs.appointment.ID, a.recs.patient.ID); err != nil {
		t.Fatal(err)
	}
	ghost := ghostOf(a)
	secrets := secretsOf(a)

	srv := New(Options{Records: w.store, Clearinghouses: []string{"local"}})
	srv.MountDashboard(Dashboard{Runs: &fakeRuns{}})
	srv.MountImports(Imports{Records: w.store})
	srv.MountImportSyncs(ImportSyncs{Records: w.store,
		Schedule: func(context.Context, rcm.ImportSync) error { return nil },
		Trigger:  func(context.Context, string) error { return nil },
		Pause:    func(context.Context, string) error { return nil },
		Resume:   func(context.Context, rcm.ImportSync) error { return nil },
		Delete:   func(context.Context, string) error { return nil }})
	var routes []string
	if err := chi.Walk(srv.Router(), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		routes = append(routes, method+" "+route)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	for _, rt := range routes {
		method, route, _ := strings.Cut(rt, " ")
		key := rt
		c, ok := isolationCoverage[key]
		if !ok {
			key = "* " + route
			c, ok = isolationCoverage[key]
		}
		if !ok {
			t.Errorf("route %s has no tenant isolation coverage: add it to isolationCoverage", rt)
			continue
		}
		covered[key] = true
		if key == "* "+route && method != "GET" {
			continue // one method of a catch-all route is enough
		}
		for _, role := range tenantRoles {
			tok := b.tokens[role]
			st, body := w.raw(tok, method, c.path(route, a), c.bodyFor(a, b))
			body = c.masked(body, a)
			for _, s := range secrets {
				if strings.Contains(withoutInstance(body), s) {
					t.Errorf("%s of tenant B: %s answered %d with tenant A's %q", role, rt, st, s)
				}
			}
			if st == http.StatusUnauthorized && key != "POST /v1/auth/login" {
				t.Fatalf("%s of tenant B: %s answered 401: the caller's token stopped working, later checks would prove nothing", role, rt)
			}
			if c.kind == isoPublic {
				continue
			}
			stG, bodyG := w.raw(tok, method, c.path(route, ghost), c.bodyFor(ghost, b))
			bodyG = c.masked(bodyG, ghost)
			switch c.kind {
			case isoTarget, isoCreate:
				if st < 400 || st != stG || !sameRefusal(body, bodyG) {
					t.Errorf("%s of tenant B: %s naming A's records = %d %s; naming made-up IDs = %d %s; want the same refusal",
						role, rt, st, body, stG, bodyG)
				}
			case isoList:
				if st != stG {
					t.Errorf("%s of tenant B: %s naming A's records = %d, naming made-up IDs = %d", role, rt, st, stG)
				}
				if c.echo != nil && !sameRefusal(body, bodyG) {
					t.Errorf("%s of tenant B: %s naming A's records = %s; naming made-up IDs = %s; want the same answer", role, rt, body, bodyG)
				}
			}
		}
	}
	for key := range isolationCoverage {
		if !covered[key] {
			t.Errorf("isolationCoverage has %s, which the server does not mount", key)
		}
	}

	// A's records are as they were.
	ctx := context.Background()
	var sfs List[struct {
		ID string `json:"id"`
	}]
	w.mustCall(200, a.admin, "GET", "/v1/dashboard/saved-filters", nil, &sfs)
	if len(sfs.Items) != 1 || sfs.Items[0].ID != a.savedFilter {
		t.Errorf("tenant A's saved filters after tenant B's requests = %+v, want %s", sfs.Items, a.savedFilter)
	}
	var p store.Patient
	w.mustCall(200, a.admin, "GET", "/v1/patients/"+a.recs.patient.ID, nil, &p)
	var u store.UserDetail
	w.mustCall(200, a.admin, "GET", "/v1/users/"+a.users["clinician"], nil, &u)
	var toks List[store.APIToken]
	w.mustCall(200, a.admin, "GET", "/v1/users/"+a.users["scheduler_system"]+"/tokens", nil, &toks)
	var open, grants int
	if err := w.store.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM remit_work_queue WHERE remittance_id = $1 AND status = 'open'),
		(SELECT count(*) FROM role_grants g JOIN users u ON u.id = g.user_id JOIN orgs o ON o.id = g.org_id, orgs r
		 WHERE r.id = $2 AND u.org_id IN (SELECT id FROM orgs WHERE path <@ r.path) AND NOT o.path <@ r.path)`, a.remittance, a.root.ID).Scan(&open, &grants); err != nil {
		t.Fatal(err)
	}
	if p.Phone != "555-0100" || u.Disabled || len(u.Grants) != 1 || open != 1 || grants != 0 || slices.ContainsFunc(toks.Items, func(x store.APIToken) bool { return x.RevokedAt != nil }) {
		t.Errorf("tenant A changed: phone %q, user %+v, open work items %d, grants outside A %d, tokens %+v", p.Phone, u, open, grants, toks.Items)
	}

	var sync ImportSyncView
	w.mustCall(200, a.admin, "GET", "/v1/imports/syncs/"+a.importSync, nil, &sync)
	if sync.State != rcm.SyncActive {
		t.Errorf("tenant A's sync after tenant B's requests is %s, want active", sync.State)
	}

	// The owner reaches every record named above (in any order: a deleted
	// sync is still found, and pausing it is refused naming its state).
	for key, c := range isolationCoverage {
		if c.kind != isoTarget {
			continue
		}
		method, route, _ := strings.Cut(key, " ")
		if st, body := w.raw(a.admin, method, c.path(route, a), c.bodyFor(a, a)); st == 404 && !c.ownerMay404 || st >= 500 {
			t.Errorf("tenant A's admin: %s on A's own record = %d %s, want it found", key, st, body)
		}
	}
}

// withoutInstance is a problem answer without its instance member (the
// path the caller sent, IDs included): what is left is what the server told.
func withoutInstance(body []byte) string {
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return string(body)
	}
	delete(m, "instance")
	out, _ := json.Marshal(m)
	return string(out)
}
