package api

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"time"

	"github.com/claimflow/claimflow/logging"
	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/workflows"
)

// PatientAppointment is what the appointment page shows: when and where,
// and whether it is still on. Nothing clinical (no provider, visit type or
// reason).
type PatientAppointment struct {
	ID        string
	OrgID     string
	PatientID string
	StartsAt  time.Time // in the appointment's zone
	Location  string
	Status    string // booked, confirmed, cancelled, completed, no_show
}

// AppointmentPage is where a patient who gets no text messages confirms or
// cancels an appointment (GET and POST /appointment?t=<token>), from the
// link in the reminder email: no login; the sealed token names one
// appointment. Every view and answer is audited with the request's address.
type AppointmentPage struct {
	// Links opens appointment-link tokens (paylink.Links, purpose
	// "appointment").
	Links interface {
		Open(ctx context.Context, token string) (appointmentID string, err error)
	}
	// Appointment reads the appointment (rcm.ErrNotFound when unknown).
	Appointment func(ctx context.Context, id string) (PatientAppointment, error)
	// Temporal signals the appointment's reminder workflow (client.Client).
	Temporal interface {
		SignalWorkflow(ctx context.Context, workflowID, runID, signalName string, arg any) error
	}
	OfficePhone string
	// IsExpired says Links.Open refused an expired token.
	IsExpired func(error) bool
}

// MountAppointmentPage serves the appointment page at /appointment.
func (s *Server) MountAppointmentPage(p AppointmentPage) {
	h := &appointmentPage{s: s, p: p}
	s.router.Get("/appointment", h.serve)
	s.router.Post("/appointment", h.serve)
}

type appointmentPage struct {
	s *Server
	p AppointmentPage
}

type appointmentView struct {
	Token       string
	When        string
	Location    string
	State       string // open, confirmed, cancelled, past, invalid, expired, unavailable, sent-confirm, sent-cancel
	OfficePhone string
}

var appointmentTemplate = template.Must(template.New("appointment").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>Your appointment</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
button{font-size:1.05rem;padding:.5rem 1.2rem;margin-right:.6rem;border-radius:6px;border:1px solid #1f6feb}
.confirm{background:#1f6feb;color:#fff}.cancel{background:#fff;color:#cf222e;border-color:#cf222e}</style></head><body>
{{if eq .State "invalid"}}<h1>This link is not valid</h1><p>Please use the link in your most recent reminder{{if .OfficePhone}}, or call the office at {{.OfficePhone}}{{end}}.</p>
{{else if eq .State "expired"}}<h1>This link has expired</h1><p>Please call the office{{if .OfficePhone}} at {{.OfficePhone}}{{end}}.</p>
{{else if eq .State "unavailable"}}<h1>This appointment cannot be changed online</h1><p>Please call the office{{if .OfficePhone}} at {{.OfficePhone}}{{end}}.</p>
{{else}}<h1>Your appointment</h1><p id="appointment-when">{{.When}}{{if .Location}} at {{.Location}}{{end}}</p>
{{if eq .State "cancelled"}}<p id="appointment-state">This appointment is cancelled.</p>
{{else if eq .State "past"}}<p id="appointment-state">This appointment has passed.</p>
{{else if eq .State "sent-cancel"}}<p id="appointment-state">Thank you: your appointment is being cancelled.</p>
{{else}}{{if eq .State "sent-confirm"}}<p id="appointment-state">Thank you for confirming.</p>{{else if eq .State "confirmed"}}<p id="appointment-state">You have confirmed this appointment.</p>{{end}}
<form method="post" action="/appointment"><input type="hidden" name="t" value="{{.Token}}">
{{if eq .State "open"}}<button class="confirm" type="submit" name="action" value="confirm" id="confirm">Confirm</button>{{end}}
<button class="cancel" type="submit" name="action" value="cancel" id="cancel">Cancel appointment</button></form>{{end}}
{{if .OfficePhone}}<p>Questions? Call {{.OfficePhone}}.</p>{{end}}{{end}}
</body></html>`))

func (h *appointmentPage) render(w http.ResponseWriter, status int, v appointmentView) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	w.WriteHeader(status)
	_ = appointmentTemplate.Execute(w, v)
}

func (h *appointmentPage) serve(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v := appointmentView{OfficePhone: h.p.OfficePhone}
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
		if err := r.ParseForm(); err != nil {
			v.State = "invalid"
			h.render(w, http.StatusBadRequest, v)
			return
		}
	}
	v.Token = r.FormValue("t")
	id, err := h.p.Links.Open(ctx, v.Token)
	if err != nil {
		v.State, v.Token = "invalid", ""
		status := http.StatusNotFound
		if h.p.IsExpired != nil && h.p.IsExpired(err) {
			v.State, status = "expired", http.StatusGone
		}
		h.render(w, status, v)
		return
	}
	ap, err := h.p.Appointment(ctx, id)
	if errors.Is(err, rcm.ErrNotFound) {
		v.State, v.Token = "unavailable", ""
		h.render(w, http.StatusNotFound, v)
		return
	}
	if err != nil {
		h.s.log.ErrorContext(ctx, "appointment page: appointment", logging.Err(err))
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	action := ""
	if r.Method == http.MethodPost {
		action = r.PostFormValue("action")
	}
	a := rcm.Actor{SourceIP: h.s.clientIP(r), RequestID: logging.RequestID(ctx)}
	fields := []string{"starts_at", "location", "status"}
	if action != "" {
		fields = append(fields, "patient_reply")
	}
	if err := h.s.records.RecordAccess(ctx, a, rcm.AuditEntry{OrgID: ap.OrgID, PatientID: ap.PatientID, Action: map[bool]string{true: rcm.ActionUpdate, false: rcm.ActionRead}[action != ""],
		Resource: "appointment", ResourceID: ap.ID, Fields: fields}); err != nil {
		h.s.log.ErrorContext(ctx, "appointment page: audit", logging.Err(err))
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	v.When = ap.StartsAt.Format("Monday, January 2, 2006 at 3:04 PM")
	v.Location = ap.Location
	switch {
	case ap.Status == "cancelled":
		v.State = "cancelled"
	case ap.Status == "completed" || ap.Status == "no_show" || !ap.StartsAt.After(time.Now()):
		v.State = "past"
	case ap.Status == "confirmed":
		v.State = "confirmed"
	default:
		v.State = "open"
	}
	if action == "" || v.State == "cancelled" || v.State == "past" {
		h.render(w, http.StatusOK, v)
		return
	}
	var reply string
	switch action {
	case "confirm":
		reply = workflows.ReplyConfirm
	case "cancel":
		reply = workflows.ReplyCancel
	default:
		h.render(w, http.StatusBadRequest, v)
		return
	}
	// The reminder workflow takes the answer as it takes an SMS reply; the
	// message ID makes a resubmitted form count once.
	err = h.p.Temporal.SignalWorkflow(ctx, workflows.ReminderIDPrefix+ap.ID, "", workflows.SignalPatientReply,
		workflows.PatientReply{Ref: ap.ID, Action: reply, MessageID: "page:" + reply, Channel: "web"})
	if err != nil {
		h.s.log.WarnContext(ctx, "appointment page: signal", logging.Err(err))
		v.State, v.Token = "unavailable", ""
		h.render(w, http.StatusConflict, v)
		return
	}
	v.State = "sent-" + action
	h.render(w, http.StatusOK, v)
}
