package idcardsim

import "testing"

func TestCardNamesCoverCards(t *testing.T) {
	names := CardNames()
	if len(names) != len(Cards) || names[0] != "resident1" {
		t.Fatal(names)
	}
	for _, n := range names {
		if Cards[n] == nil {
			t.Fatalf("no card %q", n)
		}
	}
}
