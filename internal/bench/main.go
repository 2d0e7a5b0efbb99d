// Command bench is `make bench`: for each cloud asked for, it generates a
// simulated estate of a given size (an AWS organization, an Azure
// management group, a Google Cloud organization), serves it with
// provider-like latency and token buckets, scans it with the built binary
// and prints one JSON line: resources, requests made and the minimum the
// estate needs, wall time and the bound the limits imply, the binary's
// peak resident memory, the evaluation time of the saved inventory per
// million resources, and the concurrency.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/ownaudit/ownaudit/internal/cloudsim"
	"github.com/ownaudit/ownaudit/internal/procstatus"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// result is the JSON line bench prints.
type result struct {
	Cloud              string  `json:"cloud"`
	Resources          int     `json:"resources"`
	Accounts           int     `json:"accounts,omitempty"`
	Targets            int     `json:"targets"`
	Requests           int     `json:"requests"`
	MinimumRequests    int     `json:"minimumRequests"`
	Throttled          int     `json:"throttled"`
	WallSeconds        float64 `json:"wallSeconds"`
	BoundSeconds       float64 `json:"boundSeconds"`
	PeakRSSMB          float64 `json:"peakRssMB"`
	BinaryRSSMB        float64 `json:"binaryRssMB"`
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

// estate is how one cloud's generated estate is built, limited, declared
// and signed in to.
type estate struct {
	generate    func(resources int) *cloudsim.World
	limits      func(pace float64) map[string]cloudsim.TokenBucket
	declaration string
	env         func(srv *cloudsim.Server, dir string) ([]string, error)
	minimum     func(w *cloudsim.World) int
	targets     func(w *cloudsim.World) int
}

var estates = map[string]estate{
	"aws": {
		generate:    func(n int) *cloudsim.World { return cloudsim.Generate(cloudsim.OrgSpec{Resources: n}) },
		limits:      cloudsim.ProviderLimits,
		declaration: cloudsim.BenchDeclaration,
		env:         func(srv *cloudsim.Server, dir string) ([]string, error) { return cloudsim.BenchEnv(srv.URL, dir), nil },
		minimum:     cloudsim.MinimumRequests,
		targets:     func(w *cloudsim.World) int { return len(w.AWS.Accounts) },
	},
	"azure": {
		generate:    func(n int) *cloudsim.World { return cloudsim.GenerateAzure(cloudsim.EstateSpec{Resources: n}) },
		limits:      cloudsim.AzureLimits,
		declaration: cloudsim.AzureBenchDeclaration,
		env:         cloudsim.AzureBenchEnv,
		minimum:     cloudsim.MinimumAzureRequests,
		targets:     func(w *cloudsim.World) int { return len(w.Azure.Subscriptions) },
	},
	"gcp": {
		generate:    func(n int) *cloudsim.World { return cloudsim.GenerateGCP(cloudsim.EstateSpec{Resources: n}) },
		limits:      cloudsim.GCPLimits,
		declaration: cloudsim.GCPBenchDeclaration,
		env:         cloudsim.GCPBenchEnv,
		minimum:     cloudsim.MinimumGCPRequests,
		targets:     func(w *cloudsim.World) int { return len(w.GCP.Projects) },
	},
}

// options are the flags, for every cloud.
type options struct {
	bin         string
	resources   int
	concurrency int
	latency     time.Duration
	pace        float64
	keep        string
	ops         bool
	stderrTo    string
	requestsTo  string
	profile     bool
}

func run() error {
	var o options
	clouds := flag.String("clouds", "aws", "the clouds to generate and scan, comma-separated: aws, azure, gcp")
	flag.StringVar(&o.bin, "bin", "bin/ownaudit", "the ownaudit binary to scan with")
	flag.IntVar(&o.resources, "resources", 10000, "about how many resources each cloud's estate holds")
	flag.IntVar(&o.concurrency, "concurrency", 0, "--concurrency for the scan (the binary's default when 0)")
	flag.DurationVar(&o.latency, "latency", 30*time.Millisecond, "delay of every simulated answer")
	flag.Float64Var(&o.pace, "pace", 1, "the simulator's token buckets as a multiple of the providers' published limits")
	flag.StringVar(&o.keep, "keep", "", "keep the work folders (world, findings, inventory) under this folder, one per cloud, instead of temporary ones")
	flag.BoolVar(&o.ops, "ops", false, "print the calls per operation on stderr")
	flag.StringVar(&o.stderrTo, "scan-stderr", "", "write each scan's standard error to this file, suffixed with the cloud")
	flag.StringVar(&o.requestsTo, "requests", "", "write every request the simulator answered to this file, one JSON object a line, suffixed with the cloud")
	flag.BoolVar(&o.profile, "profile", false, "write CPU, heap (at the in-use peak) and goroutine profiles of the scan and of the --from-inventory run into profile-scan and profile-eval of the work folder (with -keep to look at them)")
	flag.Parse()
	for _, cloud := range strings.Split(*clouds, ",") {
		e, ok := estates[strings.TrimSpace(cloud)]
		if !ok {
			return fmt.Errorf("unknown cloud %q: want aws, azure or gcp", cloud)
		}
		res, err := bench(strings.TrimSpace(cloud), e, o)
		if err != nil {
			return fmt.Errorf("%s: %w", cloud, err)
		}
		out, _ := json.Marshal(res)
		fmt.Println(string(out))
	}
	return nil
}

// bench generates, serves and scans one cloud's estate.
func bench(cloud string, e estate, o options) (result, error) {
	dir := o.keep
	if dir == "" {
		tmp, err := os.MkdirTemp("", "ownaudit-bench-")
		if err != nil {
			return result{}, err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	} else {
		dir = filepath.Join(dir, cloud)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return result{}, err
		}
	}
	bin, err := install(o.bin, dir)
	if err != nil {
		return result{}, err
	}
	world := e.generate(o.resources)
	world.Faults = cloudsim.Faults{Latency: o.latency, RateLimits: e.limits(o.pace)}
	srv, err := cloudsim.Start(world)
	if err != nil {
		return result{}, err
	}
	defer srv.Close()
	decl := filepath.Join(dir, "declaration.yaml")
	if err := os.WriteFile(decl, []byte(e.declaration), 0o644); err != nil {
		return result{}, err
	}
	env, err := e.env(srv, dir)
	if err != nil {
		return result{}, err
	}
	for _, v := range []string{"GOGC", "GOMEMLIMIT", "GODEBUG"} {
		if x, ok := os.LookupEnv(v); ok {
			env = append(env, v+"="+x)
		}
	}
	args := []string{"scan", "--declaration", decl, "--output", filepath.Join(dir, "findings.json"),
		"--save-inventory", filepath.Join(dir, "inventory.json"), "--quiet"}
	if o.concurrency > 0 {
		args = append(args, "--concurrency", fmt.Sprint(o.concurrency))
	}
	scan, err := measure(bin, args, profiled(env, o.profile, dir, "scan"))
	if o.stderrTo != "" {
		_ = os.WriteFile(o.stderrTo+"."+cloud, []byte(scan.stderr), 0o644)
	}
	if err != nil {
		return result{}, err
	}
	// Nothing is served any more: the inventory is evaluated offline.
	eval, err := measure(bin, []string{"scan", "--declaration", decl, "--from-inventory", filepath.Join(dir, "inventory.json"),
		"--output", filepath.Join(dir, "findings-from-inventory.json"), "--quiet"}, profiled(env, o.profile, dir, "eval"))
	if err != nil {
		return result{}, err
	}
	if eval.code != 0 && eval.code != 1 && eval.code != 3 {
		return result{}, fmt.Errorf("--from-inventory exited %d: %s", eval.code, eval.stderr)
	}
	var doc struct {
		Scan struct {
			Resources []struct{ Count int } `json:"resources"`
		} `json:"scan"`
		Errors []json.RawMessage `json:"errors"`
	}
	if err := readJSON(filepath.Join(dir, "findings.json"), &doc); err != nil {
		return result{}, fmt.Errorf("scan exited %d: %v: %s", scan.code, err, scan.stderr)
	}
	n := 0
	for _, r := range doc.Scan.Resources {
		n += r.Count
	}
	if o.ops {
		counts := srv.Counts()
		for _, op := range srv.Operations() {
			fmt.Fprintf(os.Stderr, "%s %s %d\n", cloud, op, counts[op])
		}
	}
	if o.requestsTo != "" {
		if err := writeRequests(o.requestsTo+"."+cloud, srv.Requests()); err != nil {
			return result{}, err
		}
	}
	// What the binary is resident with before it does anything: the
	// part of every figure that does not grow with the estate.
	idle, err := measure(bin, []string{"version"}, env)
	if err != nil {
		return result{}, err
	}
	stats := srv.Stats(world, o.latency)
	conc := o.concurrency
	if conc == 0 {
		conc = defaultConcurrency(bin)
	}
	return result{
		Cloud: cloud, Resources: n, Accounts: len(world.AWS.Accounts), Targets: e.targets(world),
		Requests: stats.Requests, MinimumRequests: e.minimum(world),
		Throttled: stats.Throttled, WallSeconds: round(scan.wall.Seconds()), BoundSeconds: round(stats.Bound(conc).Seconds()),
		PeakRSSMB: round(scan.peakMB), BinaryRSSMB: round(idle.peakMB), ScanCPUSeconds: round(scan.cpu.Seconds()), EvalSeconds: round(eval.wall.Seconds()),
		EvalCPUSeconds: round(eval.cpu.Seconds()), EvalPeakRSSMB: round(eval.peakMB),
		EvalSecondsPerMil: round(eval.wall.Seconds() * 1e6 / float64(max(n, 1))), Concurrency: conc,
		LatencyMS: int(o.latency.Milliseconds()), ExitCode: scan.code,
		FindingsFileMB: sizeMB(filepath.Join(dir, "findings.json")), InventoryFileMB: sizeMB(filepath.Join(dir, "inventory.json")),
		ResourcesInReport: n, ScanErrorsReported: len(doc.Errors),
	}, nil
}

// install copies the binary into dir and returns the copy's path. A
// binary the linker has just written can sit in the page cache in large
// pages, which map into a process whole and add up to 35 MB to its
// resident size; a copy written the ordinary way, as a package manager
// or a container image would, is resident only where it is used.
func install(bin, dir string) (string, error) {
	in, err := os.Open(bin)
	if err != nil {
		return "", err
	}
	defer in.Close()
	path := filepath.Join(dir, "ownaudit")
	out, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o755)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return "", err
	}
	return path, out.Close()
}

// profiled adds the variable that makes the binary write its profiles.
func profiled(env []string, on bool, dir, run string) []string {
	if !on {
		return env
	}
	return append(env[:len(env):len(env)], "OWNAUDIT_PROFILE_DIR="+filepath.Join(dir, "profile-"+run))
}

func writeRequests(path string, reqs []cloudsim.Request) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	for _, r := range reqs {
		if err := enc.Encode(r); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

type run1 struct {
	code   int
	wall   time.Duration
	cpu    time.Duration
	peakMB float64
	stderr string
}

// measure runs the binary and reports its exit code, wall time and peak
// resident memory. The peak is the child's own VmHWM, read from /proc
// while it runs: getrusage's ru_maxrss cannot be used, because os/exec
// starts the child with vfork and the kernel carries the parent's
// high-water mark (this process, which holds the simulated world) over
// the exec.
func measure(bin string, args, env []string) (run1, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return run1{}, err
	}
	peak := make(chan float64)
	done := make(chan struct{})
	go func() {
		var kb float64
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			if v, ok := vmHWM(cmd.Process.Pid); ok && v > kb {
				kb = v
			}
			select {
			case <-done:
				peak <- kb / 1024
				return
			case <-t.C:
			}
		}
	}()
	err := cmd.Wait()
	wall := time.Since(start)
	close(done)
	peakMB := <-peak
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			return run1{}, err
		}
		code = ee.ExitCode()
	}
	r := run1{code: code, wall: wall, stderr: stderr.String(), peakMB: peakMB}
	// CPU time tells the binary's own cost apart from waiting on a
	// machine that others share.
	r.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return r, nil
}

// vmHWM reads a running process's peak resident set size in kilobytes.
func vmHWM(pid int) (float64, bool) {
	kb, ok := procstatus.KB(fmt.Sprintf("/proc/%d/status", pid), "VmHWM")
	return float64(kb), ok
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
