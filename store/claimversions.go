package store

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store/internal/pgq"
)

// Claim versions (00147): staff edits of a claim's coding, member ID and
// rendering provider. Version 0 is the encounter, its charges and the
// coverage as created; each edit stores the whole next version sealed
// under its own data key. GetClaimBundle (and so every 837 built) reads
// the latest.

// sealedVersion is the part of a version that is sealed (PHI: diagnoses
// and the member ID, with the lines they belong to).
type sealedVersion struct {
	Diagnoses []string     `json:"diagnoses"`
	Charges   []rcm.Charge `json:"charges"`
	MemberID  string       `json:"member_id"`
}

func versionSealer(dk DataKey, claimID string, version int32) sealer {
	return sealer{dk, "claim_versions", claimID + "/" + strconv.Itoa(int(version))}
}

// openVersion unseals a stored version.
func (s *Store) openVersion(ctx context.Context, claimID string, version int32, dek, data []byte) (sealedVersion, error) {
	var sv sealedVersion
	dk, err := s.keys.DataKey(ctx, dek)
	if err != nil {
		return sv, err
	}
	raw, err := versionSealer(dk, claimID, version).open("data", data)
	if err != nil {
		return sv, err
	}
	return sv, json.Unmarshal([]byte(raw), &sv)
}

// latestVersion is the claim's latest stored edit (ok false when none).
func (s *Store) latestVersion(ctx context.Context, tx pgx.Tx, claimID string) (rcm.ClaimVersion, bool, error) {
	r, err := pgq.New(tx).LatestClaimVersion(ctx, claimID)
	if errors.Is(err, pgx.ErrNoRows) {
		return rcm.ClaimVersion{}, false, nil
	}
	if err != nil {
		return rcm.ClaimVersion{}, false, err
	}
	sv, err := s.openVersion(ctx, r.ClaimID, r.Version, r.Dek, r.Data)
	if err != nil {
		return rcm.ClaimVersion{}, false, err
	}
	return rcm.ClaimVersion{ClaimID: r.ClaimID, Version: int(r.Version), Diagnoses: sv.Diagnoses, Charges: sv.Charges,
		MemberID: sv.MemberID, RenderingProviderID: r.ProviderID, TotalCents: r.TotalCents, EditedBy: r.EditedBy,
		Note: r.Note, CreatedAt: r.CreatedAt}, true, nil
}

// originalVersion is version 0: the encounter, its charges and the
// coverage's member ID.
func (s *Store) originalVersion(ctx context.Context, tx pgx.Tx, c Claim) (rcm.ClaimVersion, error) {
	enc, err := getEncounter(ctx, tx, c.EncounterID)
	if err != nil {
		return rcm.ClaimVersion{}, err
	}
	if err := loadCharges(ctx, tx, &enc); err != nil {
		return rcm.ClaimVersion{}, err
	}
	cov, err := s.getCoverage(ctx, tx, c.CoverageID)
	if err != nil {
		return rcm.ClaimVersion{}, err
	}
	v := rcm.ClaimVersion{ClaimID: c.ID, Diagnoses: enc.Diagnoses, Charges: enc.Charges, MemberID: cov.MemberID,
		RenderingProviderID: enc.ProviderID, CreatedAt: c.CreatedAt}
	for _, ch := range enc.Charges {
		v.TotalCents += ch.AmountCents
	}
	return v, nil
}

// currentVersion is the claim's data now: its latest edit, else version 0.
func (s *Store) currentVersion(ctx context.Context, tx pgx.Tx, c Claim) (rcm.ClaimVersion, error) {
	v, ok, err := s.latestVersion(ctx, tx, c.ID)
	if err != nil || ok {
		return v, err
	}
	return s.originalVersion(ctx, tx, c)
}

// EditClaim stores a staff edit as the claim's next version. The claim
// must wait for a correction (rcm.CorrectableStatuses), else the answer
// wraps ErrConflict; an invalid edit is a *ValidationError naming the
// fields. The claim's total and rendering provider follow the edit; its
// status is the workflow's and is not touched. The edit is audited with
// the acting user and the changed fields (never their values).
func (s *Store) EditClaim(ctx context.Context, a Actor, claimID string, e rcm.ClaimEdit) (rcm.ClaimVersion, error) {
	var next rcm.ClaimVersion
	if !validID(claimID) {
		return next, ErrNotFound
	}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		q := pgq.New(tx)
		lk, err := q.LockClaimForEdit(ctx, claimID)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		c, err := getClaim(ctx, tx, claimID)
		if err != nil {
			return err
		}
		if err := requireScope(ctx, tx, a, PermClaimWrite, c.OrgID); err != nil {
			return err
		}
		if st := rcm.ClaimStatus(lk.Status); !st.Correctable() {
			return &rcm.NotCorrectableError{Status: st}
		}
		cur, err := s.currentVersion(ctx, tx, c)
		if err != nil {
			return err
		}
		if err := e.Validate(cur); err != nil {
			return err
		}
		if e.RenderingProviderID != "" {
			p, err := getProvider(ctx, tx, e.RenderingProviderID)
			if errors.Is(err, ErrNotFound) || (err == nil && p.OrgID != c.OrgID) {
				return (&rcm.Problems{{Pointer: "/rendering_provider_id", Detail: "is not a provider of the claim's organisation"}}).Err()
			}
			if err != nil {
				return err
			}
			if !rcm.ValidNPI(p.NPI) {
				return (&rcm.Problems{{Pointer: "/rendering_provider_id", Detail: "the provider's NPI fails its check digit"}}).Err()
			}
		}
		next = e.Apply(cur)
		next.Version = int(lk.Version) + 1
		dk, wrapped, err := s.keys.NewDataKey(ctx)
		if err != nil {
			return err
		}
		raw, err := json.Marshal(sealedVersion{Diagnoses: next.Diagnoses, Charges: next.Charges, MemberID: next.MemberID})
		if err != nil {
			return err
		}
		var by *string
		if a.UserID != "" {
			by = &a.UserID
		}
		if err := q.InsertClaimVersion(ctx, pgq.InsertClaimVersionParams{ClaimID: c.ID, Version: int32(next.Version), OrgID: c.OrgID,
			ProviderID: next.RenderingProviderID, TotalCents: next.TotalCents, Dek: wrapped,
			Data: versionSealer(dk, c.ID, int32(next.Version)).seal("data", string(raw)), EditedBy: by, Note: e.Note}); err != nil {
			return err
		}
		if err := q.SetClaimEditTotal(ctx, pgq.SetClaimEditTotalParams{TotalCents: next.TotalCents, ProviderID: next.RenderingProviderID, ID: c.ID}); err != nil {
			return err
		}
		next.EditedBy = a.UserID
		var fields []string
		for _, f := range []struct {
			name    string
			changed bool
		}{{"diagnoses", e.Diagnoses != nil}, {"charges", e.Charges != nil}, {"member_id", e.MemberID != ""}, {"rendering_provider_id", e.RenderingProviderID != ""}} {
			if f.changed {
				fields = append(fields, f.name)
			}
		}
		return s.audit(ctx, tx, a, AuditEntry{OrgID: c.OrgID, PatientID: c.PatientID, Action: ActionUpdate, Resource: "claim_version",
			ResourceID: c.ID + "/" + strconv.Itoa(next.Version), Fields: fields})
	})
	return next, err
}

// ListClaimVersions lists a claim's versions, the original (version 0)
// first, each edit with its editor's display name and note. The read is
// audited.
func (s *Store) ListClaimVersions(ctx context.Context, a Actor, claimID string) ([]rcm.ClaimVersion, error) {
	var out []rcm.ClaimVersion
	if !validID(claimID) {
		return nil, ErrNotFound
	}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		c, err := getClaim(ctx, tx, claimID)
		if err != nil {
			return err
		}
		if err := requireScope(ctx, tx, a, PermClaimRead, c.OrgID); err != nil {
			return err
		}
		v0, err := s.originalVersion(ctx, tx, c)
		if err != nil {
			return err
		}
		out = append(out, v0)
		rows, err := pgq.New(tx).ListClaimVersions(ctx, c.ID)
		if err != nil {
			return err
		}
		for _, r := range rows {
			sv, err := s.openVersion(ctx, r.ClaimID, r.Version, r.Dek, r.Data)
			if err != nil {
				return err
			}
			out = append(out, rcm.ClaimVersion{ClaimID: r.ClaimID, Version: int(r.Version), Diagnoses: sv.Diagnoses, Charges: sv.Charges,
				MemberID: sv.MemberID, RenderingProviderID: r.ProviderID, TotalCents: r.TotalCents, EditedBy: r.EditedBy,
				EditedByName: r.EditedByName, Note: r.Note, CreatedAt: r.CreatedAt})
		}
		// Member IDs and diagnoses are the patient's: shown only with
		// patient:read at the claim's organisation, and audited as read.
		fields := []string{"diagnoses", "charges", "member_id"}
		phi, err := inScope(ctx, tx, a, PermPatientRead, c.OrgID)
		if err != nil {
			return err
		}
		if !phi {
			for i := range out {
				out[i].MaskPHI()
			}
			fields = []string{"charges"}
		}
		return s.audit(ctx, tx, a, AuditEntry{OrgID: c.OrgID, PatientID: c.PatientID, Action: ActionRead, Resource: "claim_versions",
			ResourceID: c.ID, Fields: fields})
	})
	return out, err
}

// applyLatestVersion overlays the claim's latest edit on its bundle.
func (s *Store) applyLatestVersion(ctx context.Context, tx pgx.Tx, b *ClaimBundle) error {
	v, ok, err := s.latestVersion(ctx, tx, b.Claim.ID)
	if err != nil || !ok {
		return err
	}
	b.Encounter.Diagnoses, b.Encounter.Charges = v.Diagnoses, v.Charges
	b.Coverage.MemberID = v.MemberID
	b.Claim.TotalCents = v.TotalCents
	if v.RenderingProviderID != b.Provider.ID {
		if b.Provider, err = getProvider(ctx, tx, v.RenderingProviderID); err != nil {
			return err
		}
	}
	return nil
}
