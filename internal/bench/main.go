// Command bench is `make bench`: it generates a simulated AWS organization
// of a given size, serves it with provider-like latency and token buckets,
// scans it with the built binary and prints one JSON line: resources,
// requests made and the minimum the world needs, wall time and the bound
// the limits imply, the binary's peak resident memory, the evaluation time
// of the saved inventory per million resources, and the concurrency.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/ownaudit/ownaudit/internal/cloudsim"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// result is the JSON line bench prints.
type result struct {
	Resources          int     `json:"resources"`
	Accounts           int     `json:"accounts"`
	Requests           int     `json:"requests"`
	MinimumRequests    int     `json:"minimumRequests"`
	Throttled          int     `json:"throttled"`
	WallSeconds        float64 `json:"wallSeconds"`
	BoundSeconds       float64 `json:"boundSeconds"`
	PeakRSSMB          float64 `json:"peakRssMB"`
	ScanCPUSeconds     float64 `json:"scanCpuSeconds"`
	EvalSeconds        float64 `json:"evalSeconds"`
	EvalCPUSeconds     float64 `json:"evalCpuSeconds"`
	EvalPeakRSSMB      float64 `json:"evalPeakRssMB"`
	EvalSecondsPerMil  float64 `json:"evalSecondsPerMillion"`
	Concurrency        int     `json:"concurrency"`
	LatencyMS          int     `json:"latencyMs"`
	ExitCode           int     `json:"exitCode"`
	FindingsFileMB     float64 `json:"findingsFileMB"`
	InventoryFileMB    float64 `json:"inventoryFileMB"`
	ResourcesInReport  int     `json:"resourcesInReport"`
	ScanErrorsReported int     `json:"scanErrors"`
}

func run() error {
	bin := flag.String("bin", "bin/ownaudit", "the ownaudit binary to scan with")
	resources := flag.Int("resources", 10000, "about how many resources the organization holds")
	concurrency := flag.Int("concurrency", 0, "--concurrency for the scan (the binary's default when 0)")
	latency := flag.Duration("latency", 30*time.Millisecond, "delay of every simulated answer")
	pace := flag.Float64("pace", 1, "the simulator's token buckets as a multiple of ownaudit's default pace")
	keep := flag.String("keep", "", "keep the work folder (world, findings, inventory) here instead of a temporary one")
	ops := flag.Bool("ops", false, "print the calls per operation on stderr")
	stderrTo := flag.String("scan-stderr", "", "write the scan's standard error to this file")
	flag.Parse()

	dir := *keep
	if dir == "" {
		tmp, err := os.MkdirTemp("", "ownaudit-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	world := cloudsim.Generate(cloudsim.OrgSpec{Resources: *resources})
	world.Faults = cloudsim.Faults{Latency: *latency, RateLimits: cloudsim.ProviderLimits(*pace)}
	srv, err := cloudsim.Start(world)
	if err != nil {
		return err
	}
	defer srv.Close()
	decl := filepath.Join(dir, "declaration.yaml")
	if err := os.WriteFile(decl, []byte(cloudsim.BenchDeclaration), 0o644); err != nil {
		return err
	}
	env := cloudsim.BenchEnv(srv.URL, dir)
	for _, v := range []string{"GOGC", "GOMEMLIMIT", "GODEBUG"} {
		if x, ok := os.LookupEnv(v); ok {
			env = append(env, v+"="+x)
		}
	}
	args := []string{"scan", "--declaration", decl, "--output", filepath.Join(dir, "findings.json"),
		"--save-inventory", filepath.Join(dir, "inventory.json"), "--quiet"}
	if *concurrency > 0 {
		args = append(args, "--concurrency", fmt.Sprint(*concurrency))
	}
	scan, err := measure(*bin, args, env)
	if *stderrTo != "" {
		_ = os.WriteFile(*stderrTo, []byte(scan.stderr), 0o644)
	}
	if err != nil {
		return err
	}
	eval, err := measure(*bin, []string{"scan", "--declaration", decl, "--from-inventory", filepath.Join(dir, "inventory.json"),
		"--output", filepath.Join(dir, "findings-from-inventory.json"), "--quiet"}, env)
	if err != nil {
		return err
	}
	if eval.code != 0 && eval.code != 1 && eval.code != 3 {
		return fmt.Errorf("--from-inventory exited %d: %s", eval.code, eval.stderr)
	}
	var doc struct {
		Scan struct {
			Resources []struct{ Count int } `json:"resources"`
		} `json:"scan"`
		Errors []json.RawMessage `json:"errors"`
	}
	if err := readJSON(filepath.Join(dir, "findings.json"), &doc); err != nil {
		return fmt.Errorf("scan exited %d: %v: %s", scan.code, err, scan.stderr)
	}
	n := 0
	for _, r := range doc.Scan.Resources {
		n += r.Count
	}
	if *ops {
		counts := srv.Counts()
		for _, op := range srv.Operations() {
			fmt.Fprintf(os.Stderr, "%s %d\n", op, counts[op])
		}
	}
	stats := srv.Stats(world, *latency)
	conc := *concurrency
	if conc == 0 {
		conc = defaultConcurrency(*bin)
	}
	res := result{
		Resources: n, Accounts: len(world.AWS.Accounts), Requests: stats.Requests, MinimumRequests: cloudsim.MinimumRequests(world),
		Throttled: stats.Throttled, WallSeconds: round(scan.wall.Seconds()), BoundSeconds: round(stats.Bound(conc).Seconds()),
		PeakRSSMB: round(scan.peakMB), ScanCPUSeconds: round(scan.cpu.Seconds()), EvalSeconds: round(eval.wall.Seconds()),
		EvalCPUSeconds: round(eval.cpu.Seconds()), EvalPeakRSSMB: round(eval.peakMB),
		EvalSecondsPerMil: round(eval.wall.Seconds() * 1e6 / float64(max(n, 1))), Concurrency: conc,
		LatencyMS: int(latency.Milliseconds()), ExitCode: scan.code,
		FindingsFileMB: sizeMB(filepath.Join(dir, "findings.json")), InventoryFileMB: sizeMB(filepath.Join(dir, "inventory.json")),
		ResourcesInReport: n, ScanErrorsReported: len(doc.Errors),
	}
	out, _ := json.Marshal(res)
	fmt.Println(string(out))
	return nil
}

type run1 struct {
	code   int
	wall   time.Duration
	cpu    time.Duration
	peakMB float64
	stderr string
}

// measure runs the binary and reports its exit code, wall time and peak
// resident memory (the kernel's high-water mark for the child).
func measure(bin string, args, env []string) (run1, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			return run1{}, err
		}
		code = ee.ExitCode()
	}
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	r := run1{code: code, wall: wall, stderr: stderr.String()}
	if ru != nil {
		r.peakMB = float64(ru.Maxrss) / 1024 // kilobytes on Linux
	}
	// CPU time tells the binary's own cost apart from waiting on a
	// machine that others share.
	r.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return r, nil
}

func defaultConcurrency(bin string) int {
	out, _ := exec.Command(bin, "scan", "--help").Output()
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "--concurrency") {
			var n int
			if i := strings.Index(line, "(default "); i >= 0 {
				fmt.Sscanf(line[i:], "(default %d)", &n)
				return n
			}
		}
	}
	return 0
}

func readJSON(path string, v any) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return json.NewDecoder(f).Decode(v)
}

func sizeMB(path string) float64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return round(float64(fi.Size()) / (1 << 20))
}

func round(x float64) float64 { return float64(int64(x*100+0.5)) / 100 }
