package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/claimflow/claimflow/logging"
	"github.com/claimflow/claimflow/rcm"
)

// handler is a /v1 endpoint: it returns the status and the value to encode
// as JSON, or an error for problem+json.
type handler func(r *http.Request, a rcm.Actor) (int, any, error)

type principalKey struct{}

func principalFrom(ctx context.Context) (rcm.Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(rcm.Principal)
	return p, ok
}

// authenticate resolves the bearer token; every /v1 route but login needs
// one (deny by default).
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, ok := bearer(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="claimflow"`)
			s.writeError(w, r, rcm.ErrUnauthenticated)
			return
		}
		p, err := s.records.Authenticate(r.Context(), tok)
		if err != nil {
			if errors.Is(err, rcm.ErrUnauthenticated) {
				w.Header().Set("WWW-Authenticate", `Bearer realm="claimflow", error="invalid_token"`)
			}
			s.writeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	})
}

// bearer returns the token of an "Authorization: Bearer" header (the scheme
// is case-insensitive).
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") {
		return "", false
	}
	tok := strings.TrimSpace(h[7:])
	return tok, tok != ""
}

// handle wraps an endpoint with its declared permission (403 when the
// caller holds it nowhere; records outside the caller's organisations then
// answer 404 from the store), idempotency keys on POST, and rendering.
func (s *Server) handle(perm string, h handler) http.HandlerFunc {
	if perm == "" {
		panic("api: every /v1 route declares its permission")
	}
	return func(w http.ResponseWriter, r *http.Request) {
		p, ok := principalFrom(r.Context())
		if !ok {
			s.writeError(w, r, rcm.ErrUnauthenticated)
			return
		}
		a := rcm.Actor{UserID: p.UserID, SourceIP: s.clientIP(r), RequestID: logging.RequestID(r.Context())}
		if perm != permAuthenticated && !p.Permissions[perm] {
			s.auditRefusal(r, a)
			s.writeError(w, r, &Error{Status: http.StatusForbidden, Code: "forbidden", Title: "Forbidden", Detail: "this route needs the " + perm + " permission"})
			return
		}
		key := r.Header.Get("Idempotency-Key")
		if r.Method != http.MethodPost || key == "" {
			status, v, err := h(r, a)
			if err != nil {
				if refused(err) {
					s.auditRefusal(r, a)
				}
				s.writeError(w, r, err)
				return
			}
			writeJSON(w, status, v)
			return
		}
		s.idempotent(w, r, p, a, key, h)
	}
}

const permAuthenticated = "authenticated"

func (s *Server) idempotent(w http.ResponseWriter, r *http.Request, p rcm.Principal, a rcm.Actor, key string, h handler) {
	if len(key) > 255 {
		s.writeError(w, r, &Error{Status: http.StatusBadRequest, Code: "bad-idempotency-key", Title: "Bad idempotency key", Detail: "Idempotency-Key is longer than 255 characters"})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		s.writeError(w, r, &Error{Status: http.StatusRequestEntityTooLarge, Code: "too-large", Title: "Request too large", Detail: "the body is larger than 1 MiB"})
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	sum := sha256.Sum256([]byte(r.Method + " " + r.URL.Path + "\n" + string(body)))
	stored, err := s.records.BeginIdempotent(r.Context(), a, key, sum[:])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if stored != nil {
		w.Header().Set("Idempotent-Replayed", "true")
		writeRaw(w, stored.Status, stored.Body)
		return
	}
	defer func() {
		if v := recover(); v != nil { // let a retry run again, then let the recoverer answer
			_ = s.records.ReleaseIdempotent(context.WithoutCancel(r.Context()), p.UserID, key)
			panic(v)
		}
	}()
	status, v, herr := h(r, a)
	var out []byte
	if herr != nil {
		if refused(herr) {
			s.auditRefusal(r, a)
		}
		pr := s.problem(r, herr)
		status, out = pr.Status, problemBytes(pr)
	} else {
		out, _ = json.Marshal(v)
		out = append(out, '\n')
	}
	// Use a context that outlives a cancelled request: the outcome must be
	// recorded or the key released.
	ctx := context.WithoutCancel(r.Context())
	if status >= 500 {
		_ = s.records.ReleaseIdempotent(ctx, p.UserID, key)
	} else if err := s.records.FinishIdempotent(ctx, p.UserID, key, storedFor(status, out, v)); err != nil {
		s.log.ErrorContext(r.Context(), "store idempotent response", logging.Err(err))
	}
	writeRaw(w, status, out)
}

// storedFor names the patient (and organisation) a response discloses, so
// replaying it is audited.
func storedFor(status int, body []byte, v any) rcm.StoredResponse {
	r := rcm.StoredResponse{Status: status, Body: body}
	switch x := v.(type) {
	case rcm.Patient:
		r.PatientID, r.OrgID = x.ID, x.OrgID
	case rcm.Coverage:
		r.PatientID, r.OrgID = x.PatientID, x.OrgID
	case rcm.Appointment:
		r.PatientID, r.OrgID = x.PatientID, x.OrgID
	case rcm.Series:
		if len(x.Appointments) > 0 {
			r.PatientID, r.OrgID = x.Appointments[0].PatientID, x.Appointments[0].OrgID
		}
	case rcm.WaitlistEntry:
		r.PatientID, r.OrgID = x.PatientID, x.OrgID
	case rcm.Encounter:
		r.PatientID, r.OrgID = x.PatientID, x.OrgID
	case rcm.Claim:
		r.PatientID, r.OrgID = x.PatientID, x.OrgID
	}
	return r
}

func writeRaw(w http.ResponseWriter, status int, body []byte) {
	ct := "application/json"
	if status >= 400 {
		ct = "application/problem+json"
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// mountV1 adds the records API.
func (s *Server) mountV1(r chi.Router) {
	r.Post("/v1/auth/login", s.login)
	r.Group(func(r chi.Router) {
		r.Use(s.authenticate)
		r.Post("/v1/auth/logout", s.handle(permAuthenticated, s.logout))

		r.Post("/v1/orgs", s.handle(rcm.PermOrgWrite, s.createOrg))
		r.Get("/v1/orgs", s.handle(rcm.PermOrgRead, func(r *http.Request, a rcm.Actor) (int, any, error) {
			q := &queryReader{r: r}
			p := q.page()
			if err := q.err(); err != nil {
				return 0, nil, err
			}
			return list(s.records.ListOrgs(r.Context(), a, p))
		}))
		r.Get("/v1/orgs/{id}", s.handle(rcm.PermOrgRead, func(r *http.Request, a rcm.Actor) (int, any, error) {
			return one[rcm.Org](200)(s.records.GetOrg(r.Context(), a, id(r)))
		}))
		r.Patch("/v1/orgs/{id}", s.handle(rcm.PermOrgWrite, func(r *http.Request, a rcm.Actor) (int, any, error) {
			var in struct {
				Name string `json:"name"`
			}
			if err := decode(r, &in); err != nil {
				return 0, nil, err
			}
			return one[rcm.Org](200)(s.records.RenameOrg(r.Context(), a, id(r), in.Name))
		}))
		s.mountUsers(r)
		s.mountPractice(r)
		s.mountEnrollment(r)
		s.mountPriorAuth(r)
		s.mountDirectory(r)

		r.Post("/v1/providers", s.handle(rcm.PermProviderWrite, createWith(s.records.CreateProvider, readOnly...)))
		r.Get("/v1/providers", s.handle(rcm.PermProviderRead, func(r *http.Request, a rcm.Actor) (int, any, error) {
			q := &queryReader{r: r}
			npi := q.str("npi")
			p := q.page()
			if err := q.err(); err != nil {
				return 0, nil, err
			}
			return list(s.records.ListProviders(r.Context(), a, npi, p))
		}))
		r.Get("/v1/providers/{id}", s.handle(rcm.PermProviderRead, getWith(s.records.GetProvider)))
		r.Patch("/v1/providers/{id}", s.handle(rcm.PermProviderWrite, patchWith(s.records.UpdateProvider)))
		r.Get("/v1/providers/{id}/availability", s.handle(rcm.PermAvailabilityRead, getWith(s.records.GetAvailability)))
		r.Post("/v1/providers/{id}/availability", s.handle(rcm.PermAvailabilityWrite, func(r *http.Request, a rcm.Actor) (int, any, error) {
			var t rcm.AvailabilityTemplate
			if err := decode(r, &t); err != nil {
				return 0, nil, err
			}
			t.ProviderID = id(r)
			return one[rcm.AvailabilityTemplate](201)(s.records.AddAvailability(r.Context(), a, t))
		}))
		r.Post("/v1/providers/{id}/availability-exceptions", s.handle(rcm.PermAvailabilityWrite, func(r *http.Request, a rcm.Actor) (int, any, error) {
			var e rcm.AvailabilityException
			if err := decode(r, &e); err != nil {
				return 0, nil, err
			}
			e.ProviderID = id(r)
			return one[rcm.AvailabilityException](201)(s.records.AddAvailabilityException(r.Context(), a, e))
		}))

		r.Post("/v1/payers", s.handle(rcm.PermPayerWrite, s.createPayer))
		r.Get("/v1/payers", s.handle(rcm.PermPayerRead, func(r *http.Request, a rcm.Actor) (int, any, error) {
			q := &queryReader{r: r}
			p := q.page()
			if err := q.err(); err != nil {
				return 0, nil, err
			}
			return list(s.records.ListPayers(r.Context(), a, p))
		}))
		r.Get("/v1/payers/{id}", s.handle(rcm.PermPayerRead, getWith(s.records.GetPayer)))
		r.Patch("/v1/payers/{id}", s.handle(rcm.PermPayerWrite, s.patchPayer))

		r.Post("/v1/patients", s.handle(rcm.PermPatientWrite, createWith(s.records.CreatePatient, readOnly...)))
		r.Get("/v1/patients", s.handle(rcm.PermPatientRead, func(r *http.Request, a rcm.Actor) (int, any, error) {
			q := &queryReader{r: r}
			f := rcm.PatientFilter{OrgID: q.id("org_id"), LastName: q.str("last_name"), BirthDate: q.str("birth_date"), SSN: q.str("ssn")}
			p := q.page()
			if err := q.err(); err != nil {
				return 0, nil, err
			}
			return list(s.records.ListPatients(r.Context(), a, f, p))
		}))
		r.Get("/v1/patients/{id}", s.handle(rcm.PermPatientRead, getWith(s.records.GetPatient)))
		r.Patch("/v1/patients/{id}", s.handle(rcm.PermPatientWrite, patchWith(s.records.UpdatePatient)))

		r.Post("/v1/coverages", s.handle(rcm.PermCoverageWrite, createWith(s.records.CreateCoverage, append(readOnly, "org_id")...)))
		r.Get("/v1/coverages", s.handle(rcm.PermCoverageRead, func(r *http.Request, a rcm.Actor) (int, any, error) {
			q := &queryReader{r: r}
			pid, member := q.id("patient_id"), q.str("member_id")
			p := q.page()
			if err := q.err(); err != nil {
				return 0, nil, err
			}
			return list(s.records.ListCoverages(r.Context(), a, pid, member, p))
		}))
		r.Get("/v1/coverages/{id}", s.handle(rcm.PermCoverageRead, getWith(s.records.GetCoverage)))
		r.Patch("/v1/coverages/{id}", s.handle(rcm.PermCoverageWrite, patchWith(s.records.UpdateCoverage)))

		r.Post("/v1/appointments", s.handle(rcm.PermAppointmentWrite, s.book))
		r.Post("/v1/appointment-series", s.handle(rcm.PermAppointmentWrite, createWith(s.records.BookSeries, "id", "appointments")))
		r.Get("/v1/appointments", s.handle(rcm.PermAppointmentRead, func(r *http.Request, a rcm.Actor) (int, any, error) {
			q := &queryReader{r: r}
			f := rcm.AppointmentFilter{ProviderID: q.id("provider_id"), PatientID: q.id("patient_id"), Status: q.str("status"), From: q.time("from"), To: q.time("to")}
			p := q.page()
			if err := q.err(); err != nil {
				return 0, nil, err
			}
			return list(s.records.ListAppointments(r.Context(), a, f, p))
		}))
		r.Get("/v1/appointments/{id}", s.handle(rcm.PermAppointmentRead, getWith(s.records.GetAppointment)))
		r.Patch("/v1/appointments/{id}", s.handle(rcm.PermAppointmentWrite, patchWith(s.records.UpdateAppointment)))
		r.Post("/v1/appointments/{id}/reschedule", s.handle(rcm.PermAppointmentWrite, func(r *http.Request, a rcm.Actor) (int, any, error) {
			var in struct {
				StartsAt time.Time `json:"starts_at"`
				EndsAt   time.Time `json:"ends_at"`
			}
			if err := decode(r, &in); err != nil {
				return 0, nil, err
			}
			return one[rcm.Appointment](200)(s.records.Reschedule(r.Context(), a, id(r), in.StartsAt, in.EndsAt))
		}))
		r.Post("/v1/appointments/{id}/cancel", s.handle(rcm.PermAppointmentWrite, func(r *http.Request, a rcm.Actor) (int, any, error) {
			var in struct {
				Reason string `json:"reason"`
			}
			if err := decode(r, &in); err != nil {
				return 0, nil, err
			}
			return one[rcm.Appointment](200)(s.records.Cancel(r.Context(), a, id(r), in.Reason))
		}))

		r.Post("/v1/waitlist", s.handle(rcm.PermWaitlistWrite, createWith(s.records.JoinWaitlist, append(readOnly, "status", "appointment_id")...)))
		r.Get("/v1/waitlist", s.handle(rcm.PermWaitlistRead, func(r *http.Request, a rcm.Actor) (int, any, error) {
			q := &queryReader{r: r}
			f := rcm.WaitlistFilter{OrgID: q.id("org_id"), ProviderID: q.id("provider_id"), Status: q.str("status"), VisitType: q.str("visit_type")}
			p := q.page()
			if err := q.err(); err != nil {
				return 0, nil, err
			}
			return list(s.records.ListWaitlist(r.Context(), a, f, p))
		}))
		r.Get("/v1/waitlist/{id}", s.handle(rcm.PermWaitlistRead, getWith(s.records.GetWaitlistEntry)))
		r.Patch("/v1/waitlist/{id}", s.handle(rcm.PermWaitlistWrite, patchWith(s.records.UpdateWaitlistEntry)))
		r.Post("/v1/waitlist/{id}/leave", s.handle(rcm.PermWaitlistWrite, func(r *http.Request, a rcm.Actor) (int, any, error) {
			return one[rcm.WaitlistEntry](200)(s.records.LeaveWaitlist(r.Context(), a, id(r)))
		}))

		r.Post("/v1/encounters", s.handle(rcm.PermEncounterWrite, createWith(s.records.CreateEncounter, append(readOnly, "org_id")...)))
		r.Get("/v1/encounters", s.handle(rcm.PermEncounterRead, func(r *http.Request, a rcm.Actor) (int, any, error) {
			q := &queryReader{r: r}
			pid := q.id("patient_id")
			p := q.page()
			if err := q.err(); err != nil {
				return 0, nil, err
			}
			return list(s.records.ListEncounters(r.Context(), a, pid, p))
		}))
		r.Get("/v1/encounters/{id}", s.handle(rcm.PermEncounterRead, getWith(s.records.GetEncounter)))
		r.Patch("/v1/encounters/{id}", s.handle(rcm.PermEncounterWrite, patchWith(s.records.UpdateEncounter)))

		r.Post("/v1/claims", s.handle(rcm.PermClaimWrite, func(r *http.Request, a rcm.Actor) (int, any, error) {
			var in struct {
				EncounterID string `json:"encounter_id"`
			}
			if err := decode(r, &in); err != nil {
				return 0, nil, err
			}
			return one[rcm.Claim](201)(s.records.CreateClaim(r.Context(), a, in.EncounterID))
		}))
		r.Get("/v1/claims", s.handle(rcm.PermClaimRead, func(r *http.Request, a rcm.Actor) (int, any, error) {
			q := &queryReader{r: r}
			f := rcm.ClaimFilter{Status: q.str("status"), PatientID: q.id("patient_id"), PayerID: q.id("payer_id")}
			p := q.page()
			if err := q.err(); err != nil {
				return 0, nil, err
			}
			return list(s.records.ListClaims(r.Context(), a, f, p))
		}))
		r.Get("/v1/claims/{id}", s.handle(rcm.PermClaimRead, getWith(s.records.GetClaim)))
		// Staff status changes go through the claim's workflow (claimstatus.go).
		r.Post("/v1/claims/{id}/status", s.handle(rcm.PermClaimWrite, s.setClaimStatus))
		// The claim editor (claimedit.go).
		r.Post("/v1/claims/{id}/versions", s.handle(rcm.PermClaimWrite, s.editClaim))
		r.Get("/v1/claims/{id}/versions", s.handle(rcm.PermClaimRead, s.listClaimVersions))

		r.Get("/v1/audit", s.handle(rcm.PermAuditRead, func(r *http.Request, a rcm.Actor) (int, any, error) {
			q := &queryReader{r: r}
			f := rcm.AuditFilter{PatientID: q.id("patient_id"), ActorID: q.id("actor_id"), From: q.time("from"), To: q.time("to")}
			p := q.page()
			if err := q.err(); err != nil {
				return 0, nil, err
			}
			return list(s.records.QueryAudit(r.Context(), a, f, p))
		}))
	})
}
