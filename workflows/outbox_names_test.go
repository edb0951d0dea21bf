package workflows_test

import (
	"context"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"regexp"
	"testing"

	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/workflows"
)

// goNames reads the string constants of names.go by their identifiers:
// the Go source is the one source of Temporal names.
func goNames(t *testing.T) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "names.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					continue
				}
				out[name.Name] = constant.StringVal(constant.MakeFromLiteral(lit.Value, lit.Kind, 0))
			}
		}
	}
	if len(out) < 10 {
		t.Fatalf("read %d constants from names.go; the parser missed them", len(out))
	}
	return out
}

var (
	sqlLiteral  = regexp.MustCompile(`'((?:[^']|'')*)'`)
	sqlNameCall = regexp.MustCompile(`workflow_name\('([^']*)'\)`)
)

// TestOutboxNamesMatchNamesGo ties the outbox triggers to names.go: every
// row of workflow_names (what the triggers read through workflow_name)
// carries the value of the names.go constant its key names, and no trigger
// function that writes workflow_outbox spells a workflow type, ID prefix,
// signal or task queue out as a literal instead.
func TestOutboxNamesMatchNamesGo(t *testing.T) {
	t.Parallel()
	names := goNames(t)
	st, _ := testenv.Store(t)
	ctx := context.Background()

	rows, err := st.Pool.Query(ctx, `SELECT key, value FROM workflow_names ORDER BY key`)
	if err != nil {
		t.Fatal(err)
	}
	inTable := map[string]bool{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			t.Fatal(err)
		}
		inTable[k] = true
		want, ok := names[k]
		switch {
		case !ok:
			t.Errorf("workflow_names has %q, which names.go does not declare", k)
		case v != want:
			t.Errorf("workflow_names %s = %q, names.go says %q", k, v, want)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}

	// The live trigger functions, after every migration.
	fns, err := st.Pool.Query(ctx, `SELECT p.proname, p.prosrc FROM pg_proc p
		JOIN pg_namespace n ON n.oid = p.pronamespace
		WHERE n.nspname = current_schema() AND p.prosrc ILIKE '%workflow_outbox%'`)
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]string{} // value → constant
	for k, v := range names {
		values[v] = k
	}
	seen := 0
	for fns.Next() {
		var name, src string
		if err := fns.Scan(&name, &src); err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`(?i)INSERT\s+INTO\s+workflow_outbox`).MatchString(src) {
			continue
		}
		seen++
		called := map[string]bool{}
		for _, m := range sqlNameCall.FindAllStringSubmatch(src, -1) {
			called[m[1]] = true
			if !inTable[m[1]] {
				t.Errorf("%s calls workflow_name(%q), which workflow_names lacks", name, m[1])
			}
		}
		for _, m := range sqlLiteral.FindAllStringSubmatch(src, -1) {
			if called[m[1]] {
				continue // a key passed to workflow_name
			}
			if k, ok := values[m[1]]; ok {
				t.Errorf("%s spells out %q (workflows.%s); read it with workflow_name('%s')", name, m[1], k, k)
			}
		}
		if len(called) == 0 {
			t.Errorf("%s writes workflow_outbox without reading any name through workflow_name", name)
		}
	}
	if err := fns.Err(); err != nil {
		t.Fatal(err)
	}
	if seen < 2 {
		t.Fatalf("found %d trigger functions writing workflow_outbox, want the claim and appointment ones", seen)
	}

	// The function resolves names, and refuses an unknown one.
	var got string
	if err := st.Pool.QueryRow(ctx, `SELECT workflow_name('ClaimIDPrefix') || 'c1'`).Scan(&got); err != nil || got != names["ClaimIDPrefix"]+"c1" {
		t.Errorf("workflow_name('ClaimIDPrefix') || 'c1' = %q, %v; want %q", got, err, names["ClaimIDPrefix"]+"c1")
	}
	if err := st.Pool.QueryRow(ctx, `SELECT workflow_name('NoSuchName')`).Scan(&got); err == nil {
		t.Error("workflow_name of an unknown key succeeded; want an error")
	}
}

// TestOutboxTriggersWriteNamesGoValues runs the live trigger functions on
// stand-in tables (same columns they read, no foreign keys) and checks the
// intents they write carry names.go's values.
func TestOutboxTriggersWriteNamesGoValues(t *testing.T) {
	t.Parallel()
	st, _ := testenv.Store(t)
	ctx := context.Background()
	tx, err := st.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	for _, q := range []string{
		`CREATE TEMP TABLE claim_probe (id uuid PRIMARY KEY) ON COMMIT DROP`,
		`CREATE TRIGGER claim_probe_intent AFTER INSERT ON claim_probe FOR EACH ROW EXECUTE FUNCTION claim_workflow_intent()`,
		`CREATE TEMP TABLE appt_probe (id uuid PRIMARY KEY, status text, starts_at timestamptz, ends_at timestamptz) ON COMMIT DROP`,
		`CREATE TRIGGER appt_probe_intents AFTER INSERT OR UPDATE ON appt_probe FOR EACH ROW EXECUTE FUNCTION appointment_workflow_intents()`,
		`INSERT INTO claim_probe VALUES ('00000000-0000-0000-0000-0000000000c1')`,
		`INSERT INTO appt_probe VALUES ('00000000-0000-0000-0000-0000000000a1', 'booked', '2026-01-05 09:00Z', '2026-01-05 09:30Z')`,
		`UPDATE appt_probe SET starts_at = starts_at + interval '1 hour', ends_at = ends_at + interval '1 hour'`,
		`UPDATE appt_probe SET status = 'cancelled'`,
	} {
		if _, err := tx.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	rows, err := tx.Query(ctx, `SELECT workflow_type, workflow_id, kind, signal_name FROM workflow_outbox ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var got [][4]string
	for rows.Next() {
		var r [4]string
		if err := rows.Scan(&r[0], &r[1], &r[2], &r[3]); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	const c, a = "00000000-0000-0000-0000-0000000000c1", "00000000-0000-0000-0000-0000000000a1"
	want := [][4]string{
		{workflows.ClaimWorkflowName, workflows.ClaimIDPrefix + c, "start", ""},
		{workflows.EligibilityWorkflowName, workflows.EligibilityIDPrefix + a, "start", ""},
		{workflows.ReminderWorkflowName, workflows.ReminderIDPrefix + a, "start", ""},
		{workflows.ReminderWorkflowName, workflows.ReminderIDPrefix + a, "signal_with_start", workflows.SignalReminderReschedule},
		{workflows.ReminderWorkflowName, workflows.ReminderIDPrefix + a, "signal", workflows.SignalReminderCancel},
	}
	if len(got) != len(want) {
		t.Fatalf("outbox rows:\n got %v\nwant %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("outbox row %d: got %v, want %v", i, got[i], want[i])
		}
	}
}
