package rcm

import "testing"

// The dashboard's colours come from these grades: a 42 % denial rate is
// bad, never good.
func TestBenchmarkGrades(t *testing.T) {
	for _, tc := range []struct {
		figure string
		v      float64
		want   Grade
	}{
		{"denial_rate", 0.42, GradeBad},
		{"denial_rate", 0.05, GradeGood},
		{"denial_rate", 0.0501, GradeWatch},
		{"denial_rate", 0.10, GradeWatch},
		{"denial_rate", 0.1001, GradeBad},
		{"clean_claim_rate", 0.97, GradeGood},
		{"clean_claim_rate", 0.92, GradeWatch},
		{"clean_claim_rate", 0.80, GradeBad},
		{"first_pass_resolution_rate", 0.90, GradeGood},
		{"first_pass_resolution_rate", 0.86, GradeWatch},
		{"first_pass_resolution_rate", 0.60, GradeBad},
		{"days_in_ar", 35, GradeGood},
		{"days_in_ar", 45, GradeWatch},
		{"days_in_ar", 69.2, GradeBad},
		{"net_collection_rate", 0.96, GradeGood},
		{"net_collection_rate", 0.91, GradeWatch},
		{"net_collection_rate", 0.34, GradeBad},
	} {
		if g := Benchmarks[tc.figure].Grade(tc.v); g != tc.want {
			t.Errorf("%s %v graded %q, want %q", tc.figure, tc.v, g, tc.want)
		}
	}
}

// Balances land in the bucket of their age from the date of service, at
// the bucket edges too.
func TestAgingBuckets(t *testing.T) {
	var r AgingRow
	for _, age := range []int{0, 30, 31, 60, 61, 90, 91, 120, 121} {
		r.add(age, 1)
	}
	// 0,30 | 31,60 | 61,90 | 91,120 | 121
	if r.Days0to30 != 2 || r.Days31to60 != 2 || r.Days61to90 != 2 || r.Days91to120 != 2 || r.DaysOver120 != 1 || r.TotalCents != 9 || r.Claims != 9 {
		t.Errorf("buckets %+v", r)
	}
}
