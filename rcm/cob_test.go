package rcm

import "testing"

func TestIsCrossover(t *testing.T) {
	for _, tc := range []struct {
		clp02 string
		rarcs []string
		want  bool
	}{
		{"1", nil, false},
		{"2", []string{"N130"}, false},
		{"19", nil, true},
		{"20", nil, true},
		{"21", nil, true},
		{"22", nil, false},
		{"1", []string{"M15", "MA18"}, true},
		{"1", []string{"N89"}, true},
	} {
		if got := IsCrossover(tc.clp02, tc.rarcs); got != tc.want {
			t.Errorf("IsCrossover(%q, %v) = %v, want %v", tc.clp02, tc.rarcs, got, tc.want)
		}
	}
	for seq, want := range map[int]string{1: "P", 2: "S", 3: "T"} {
		if got := COBResponsibility(seq); got != want {
			t.Errorf("COBResponsibility(%d) = %s, want %s", seq, got, want)
		}
	}
}
