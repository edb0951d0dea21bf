package api

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/claimflow/claimflow/rcm"
)

// The remittance work queue (paged, resolved) and the remittance view's
// live-update summary.

// RemittanceSummary counts visible remittances and open work items; its
// version changes whenever either does, and is the ETag for polling.
type RemittanceSummary struct {
	Remittances   int    `json:"remittances"`
	OpenWorkItems int    `json:"open_work_items"`
	Version       string `json:"version"`
}

// remitSummary answers 304 when the caller's If-None-Match is current, so
// the remittance page can poll it cheaply, as the worklist polls the claim
// summary.
func (h *dashboard) remitSummary(w http.ResponseWriter, r *http.Request) {
	h.s.handle(rcm.PermClaimRead, func(r *http.Request, a rcm.Actor) (int, any, error) {
		v, err := h.s.records.DashRemittanceVersion(r.Context(), a)
		if err != nil {
			return 0, nil, err
		}
		hash := sha256.Sum256([]byte(strconv.Itoa(v.Remittances) + ";" + strconv.Itoa(v.Reconciled) + ";" +
			strconv.Itoa(v.OpenWorkItems) + ";" + v.Latest.UTC().Format(time.RFC3339Nano)))
		sum := RemittanceSummary{Remittances: v.Remittances, OpenWorkItems: v.OpenWorkItems, Version: hex.EncodeToString(hash[:12])}
		return versioned(w, r, sum.Version, sum)
	}).ServeHTTP(&notModifiedWriter{ResponseWriter: w}, r)
}

// workQueue lists open work items of visible remittances, newest first,
// one page at a time.
func (h *dashboard) workQueue(r *http.Request, a rcm.Actor) (int, any, error) {
	q := &queryReader{r: r}
	p := q.page()
	if err := q.err(); err != nil {
		return 0, nil, err
	}
	return list(h.s.records.DashWorkQueuePage(r.Context(), a, p))
}

type resolveIn struct {
	Resolution string `json:"resolution"`
	Note       string `json:"note"`
}

// resolve records a person's resolution of a work item (claim:write where
// the remittance belongs; audited). A second resolution of the same item
// answers the first.
func (h *dashboard) resolve(r *http.Request, a rcm.Actor) (int, any, error) {
	itemID := id(r)
	var in resolveIn
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	out, _, err := h.s.records.ResolveWorkItem(r.Context(), a, itemID, rcm.WorkResolution{Resolution: in.Resolution, Note: in.Note})
	if errors.Is(err, rcm.ErrNoClaimWrite) {
		return 0, nil, &Error{Status: http.StatusForbidden, Code: "forbidden", Title: "Forbidden",
			Detail: "resolving needs the claim:write permission where the remittance belongs"}
	}
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, out, nil
}
