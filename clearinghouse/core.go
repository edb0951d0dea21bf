package clearinghouse

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"strings"
)

// CORE connectivity (CAQH CORE Phase II / vC2.2.0 style) envelope field
// values.
const (
	CORERuleVersion = "2.2.0"
	RealTime        = "RealTime"

	PayloadType270 = "X12_270_Request_005010X279A1"
	PayloadType271 = "X12_271_Response_005010X279A1"
	PayloadType276 = "X12_276_Request_005010X212"
	PayloadType277 = "X12_277_Response_005010X212"
	PayloadType999 = "X12_999_Response_005010X231A1"
	PayloadTypeTA1 = "X12_TA1_Response_00501X231A1"

	// Error codes of the envelope.
	CORESuccess              = "Success"
	COREPayloadIDRequired    = "PayloadIDRequired"
	COREVersionMismatch      = "VersionMismatch"
	COREPayloadTypeRequired  = "PayloadTypeRequired"
	COREProcessingModeBad    = "ProcessingModeNotSupported"
	CORESenderIDRequired     = "SenderIDRequired"
	COREReceiverIDRequired   = "ReceiverIDRequired"
	CORETimeStampRequired    = "TimeStampRequired"
	COREPayloadRequired      = "PayloadRequired"
	COREUnauthorized         = "UnAuthorized"
	CORERequestMalformed     = "RequestMalformed"
	COREServerError          = "ServerError"
	COREPayloadTypeIncorrect = "PayloadTypeIncorrect"
)

// Prior authorization (005010X217 Errata 1, as CORE names its payload
// types).
const (
	PayloadType278         = "X12_278_Request_005010X217E1_2"
	PayloadType278Response = "X12_278_Response_005010X217E1_2"
)

// COREEnvelope is one CORE connectivity message, request or response.
type COREEnvelope struct {
	PayloadType     string
	ProcessingMode  string
	PayloadID       string
	TimeStamp       string // RFC 3339 / ISO 8601
	SenderID        string
	ReceiverID      string
	CORERuleVersion string
	Payload         []byte
	// Responses only.
	ErrorCode    string
	ErrorMessage string
}

var coreFields = []string{"PayloadType", "ProcessingMode", "PayloadID", "TimeStamp", "SenderID", "ReceiverID", "CORERuleVersion", "Payload", "ErrorCode", "ErrorMessage"}

func (e *COREEnvelope) field(name string) *string {
	switch name {
	case "PayloadType":
		return &e.PayloadType
	case "ProcessingMode":
		return &e.ProcessingMode
	case "PayloadID":
		return &e.PayloadID
	case "TimeStamp":
		return &e.TimeStamp
	case "SenderID":
		return &e.SenderID
	case "ReceiverID":
		return &e.ReceiverID
	case "CORERuleVersion":
		return &e.CORERuleVersion
	case "ErrorCode":
		return &e.ErrorCode
	case "ErrorMessage":
		return &e.ErrorMessage
	}
	return nil
}

// Encode renders e as an HTTP MIME multipart (form-data) body and returns
// it with its Content-Type.
func (e *COREEnvelope) Encode() (body []byte, contentType string, err error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, name := range coreFields {
		var v []byte
		if name == "Payload" {
			if e.Payload == nil {
				continue
			}
			v = e.Payload
		} else if s := *e.field(name); s != "" {
			v = []byte(s)
		} else {
			continue
		}
		if err := w.WriteField(name, string(v)); err != nil {
			return nil, "", err
		}
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}

// maxEnvelope bounds a real-time message (real-time transactions are small).
const maxEnvelope = 16 << 20

// DecodeCOREEnvelope parses a multipart CORE message.
func DecodeCOREEnvelope(contentType string, body io.Reader) (*COREEnvelope, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || !strings.HasPrefix(mt, "multipart/") || params["boundary"] == "" {
		return nil, errors.New("core: not a MIME multipart message")
	}
	r := multipart.NewReader(io.LimitReader(body, maxEnvelope), params["boundary"])
	e := &COREEnvelope{}
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("core: %w", err)
		}
		v, err := io.ReadAll(p)
		if err != nil {
			return nil, fmt.Errorf("core: %w", err)
		}
		name := p.FormName()
		if name == "Payload" {
			e.Payload = v
		} else if f := e.field(name); f != nil {
			*f = string(v)
		}
	}
	return e, nil
}

// CheckRequest validates a request envelope and returns the CORE error
// code ("" when it is fine).
func (e *COREEnvelope) CheckRequest() (code, msg string) {
	switch {
	case e.PayloadID == "":
		return COREPayloadIDRequired, "PayloadID is required"
	case e.CORERuleVersion != CORERuleVersion:
		return COREVersionMismatch, "CORERuleVersion must be " + CORERuleVersion
	case e.PayloadType == "":
		return COREPayloadTypeRequired, "PayloadType is required"
	case e.ProcessingMode != RealTime:
		return COREProcessingModeBad, "ProcessingMode must be RealTime"
	case e.TimeStamp == "":
		return CORETimeStampRequired, "TimeStamp is required"
	case e.SenderID == "":
		return CORESenderIDRequired, "SenderID is required"
	case e.ReceiverID == "":
		return COREReceiverIDRequired, "ReceiverID is required"
	case len(e.Payload) == 0:
		return COREPayloadRequired, "Payload is required"
	}
	return "", ""
}
