package api

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/claimflow/claimflow/rcm"
)

// The payer directory (issue 19): shared reference data (payer IDs per
// clearinghouse, supported transactions, enrollment requirements),
// searched by anyone who may read payers, and the payers staff make from
// its entries.

// PayerDirectory is the store's payer directory.
type PayerDirectory interface {
	SearchPayerDirectory(ctx context.Context, q rcm.DirectoryQuery) ([]rcm.DirectoryEntry, error)
	GetPayerDirectoryEntry(ctx context.Context, id string) (rcm.DirectoryEntry, error)
	CreatePayerFromDirectory(ctx context.Context, a rcm.Actor, entryID string, in rcm.DirectoryPayerNew) (rcm.DirectoryPayer, error)
	PayerDirectoryLink(ctx context.Context, a rcm.Actor, payerID string) (rcm.DirectoryPayer, error)
}

// DirectoryList answers GET /v1/payer-directory.
type DirectoryList struct {
	Items []rcm.DirectoryEntry `json:"items"`
	// Transactions are the values the transaction filter names.
	Transactions []string `json:"transactions"`
}

// directoryQuery reads GET /v1/payer-directory's parameters, naming each
// bad one.
func directoryQuery(r *http.Request) (rcm.DirectoryQuery, error) {
	q := &queryReader{r: r}
	names := slices.Sorted(maps.Keys(r.URL.Query()))
	for _, name := range names {
		switch name {
		case "q", "transaction", "clearinghouse", "limit":
		default:
			q.add(name, "is not a parameter of this route (q, transaction, clearinghouse, limit)")
		}
	}
	out := rcm.DirectoryQuery{Q: q.str("q"), Transaction: q.str("transaction"), Clearinghouse: q.str("clearinghouse")}
	if utf8.RuneCountInString(out.Q) > rcm.MaxDirectoryQuery {
		q.add("q", "must be at most 100 characters")
	}
	if out.Transaction != "" && rcm.DirectoryTransactions(out.Transaction) == nil {
		q.add("transaction", "must be one of "+strings.Join(rcm.DirTransactions, ", ")+" (or 270, 271, 276, 277, 837)")
	}
	if len(out.Clearinghouse) > 80 {
		q.add("clearinghouse", "must be at most 80 characters")
	}
	if v := q.str("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			q.add("limit", "must be 1 to 100")
		}
		out.Limit = n
	}
	return out, q.err()
}

// mountDirectory adds the payer directory endpoints to the /v1 group.
func (s *Server) mountDirectory(r chi.Router) {
	r.Get("/v1/payer-directory", s.handle(rcm.PermPayerRead, func(r *http.Request, a rcm.Actor) (int, any, error) {
		q, err := directoryQuery(r)
		if err != nil {
			return 0, nil, err
		}
		items, err := s.records.SearchPayerDirectory(r.Context(), q)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, DirectoryList{Items: items, Transactions: rcm.DirTransactions}, nil
	}))
	r.Get("/v1/payer-directory/{entry}", s.handle(rcm.PermPayerRead, func(r *http.Request, a rcm.Actor) (int, any, error) {
		return one[rcm.DirectoryEntry](http.StatusOK)(s.records.GetPayerDirectoryEntry(r.Context(), chi.URLParam(r, "entry")))
	}))
	// A payer made from an entry: its payer ID is the entry's at the
	// clearinghouse chosen (one this installation is configured with).
	r.Post("/v1/payer-directory/{entry}/payers", s.handle(rcm.PermPayerWrite, func(r *http.Request, a rcm.Actor) (int, any, error) {
		var in rcm.DirectoryPayerNew
		if err := decode(r, &in); err != nil {
			return 0, nil, err
		}
		if in.Clearinghouse == "" {
			return 0, nil, &rcm.ValidationError{Fields: []rcm.FieldProblem{{Pointer: "/clearinghouse", Detail: "is required: the clearinghouse the payer is routed through"}}}
		}
		if err := s.checkClearinghouse(in.Clearinghouse); err != nil {
			return 0, nil, err
		}
		return one[rcm.DirectoryPayer](http.StatusCreated)(s.records.CreatePayerFromDirectory(r.Context(), a, chi.URLParam(r, "entry"), in))
	}))
	r.Get("/v1/payers/{id}/directory", s.handle(rcm.PermPayerRead, func(r *http.Request, a rcm.Actor) (int, any, error) {
		return one[rcm.DirectoryPayer](http.StatusOK)(s.records.PayerDirectoryLink(r.Context(), a, id(r)))
	}))
}
