package store

import (
	"bytes"
	"context"
	"crypto/hmac"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/store/internal/pgq"
)

// The checks VerifyAudit makes; a report names each that failed.
const (
	// CheckHashChain: every row's hash covers its content and the previous
	// row's hash, sequences have no gaps, and each head names its chain's
	// last row.
	CheckHashChain = "hash-chain"
	// CheckHeadMAC: all chains have a head, and each head carries a MAC
	// under the keyring's key (a rewound or forged head does not).
	CheckHeadMAC = "head-mac"
	// CheckCheckpoint: the log still reaches, with the same hashes, every
	// chain's row in the last signed checkpoint exported to the archive
	// (truncation, tail deletion and chain deletion leave it short).
	CheckCheckpoint = "checkpoint"
)

// Key domains of the audit MACs (derived from the keyring's index key).
const (
	auditHeadDomain       = "audit-head"
	auditCheckpointDomain = "audit-checkpoint"
)

// headMAC authenticates a chain head: (chain, seq, hash).
func (s *Store) headMAC(chain int, seq int64, hash []byte) []byte {
	return s.keys.BlindIndex(auditHeadDomain, "head/v1\x1f"+strconv.Itoa(chain)+"\x1f"+strconv.FormatInt(seq, 10)+"\x1f"+hex.EncodeToString(hash))
}

var genesisHash = make([]byte, 32)

// AuditReport is the result of VerifyAudit.
type AuditReport struct {
	Rows   int64 `json:"rows"`
	Chains int   `json:"chains"`
	OK     bool  `json:"ok"`
	// Checks names every check made, Failed those that failed (CheckHashChain,
	// CheckHeadMAC, CheckCheckpoint).
	Checks []string `json:"checks"`
	Failed []string `json:"failed,omitempty"`
	// Checkpoint is the time of the checkpoint verified against, if any.
	Checkpoint *time.Time `json:"checkpoint,omitempty"`
	// Problems says what is wrong, each prefixed by its check's name.
	Problems []string `json:"problems,omitempty"`
}

func (r *AuditReport) problem(check, format string, args ...any) {
	r.Problems = append(r.Problems, check+": "+fmt.Sprintf(format, args...))
	if !slices.Contains(r.Failed, check) {
		r.Failed = append(r.Failed, check)
	}
}

// AuditCheckpoint is a signed record of every chain head at one moment,
// exported to the archive on a schedule. Hashes are hex; MAC is a keyed MAC
// (under a key the keyring holds) over all of it.
type AuditCheckpoint struct {
	Version int              `json:"version"`
	At      time.Time        `json:"at"`
	Heads   []CheckpointHead `json:"heads"`
	MAC     string           `json:"mac"`
}

// CheckpointHead is one chain's head in a checkpoint.
type CheckpointHead struct {
	Chain int    `json:"chain"`
	Seq   int64  `json:"seq"`
	Hash  string `json:"hash"`
}

func (c AuditCheckpoint) canonical() string {
	var b strings.Builder
	b.WriteString("checkpoint/v" + strconv.Itoa(c.Version) + "\x1f" + c.At.UTC().Format(time.RFC3339Nano))
	for _, h := range c.Heads {
		b.WriteString("\x1e" + strconv.Itoa(h.Chain) + "\x1f" + strconv.FormatInt(h.Seq, 10) + "\x1f" + h.Hash)
	}
	return b.String()
}

func (s *Store) checkpointMAC(c AuditCheckpoint) []byte {
	return s.keys.BlindIndex(auditCheckpointDomain, c.canonical())
}

// ErrCheckpointMAC is returned by VerifyCheckpoint for a checkpoint that was
// not signed with this keyring's key, or was altered.
var ErrCheckpointMAC = errors.New("store: audit checkpoint is not authentic")

// VerifyCheckpoint checks a checkpoint's MAC.
func (s *Store) VerifyCheckpoint(c AuditCheckpoint) error {
	want, err := hex.DecodeString(c.MAC)
	if err != nil || c.Version != 1 || !hmac.Equal(want, s.checkpointMAC(c)) {
		return ErrCheckpointMAC
	}
	return nil
}

type auditHeadRow struct {
	seq  int64
	hash []byte
	mac  []byte
}

func readHeads(ctx context.Context, tx pgx.Tx) (map[int]auditHeadRow, error) {
	rows, err := pgq.New(tx).GetAuditHeads(ctx)
	if err != nil {
		return nil, err
	}
	heads := map[int]auditHeadRow{}
	for _, r := range rows {
		heads[int(r.Chain)] = auditHeadRow{seq: r.Seq, hash: r.Hash, mac: r.Mac}
	}
	return heads, nil
}

// headOK reports whether a head carries its MAC (or is an untouched
// genesis head: seq 0, zero hash, no MAC yet).
func (s *Store) headOK(chain int, h auditHeadRow) bool {
	if h.mac == nil {
		return h.seq == 0 && bytes.Equal(h.hash, genesisHash)
	}
	return hmac.Equal(h.mac, s.headMAC(chain, h.seq, h.hash))
}

// NewAuditCheckpoint records every chain head now, after checking each
// head's MAC (a checkpoint must not bless a forged head), and signs it.
func (s *Store) NewAuditCheckpoint(ctx context.Context) (AuditCheckpoint, error) {
	c := AuditCheckpoint{Version: 1, At: time.Now().UTC().Truncate(time.Microsecond)}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		heads, err := readHeads(ctx, tx)
		if err != nil {
			return err
		}
		for chain := 0; chain < auditChains; chain++ {
			h, ok := heads[chain]
			if !ok {
				return fmt.Errorf("store: audit chain %d has no head: run claimflow audit verify", chain)
			}
			if !s.headOK(chain, h) {
				return fmt.Errorf("store: audit chain %d head fails its MAC: run claimflow audit verify", chain)
			}
			c.Heads = append(c.Heads, CheckpointHead{Chain: chain, Seq: h.seq, Hash: hex.EncodeToString(h.hash)})
		}
		return nil
	})
	if err != nil {
		return AuditCheckpoint{}, err
	}
	c.MAC = hex.EncodeToString(s.checkpointMAC(c))
	return c, nil
}

// VerifyAudit is VerifyAuditAgainst without a checkpoint.
func (s *Store) VerifyAudit(ctx context.Context) (AuditReport, error) {
	return s.VerifyAuditAgainst(ctx, nil)
}

// VerifyAuditAgainst walks every chain and reports, by check: rows whose
// content or link does not match (altered), gaps in a chain's sequence
// (deleted rows), rows of unknown chains and heads that do not name their
// chain's last row (CheckHashChain); missing heads and heads whose MAC does
// not match, such as a head rewound after deleting the tail (CheckHeadMAC);
// and, given a checkpoint (whose MAC the caller verified), chains that no
// longer reach their checkpointed row with its hash (CheckCheckpoint:
// truncation, tail or chain deletion since). It needs the keys that wrote
// the log.
func (s *Store) VerifyAuditAgainst(ctx context.Context, cp *AuditCheckpoint) (AuditReport, error) {
	r := AuditReport{Checks: []string{CheckHashChain, CheckHeadMAC}}
	if cp != nil {
		r.Checks = append(r.Checks, CheckCheckpoint)
		at := cp.At
		r.Checkpoint = &at
	}
	err := pgx.BeginTxFunc(ctx, s.Pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		heads, err := readHeads(ctx, tx)
		if err != nil {
			return err
		}
		r.Chains = len(heads)
		tails, err := s.walkChains(ctx, tx, heads, &r)
		if err != nil {
			return err
		}
		chains := make([]int, 0, len(heads))
		for c := range heads {
			chains = append(chains, c)
		}
		slices.Sort(chains)
		for _, c := range chains {
			h, t := heads[c], tails[c]
			if t.hash == nil {
				t.hash = genesisHash
			}
			if t.seq != h.seq || !bytes.Equal(t.hash, h.hash) {
				r.problem(CheckHashChain, "chain %d ends at row %d but its head records row %d", c, t.seq, h.seq)
			}
			switch {
			case c < 0 || c >= auditChains:
				r.problem(CheckHeadMAC, "head of chain %d is not one of the %d chains", c, auditChains)
			case !s.headOK(c, h):
				r.problem(CheckHeadMAC, "head of chain %d (row %d) is not authentic: it was rewound, reset or forged", c, h.seq)
			}
		}
		for c := 0; c < auditChains; c++ {
			if _, ok := heads[c]; !ok {
				r.problem(CheckHeadMAC, "chain %d has no head: the chain was deleted", c)
			}
		}
		if cp != nil {
			return s.checkAgainst(ctx, tx, *cp, heads, &r)
		}
		return nil
	})
	r.OK = err == nil && len(r.Problems) == 0
	return r, err
}

type chainTail struct {
	seq  int64
	hash []byte
}

// walkChains checks every row's hash and link (CheckHashChain) and returns
// each chain's last row.
func (s *Store) walkChains(ctx context.Context, tx pgx.Tx, heads map[int]auditHeadRow, r *AuditReport) (map[int]chainTail, error) {
	tails := map[int]chainTail{}
	rows, err := tx.Query(ctx, q("ScanAudit"))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var e AuditEntry
		var prevHash, hash []byte
		var chain int
		if err := rows.Scan(&e.Seq, &e.At, &e.ActorID, &e.OrgID, &e.PatientID, &e.Action, &e.Resource,
			&e.ResourceID, &e.Fields, &e.SourceIP, &e.RequestID, &prevHash, &hash, &chain); err != nil {
			return nil, err
		}
		r.Rows++
		if _, ok := heads[chain]; !ok {
			r.problem(CheckHashChain, "chain %d row %d belongs to no chain", chain, e.Seq)
			continue
		}
		t, seen := tails[chain]
		if !seen {
			t.hash = genesisHash
		}
		if e.Seq != t.seq+1 {
			r.problem(CheckHashChain, "chain %d rows %d to %d are missing", chain, t.seq+1, e.Seq-1)
		}
		if !bytes.Equal(prevHash, t.hash) {
			r.problem(CheckHashChain, "chain %d row %d does not link to the row before it", chain, e.Seq)
		}
		if !bytes.Equal(s.chainHash(prevHash, e), hash) {
			r.problem(CheckHashChain, "chain %d row %d was altered", chain, e.Seq)
		}
		tails[chain] = chainTail{e.Seq, hash}
	}
	return tails, rows.Err()
}

// checkAgainst compares the log with a checkpoint: every chain must still
// hold the checkpointed row with the checkpointed hash (the hash chain
// check proves the rows before it).
func (s *Store) checkAgainst(ctx context.Context, tx pgx.Tx, cp AuditCheckpoint, heads map[int]auditHeadRow, r *AuditReport) error {
	when := cp.At.UTC().Format(time.RFC3339)
	for _, ch := range cp.Heads {
		want, err := hex.DecodeString(ch.Hash)
		if err != nil {
			return fmt.Errorf("store: checkpoint hash of chain %d: %w", ch.Chain, err)
		}
		h, ok := heads[ch.Chain]
		if !ok {
			r.problem(CheckCheckpoint, "chain %d reached row %d at the checkpoint of %s but no longer exists", ch.Chain, ch.Seq, when)
			continue
		}
		if h.seq < ch.Seq {
			r.problem(CheckCheckpoint, "chain %d reached row %d at the checkpoint of %s but now ends at row %d: rows were deleted or the log truncated", ch.Chain, ch.Seq, when, h.seq)
			continue
		}
		if ch.Seq == 0 {
			continue
		}
		got, err := pgq.New(tx).GetAuditRowHash(ctx, pgq.GetAuditRowHashParams{Chain: int32(ch.Chain), Seq: ch.Seq})
		if errors.Is(err, pgx.ErrNoRows) {
			r.problem(CheckCheckpoint, "chain %d row %d of the checkpoint of %s is missing", ch.Chain, ch.Seq, when)
			continue
		}
		if err != nil {
			return err
		}
		if !bytes.Equal(got, want) {
			r.problem(CheckCheckpoint, "chain %d row %d differs from the checkpoint of %s: the chain was rewritten", ch.Chain, ch.Seq, when)
		}
	}
	return nil
}
