package rcm

// StoredResponse is the response replayed for a repeated idempotency key.
// PatientID and OrgID name whose record it discloses (when it does), so a
// replay is audited like the original read.
type StoredResponse struct {
	Status    int
	Body      []byte
	PatientID string
	OrgID     string
}
