package sim

import (
	"bytes"
	"context"
	"errors"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/claimflow/claimflow/clearinghouse"
	"github.com/claimflow/claimflow/edi"
)

// OutboundFile is a file the clearinghouse leaves for the submitter.
type OutboundFile struct {
	Name string
	Body []byte
}

// RealTimeReply is the answer to a real-time request.
type RealTimeReply struct {
	PayloadType string
	Payload     []byte
}

// Responder produces the clearinghouse's answers. The server handles
// transport, fault injection and idempotency; the Responder only decides
// content.
type Responder interface {
	// OnUpload answers a file a user uploaded.
	OnUpload(ctx context.Context, user, name string, body []byte) []OutboundFile
	// RealTime answers a CORE real-time request.
	RealTime(ctx context.Context, payloadType string, body []byte) (RealTimeReply, error)
}

// AckResponder answers with acknowledgments only: a TA1 when the
// interchange envelope is broken (or a TA1 was requested) and a 999 for
// every functional group, both from the edi package's validator. It does
// not produce 277CA, 835 or 271 content; those come with the adjudicating
// responder.
type AckResponder struct {
	// ID is the clearinghouse's interchange ID (ISA06 of the answers).
	ID string

	mu  sync.Mutex
	ctl edi.Control
}

func (r *AckResponder) ack(body []byte) []byte {
	rep, err := edi.ValidateBytes(body, nil)
	r.mu.Lock()
	defer r.mu.Unlock()
	opts := edi.AckOptions{SenderQual: "ZZ", SenderID: r.ID, Newline: "\n", Control: r.ctl}
	if opts.SenderID == "" {
		opts.SenderID = "CLAIMFLOWSIM"
	}
	var ics []*edi.InterchangeResult
	if rep != nil {
		ics = rep.Interchanges
	}
	if len(ics) == 0 {
		// No readable ISA at all: answer with a TA1 for an unknown
		// interchange, carrying the reader's note code.
		ic := &edi.InterchangeResult{}
		if rep != nil {
			ic.Errors = rep.Errors
		}
		var se *edi.SyntaxError
		if len(ic.Errors) == 0 && errors.As(err, &se) {
			ic.Errors = []*edi.Error{{Kind: edi.KindTA1, Code: se.TA1}}
		}
		if len(ic.Errors) == 0 {
			ic.Errors = []*edi.Error{{Kind: edi.KindTA1, Code: "022"}}
		}
		ics = []*edi.InterchangeResult{ic}
	}
	var out bytes.Buffer
	for _, ic := range ics {
		a := edi.Acknowledge(ic, opts)
		opts.Control = edi.Control{Interchange: opts.Control.Interchange + 1, Group: opts.Control.Group + len(a.Groups), Set: opts.Control.Set + countSets(a)}
		_ = edi.Write(&out, a)
	}
	r.ctl = opts.Control
	return out.Bytes()
}

func countSets(ic *edi.Interchange) int {
	n := 0
	for _, g := range ic.Groups {
		n += len(g.Sets)
	}
	return n
}

// OnUpload answers with one acknowledgment file named after the upload.
func (r *AckResponder) OnUpload(_ context.Context, _, name string, body []byte) []OutboundFile {
	base := strings.TrimSuffix(path.Base(name), path.Ext(name))
	kind := "999"
	if ack := r.ack(body); len(ack) > 0 {
		if !bytes.Contains(ack, []byte("ST*999")) && !containsSet(ack, "999") {
			kind = "ta1"
		}
		return []OutboundFile{{Name: base + "." + kind + "." + time.Now().UTC().Format("150405.000000"), Body: ack}}
	}
	return nil
}

func containsSet(ack []byte, set string) bool {
	rep, err := edi.ValidateBytes(ack, &edi.Options{SkipBalancing: true})
	if err != nil || rep == nil {
		return false
	}
	for _, ic := range rep.Interchanges {
		for _, g := range ic.Groups {
			for _, s := range g.Sets {
				if s.ST.El(1) == set {
					return true
				}
			}
		}
	}
	return false
}

// RealTime answers a request with its 999 acknowledgment (or TA1); the
// 271 and 277 answers come with the adjudicating responder.
func (r *AckResponder) RealTime(_ context.Context, payloadType string, body []byte) (RealTimeReply, error) {
	ack := r.ack(body)
	t := clearinghouse.PayloadType999
	if !containsSet(ack, "999") {
		t = clearinghouse.PayloadTypeTA1
	}
	return RealTimeReply{PayloadType: t, Payload: ack}, nil
}
