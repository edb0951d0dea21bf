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

// ack returns the acknowledgment interchanges for body and whether they
// hold a TA1 and a 999.
func (r *AckResponder) ack(body []byte) (out []byte, hasTA1, has999 bool) {
	rep, err := edi.ValidateBytes(body, nil)
	r.mu.Lock()
	defer r.mu.Unlock()
	opts := edi.AckOptions{SenderQual: "ZZ", SenderID: r.ID, Control: r.ctl}
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
	var buf bytes.Buffer
	for _, ic := range ics {
		opts.Newline = "\n"
		if ic.Delims.Segment == '\n' || ic.Delims.Segment == '\r' {
			opts.Newline = ""
		}
		a := edi.Acknowledge(ic, opts)
		n := countSets(a)
		opts.Control = edi.Control{Interchange: opts.Control.Interchange + 1, Group: opts.Control.Group + len(a.Groups), Set: opts.Control.Set + n}
		hasTA1 = hasTA1 || len(a.TA1) > 0
		has999 = has999 || n > 0
		_ = edi.Write(&buf, a)
	}
	r.ctl = opts.Control
	return buf.Bytes(), hasTA1, has999
}

func countSets(ic *edi.Interchange) int {
	n := 0
	for _, g := range ic.Groups {
		n += len(g.Sets)
	}
	return n
}

// OnUpload answers with one acknowledgment file named after the upload:
// <base>[.ta1][.999].<time>.
func (r *AckResponder) OnUpload(_ context.Context, _, name string, body []byte) []OutboundFile {
	ack, hasTA1, has999 := r.ack(body)
	if len(ack) == 0 {
		return nil
	}
	n := strings.TrimSuffix(path.Base(name), path.Ext(name))
	if hasTA1 {
		n += ".ta1"
	}
	if has999 {
		n += ".999"
	}
	return []OutboundFile{{Name: n + "." + time.Now().UTC().Format("150405.000000"), Body: ack}}
}

// RealTime answers a request with its 999 acknowledgment (or a TA1 alone
// when the envelope cannot be read). The 271 and 277 answers come with the
// adjudicating responder.
func (r *AckResponder) RealTime(_ context.Context, payloadType string, body []byte) (RealTimeReply, error) {
	ack, _, has999 := r.ack(body)
	t := clearinghouse.PayloadType999
	if !has999 {
		t = clearinghouse.PayloadTypeTA1
	}
	return RealTimeReply{PayloadType: t, Payload: ack}, nil
}
