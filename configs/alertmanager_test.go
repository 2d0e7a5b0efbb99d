package configs

import (
	"os/exec"
	"sort"
	"strings"
	"testing"
)

const (
	alertmanagerFile = "alertmanager/alertmanager.yml"
	routeTestsFile   = "alertmanager/routes_test.yaml"
)

type routeTests struct {
	Tests []struct {
		Name      string            `yaml:"name"`
		Labels    map[string]string `yaml:"labels"`
		Receivers []string          `yaml:"receivers"`
	} `yaml:"tests"`
}

// amtool returns the path of amtool, which Debian's prometheus-alertmanager
// package installs.
func amtool(t *testing.T) string {
	t.Helper()
	return requireTool(t, "amtool", "prometheus-alertmanager", "Alertmanager routing")
}

func TestAlertmanagerConfig(t *testing.T) {
	out, err := exec.Command(amtool(t), "check-config", alertmanagerFile).CombinedOutput()
	if err != nil {
		t.Fatalf("amtool check-config %s: %v\n%s", alertmanagerFile, err, out)
	}
}

func TestAlertmanagerRoutes(t *testing.T) {
	bin := amtool(t)
	var rt routeTests
	readYAML(t, routeTestsFile, &rt)
	if len(rt.Tests) == 0 {
		t.Fatalf("%s has no cases", routeTestsFile)
	}
	for _, tc := range rt.Tests {
		t.Run(tc.Name, func(t *testing.T) {
			args := []string{"config", "routes", "test", "--config.file=" + alertmanagerFile,
				"--verify.receivers=" + strings.Join(tc.Receivers, ",")}
			keys := make([]string, 0, len(tc.Labels))
			for k := range tc.Labels {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				args = append(args, k+"="+tc.Labels[k])
			}
			out, err := exec.Command(bin, args...).Output()
			if err != nil {
				t.Errorf("amtool %s: %v; it routes to %q, want %q", strings.Join(args, " "), err, strings.TrimSpace(string(out)), strings.Join(tc.Receivers, ","))
			}
		})
	}

	// Every alert has a case, and every receiver is reached by one.
	var rf ruleFile
	readYAML(t, alertsFile, &rf)
	tested := map[string]bool{}
	reached := map[string]bool{}
	for _, tc := range rt.Tests {
		tested[tc.Labels["alertname"]] = true
		for _, r := range tc.Receivers {
			reached[r] = true
		}
	}
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			if !tested[r.Alert] {
				t.Errorf("%s: no routing case for %s", routeTestsFile, r.Alert)
			}
		}
	}
	var am struct {
		Receivers []struct {
			Name string `yaml:"name"`
		} `yaml:"receivers"`
	}
	readYAML(t, alertmanagerFile, &am)
	for _, r := range am.Receivers {
		if !reached[r.Name] {
			t.Errorf("%s: no routing case reaches receiver %s", routeTestsFile, r.Name)
		}
	}
}
