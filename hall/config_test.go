package hall

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"hallkiosk/drivers/evaluator"
	"hallkiosk/internal/config"
)

func TestExampleConfig(t *testing.T) {
	cfg := DefaultConfig()
	if err := config.Load(filepath.Join("..", "deploy", "hallserver.conf.example"), cfg, false); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cfg, DefaultConfig()) {
		t.Errorf("the example's values differ from the defaults:\n%+v\n%+v", cfg, DefaultConfig())
	}
}

func TestInvoicesConfig(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Invoices.Every = 0
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "invoices.every") {
		t.Errorf("every = 0: %v", err)
	}
}

// TestPadMap: the evaluator's window map parses; bad pairs name the key.
func TestPadMap(t *testing.T) {
	good := EvaluatorConfig{Windows: []string{"1:1", "2:0x02", " 15 : 7 "}}
	m, err := good.padMap(nil)
	if err != nil || len(m) != 3 || m[1] != 1 || m[2] != 2 || m[15] != 7 {
		t.Fatalf("%v %v", m, err)
	}
	auto, err := EvaluatorConfig{Windows: []string{"auto"}}.padMap([]int{3, 19, 300})
	if err != nil || len(auto) != 2 || auto[19] != 19 {
		t.Fatalf("auto: %v %v", auto, err)
	}
	for _, w := range [][]string{nil, {"1:1", "2:1"}, {"1:1", "1:2"}, {"1:0"}, {"1:248"}, {"x:1"}, {"0:1"}, {"1"}} {
		if _, err := (EvaluatorConfig{Windows: w}).padMap(nil); err == nil || !strings.Contains(err.Error(), "evaluator.windows") {
			t.Errorf("%q: %v", w, err)
		}
	}
	if scoreOf(evaluator.VerySatisfied) != 5 || scoreOf(evaluator.VeryDissatisfied) != 1 || scoreOf(evaluator.FairlySatisfied) != 3 {
		t.Fatal("score mapping")
	}
}
