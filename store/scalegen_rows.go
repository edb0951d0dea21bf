package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// The rows of one generated tenant (scalegen.go).

type tenantGen struct {
	s      *Store
	size   ScaleSize
	now    time.Time
	i      int
	ids    ScaleTenantIDs
	rng    *rand.Rand
	tables map[string]*copyTable
	audits []AuditEntry

	facilities [][16]byte
	payers     []genPayer
	providers  [][]genProvider // per facility
	patients   []genPatient
	remits     map[[2]int]*genRemit
	batches    map[[2]int]*genBatch
	isa        int
}

type genPayer struct {
	id     [16]byte
	code   string
	billed int64
}

type genProvider struct{ id [16]byte }

type genPatient struct {
	id, coverage [16]byte
	facility     int
	payer        int
}

type genRemit struct {
	id    [16]byte
	payer int
	at    time.Time
	seq   int
	paid  int64
	trace string
}

// Clearly fake names: NATO-alphabet first names and made-up last names
// starting with "Test".
var (
	scaleFirst     = []string{"Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf", "Hotel", "India", "Juliett", "Kilo", "Lima", "Mike", "November", "Oscar", "Papa", "Quebec", "Romeo", "Sierra", "Tango", "Uniform", "Victor", "Whiskey", "Xray", "Yankee", "Zulu"}
	scaleSyllables = []string{"ba", "ko", "ri", "zu", "me", "ta", "lo", "ne", "vi", "da", "su", "pe", "mo", "ra", "ki", "xo", "fe", "gu", "ha", "jo"}
)

func (g *tenantGen) fakeLast() string {
	s := g.scaleSyl
	return "Test" + s() + s() + s()
}

func (g *tenantGen) scaleSyl() string { return scaleSyllables[g.rng.IntN(len(scaleSyllables))] }

// npi is a valid NPI (Luhn over the 80840 prefix) from a 9-digit body.
func npi(body int) string {
	d := fmt.Sprintf("%09d", body%1_000_000_000)
	sum := 24 // the 80840 prefix's contribution
	for k := 0; k < 9; k++ {
		v := int(d[8-k] - '0')
		if k%2 == 0 {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	return d + strconv.Itoa((10-sum%10)%10)
}

func (g *tenantGen) build(ctx context.Context) error {
	root := mustUUID(g.ids.OrgID)
	created := g.now.AddDate(-g.size.Years, 0, -30)
	rootPath := ltreeLabel(root)
	g.add("orgs", []string{"id", "parent_id", "kind", "name", "path", "created_at"}, root, nil, "health_system", fmt.Sprintf("SCALE TEST TENANT %04d", g.i), rootPath, created)
	for f := 0; f < g.size.Facilities; f++ {
		id := v7(created, g.rng)
		g.facilities = append(g.facilities, id)
		g.add("orgs", nil, id, root, "facility", fmt.Sprintf("SCALE TEST FACILITY %04d-%d", g.i, f), rootPath+"."+ltreeLabel(id), created)
		g.add("trading_partner_orgs", []string{"partner", "org_id", "created_at"}, g.ids.Partner, id, created)
	}
	for _, u := range []struct{ id, login, role string }{{g.ids.BillerID, "biller", "biller"}, {g.ids.AdminID, "admin", "admin"}} {
		login := fmt.Sprintf("scale-t%04d-%s", g.i, u.login)
		g.add("users", []string{"id", "org_id", "kind", "login", "display_name", "created_at"}, mustUUID(u.id), root, "system", login, login, created)
		g.add("role_grants", []string{"user_id", "org_id", "role"}, mustUUID(u.id), root, u.role)
	}
	for p := 0; p < g.size.Payers; p++ {
		py := genPayer{id: v7(created, g.rng), code: fmt.Sprintf("ZZS%02d", p)}
		g.payers = append(g.payers, py)
		g.add("payers", []string{"id", "org_id", "payer_id", "name", "clearinghouse", "created_at", "updated_at"}, py.id, root, py.code,
			fmt.Sprintf("TEST PAYER %02d", p), g.ids.Partner, created, created)
	}
	g.providers = make([][]genProvider, len(g.facilities))
	for p := 0; p < g.size.Providers; p++ {
		f := p % len(g.facilities)
		pr := genProvider{id: v7(created, g.rng)}
		g.providers[f] = append(g.providers[f], pr)
		g.add("providers", []string{"id", "org_id", "npi", "first_name", "last_name", "taxonomy", "created_at", "updated_at"}, pr.id, g.facilities[f],
			npi(g.i*1000+p), "TEST", fmt.Sprintf("TESTDOC %02d", p), "207Q00000X", created, created)
	}
	if err := g.people(ctx, created); err != nil {
		return err
	}
	g.remits, g.batches = map[[2]int]*genRemit{}, map[[2]int]*genBatch{}
	for n := 0; n < g.size.ClaimsPerTenant; n++ {
		g.claim(n)
	}
	g.remittances()
	return nil
}

func ltreeLabel(id [16]byte) string {
	b := []byte(fmtUUID(id))
	for k, c := range b {
		if c == '-' {
			b[k] = '_'
		}
	}
	return string(b)
}

func fmtUUID(id [16]byte) string {
	const hx = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for k, c := range id {
		if k == 4 || k == 6 || k == 8 || k == 10 {
			out = append(out, '-')
		}
		out = append(out, hx[c>>4], hx[c&15])
	}
	return string(out)
}

// people writes the patients and their coverages, sealed and indexed as
// CreatePatient and CreateCoverage write them, with their audit rows.
func (g *tenantGen) people(ctx context.Context, created time.Time) error {
	admin := g.ids.AdminID
	for n := 0; n < g.size.PatientsPerTenant; n++ {
		at := created.Add(time.Duration(g.rng.Int64N(int64(24 * time.Hour * 30))))
		p := genPatient{id: v7(at, g.rng), coverage: v7(at, g.rng), facility: g.rng.IntN(len(g.facilities)), payer: g.rng.IntN(len(g.payers))}
		g.patients = append(g.patients, p)
		first, last := scaleFirst[g.rng.IntN(len(scaleFirst))], g.fakeLast()
		dob := time.Date(1940+g.rng.IntN(80), time.Month(1+g.rng.IntN(12)), 1+g.rng.IntN(28), 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
		pid, cid := fmtUUID(p.id), fmtUUID(p.coverage)
		dk, wrapped, err := g.s.keys.NewDataKey(ctx)
		if err != nil {
			return err
		}
		sl := sealer{dk, "patients", pid}
		phone := fmt.Sprintf("555-01%02d", g.rng.IntN(100))
		g.add("patients", []string{"id", "org_id", "dek", "first_name", "last_name", "birth_date", "sex", "phone",
			"last_name_bidx", "birth_date_bidx", "first_name_bidx", "created_at", "updated_at"},
			p.id, g.facilities[p.facility], wrapped, sl.seal("first_name", first), sl.seal("last_name", last), sl.seal("birth_date", dob),
			[]string{"F", "M", "U"}[g.rng.IntN(3)], sl.seal("phone", phone),
			g.s.bidx("patients.last_name", last), g.s.bidx("patients.birth_date", dob), firstNameIndex(g.s.bidx(firstNameDomain, first)), at, at)
		member := fmt.Sprintf("ZZM%04d%06d", g.i, n)
		cdk, cwrapped, err := g.s.keys.NewDataKey(ctx)
		if err != nil {
			return err
		}
		csl := sealer{cdk, "coverages", cid}
		g.add("coverages", []string{"id", "org_id", "patient_id", "payer_id", "dek", "member_id", "member_id_bidx", "group_number",
			"relationship", "priority", "created_at", "updated_at"},
			p.coverage, g.facilities[p.facility], p.id, g.payers[p.payer].id, cwrapped, csl.seal("member_id", member),
			g.s.bidx("coverages.member_id", member), "ZZG"+strconv.Itoa(p.payer), "self", int32(1), at, at)
		org := fmtUUID(g.facilities[p.facility])
		g.audits = append(g.audits,
			AuditEntry{ActorID: admin, OrgID: org, PatientID: pid, Action: ActionCreate, Resource: "patient", ResourceID: pid, Fields: patientPHI},
			AuditEntry{ActorID: admin, OrgID: org, PatientID: pid, Action: ActionCreate, Resource: "coverage", ResourceID: cid, Fields: coveragePHI})
	}
	return nil
}

// audit appends the tenant's audit rows to one hash chain, as audit does
// (the chain head is locked until the tenant's transaction commits).
func (g *tenantGen) audit(ctx context.Context, tx pgx.Tx) (int64, error) {
	var h auditHead
	err := tx.QueryRow(ctx, q("LockAuditHead")).Scan(&h.chain, &h.seq, &h.prev)
	if err == pgx.ErrNoRows {
		err = tx.QueryRow(ctx, q("WaitAuditHead"), g.i%auditChains).Scan(&h.chain, &h.seq, &h.prev)
	}
	if err != nil {
		return 0, fmt.Errorf("audit head: %w", err)
	}
	at := time.Now().UTC().Truncate(time.Microsecond)
	rows := make([][]any, 0, len(g.audits))
	for _, e := range g.audits {
		h.seq++
		e.Seq, e.At, e.SourceIP, e.RequestID = h.seq, at, "192.0.2.10", "scale-generate"
		hash := g.s.chainHash(h.prev, e)
		rows = append(rows, []any{e.Seq, e.At, mustUUID(e.ActorID), mustUUID(e.OrgID), mustUUID(e.PatientID), e.Action, e.Resource, e.ResourceID,
			e.Fields, e.SourceIP, e.RequestID, h.prev, hash, int32(h.chain)})
		h.prev = hash
	}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{"audit_log"}, []string{"seq", "at", "actor_id", "org_id", "patient_id", "action", "resource",
		"resource_id", "fields", "source_ip", "request_id", "prev_hash", "hash", "chain"}, pgx.CopyFromRows(rows))
	if err != nil {
		return 0, fmt.Errorf("copy audit_log: %w", err)
	}
	_, err = tx.Exec(ctx, q("UpdateAuditHead"), h.seq, h.prev, h.chain, g.s.headMAC(h.chain, h.seq, h.prev))
	return n, err
}
