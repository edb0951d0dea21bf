package fhirimport

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/claimflow/claimflow/rcm"
)

// SynthOptions shapes a synthetic practice: every name is clearly fake
// ("Testpatient Synth…"), member IDs and MRNs are sequence numbers.
type SynthOptions struct {
	Patients  int
	Providers int      // default 20
	PayerIDs  []string // payer IDs of the payer directory the coverages use
	// Prefix keeps source ids of two data sets apart (default "syn").
	Prefix string
	// Start is the first appointment day (default 2026-01-05, inside the
	// shipped ICD-10-CM year).
	Start time.Time
}

// SynthCounts is how many resources of each type Synthesize wrote.
type SynthCounts map[string]int

// Synthesize writes a Bulk Data style NDJSON data set into dir: payer
// Organizations, one Location, Practitioners with their PractitionerRoles,
// and per patient a Patient, a Coverage, an Appointment and an Encounter
// with one ChargeItem. Appointments never overlap per provider.
func Synthesize(dir string, o SynthOptions) (SynthCounts, error) {
	if o.Providers <= 0 {
		o.Providers = 20
	}
	if o.Prefix == "" {
		o.Prefix = "syn"
	}
	if o.Start.IsZero() {
		o.Start = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	}
	if len(o.PayerIDs) == 0 {
		return nil, fmt.Errorf("synthesize: no payer IDs")
	}
	w := &synthWriter{dir: dir, files: map[string]*os.File{}, bufs: map[string]*bufio.Writer{}, counts: SynthCounts{}}
	defer func() { _ = w.close() }() // the error is returned by the close below
	for _, p := range o.PayerIDs {
		w.put("Organization", map[string]any{"resourceType": "Organization", "id": o.Prefix + "-payer-" + p, "name": "Testpayer " + p,
			"identifier": []any{map[string]any{"value": p}}})
	}
	loc := o.Prefix + "-loc-1"
	w.put("Location", map[string]any{"resourceType": "Location", "id": loc, "name": "Test Clinic",
		"type": []any{map[string]any{"coding": []any{map[string]any{"system": SystemPOS, "code": "11"}}}}})
	for i := 0; i < o.Providers; i++ {
		id := fmt.Sprintf("%s-pr-%d", o.Prefix, i)
		w.put("Practitioner", map[string]any{"resourceType": "Practitioner", "id": id,
			"identifier": []any{map[string]any{"system": SystemNPI, "value": SynthNPI(o.Prefix, i)}},
			"name":       []any{map[string]any{"family": "Testdoctor" + letters(i), "given": []string{"Synth"}, "suffix": []string{"MD"}}}})
		w.put("PractitionerRole", map[string]any{"resourceType": "PractitionerRole", "id": id + "-role",
			"practitioner": map[string]any{"reference": "Practitioner/" + id},
			"specialty":    []any{map[string]any{"coding": []any{map[string]any{"system": SystemNUCC, "code": "207Q00000X"}}}}})
	}
	codes := []string{"99213", "99214", "99203", "G0439"}
	dx := []string{"E119", "I10", "J069", "Z0000"}
	for i := 0; i < o.Patients; i++ {
		pid := fmt.Sprintf("%s-pt-%d", o.Prefix, i)
		w.put("Patient", map[string]any{"resourceType": "Patient", "id": pid,
			"identifier": []any{map[string]any{"type": map[string]any{"coding": []any{map[string]any{"system": SystemV2_0203, "code": "MR"}}},
				"value": fmt.Sprintf("%s-MRN%07d", o.Prefix, i)}},
			"name":      []any{map[string]any{"use": "official", "family": "Synth" + letters(i), "given": []string{"Testpatient"}}},
			"gender":    []string{"female", "male"}[i%2],
			"birthDate": time.Date(1940+i%70, time.Month(1+i%12), 1+i%28, 0, 0, 0, 0, time.UTC).Format(time.DateOnly),
			"telecom":   []any{map[string]any{"system": "phone", "value": fmt.Sprintf("555-%04d", i%10000)}}})
		payer := o.PayerIDs[i%len(o.PayerIDs)]
		cov := pid + "-cov"
		w.put("Coverage", map[string]any{"resourceType": "Coverage", "id": cov, "status": "active",
			"beneficiary": map[string]any{"reference": "Patient/" + pid}, "subscriberId": fmt.Sprintf("M%s%08d", o.Prefix, i),
			"payor":        []any{map[string]any{"reference": "Organization/" + o.Prefix + "-payer-" + payer}},
			"relationship": map[string]any{"coding": []any{map[string]any{"system": SystemSubRel, "code": "self"}}}, "order": 1,
			"period": map[string]any{"start": "2025-01-01"}})
		prov := i % o.Providers
		slot := i / o.Providers // each provider's n-th slot: 16 half-hour slots a weekday
		day := o.Start.AddDate(0, 0, weekdays(slot/16))
		start := day.Add(time.Duration(8*60+30*(slot%16)) * time.Minute)
		appt := pid + "-appt"
		provRef := fmt.Sprintf("Practitioner/%s-pr-%d", o.Prefix, prov)
		w.put("Appointment", map[string]any{"resourceType": "Appointment", "id": appt, "status": "fulfilled",
			"appointmentType": map[string]any{"text": "office visit"},
			"start":           start.Format(time.RFC3339), "end": start.Add(30 * time.Minute).Format(time.RFC3339),
			"participant": []any{map[string]any{"actor": map[string]any{"reference": "Patient/" + pid}, "status": "accepted"},
				map[string]any{"actor": map[string]any{"reference": provRef}, "status": "accepted"}}})
		enc := pid + "-enc"
		w.put("Encounter", map[string]any{"resourceType": "Encounter", "id": enc, "status": "finished",
			"class":       map[string]any{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
			"subject":     map[string]any{"reference": "Patient/" + pid},
			"participant": []any{map[string]any{"individual": map[string]any{"reference": provRef}}},
			"appointment": []any{map[string]any{"reference": "Appointment/" + appt}},
			"period":      map[string]any{"start": start.Format(time.RFC3339)},
			"reasonCode":  []any{map[string]any{"coding": []any{map[string]any{"system": SystemICD10CM, "code": dx[i%len(dx)]}}}},
			"location":    []any{map[string]any{"location": map[string]any{"reference": "Location/" + loc}}}})
		w.put("ChargeItem", map[string]any{"resourceType": "ChargeItem", "id": enc + "-ch1", "status": "billable",
			"code":          map[string]any{"coding": []any{map[string]any{"system": SystemCPT, "code": codes[i%len(codes)]}}},
			"subject":       map[string]any{"reference": "Patient/" + pid},
			"context":       map[string]any{"reference": "Encounter/" + enc},
			"quantity":      map[string]any{"value": 1},
			"priceOverride": map[string]any{"value": 125.5, "currency": "USD"}})
		if w.err != nil {
			return w.counts, w.err
		}
	}
	return w.counts, w.close()
}

// weekdays turns a count of working days into calendar days (Mon–Fri).
func weekdays(n int) int { return n/5*7 + n%5 }

// letters spells n in the letters a–z (clearly not a real name).
func letters(n int) string {
	s := ""
	for {
		s = string(rune('a'+n%26)) + s
		n /= 26
		if n == 0 {
			return s
		}
	}
}

// SynthNPI makes a valid NPI (Luhn over 80840) for provider i of a data set.
func SynthNPI(prefix string, i int) string {
	base := 100000000 + (len(prefix)*7919+i)%800000000
	for d := 0; d < 10; d++ {
		npi := strconv.Itoa(base) + strconv.Itoa(d)
		if rcm.ValidNPI(npi) {
			return npi
		}
	}
	return ""
}

type synthWriter struct {
	dir    string
	files  map[string]*os.File
	bufs   map[string]*bufio.Writer
	counts SynthCounts
	err    error
}

func (w *synthWriter) put(typ string, v map[string]any) {
	if w.err != nil {
		return
	}
	b, ok := w.bufs[typ]
	if !ok {
		f, err := os.Create(filepath.Join(w.dir, typ+".ndjson"))
		if err != nil {
			w.err = err
			return
		}
		w.files[typ], b = f, bufio.NewWriterSize(f, 1<<16)
		w.bufs[typ] = b
	}
	line, err := json.Marshal(v)
	if err == nil {
		_, err = b.Write(append(line, '\n'))
	}
	if err != nil {
		w.err = err
	}
	w.counts[typ]++
}

func (w *synthWriter) close() error {
	for typ, b := range w.bufs {
		if err := b.Flush(); err != nil && w.err == nil {
			w.err = err
		}
		if err := w.files[typ].Close(); err != nil && w.err == nil {
			w.err = err
		}
		delete(w.bufs, typ)
	}
	return w.err
}
