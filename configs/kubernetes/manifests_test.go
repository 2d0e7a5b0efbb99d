package kubernetes

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	"github.com/ownaudit/ownaudit/declaration"
)

// kinds maps apiVersion and kind to the Go type a manifest must decode into.
// A manifest of any other kind fails the test.
var kinds = map[string]func() any{
	"v1/ServiceAccount":  func() any { return new(corev1.ServiceAccount) },
	"v1/ConfigMap":       func() any { return new(corev1.ConfigMap) },
	"v1/Service":         func() any { return new(corev1.Service) },
	"apps/v1/Deployment": func() any { return new(appsv1.Deployment) },
	"batch/v1/Job":       func() any { return new(batchv1.Job) },
	"batch/v1/CronJob":   func() any { return new(batchv1.CronJob) },
	"monitoring.coreos.com/v1/ServiceMonitor": func() any { return new(monitoringv1.ServiceMonitor) },
	"networking.k8s.io/v1/NetworkPolicy":      func() any { return new(networkingv1.NetworkPolicy) },
}

// manifest is one decoded document of a YAML file.
type manifest struct {
	where string // file and document index, for messages
	kind  string // apiVersion/kind
	name  string
	obj   any // a pointer to the k8s.io/api (or monitoringv1) type
}

// docSep splits a multi-document YAML stream.
var docSep = regexp.MustCompile(`(?m)^---[ \t]*$`)

// loadManifests decodes the manifests of this directory and fails the test
// on any problem.
func loadManifests(t *testing.T) []manifest {
	t.Helper()
	ms, err := decodeManifests(".")
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// decodeManifests decodes every document of every *.yaml file in dir
// strictly: duplicate keys, unknown fields and unknown kinds are errors, all
// of them reported at once.
func decodeManifests(dir string) ([]manifest, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no *.yaml manifests in %s", dir)
	}
	var out []manifest
	var errs []error
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		for i, doc := range docSep.Split(string(data), -1) {
			where := fmt.Sprintf("%s document %d", filepath.Base(file), i)
			m, err := decodeManifest(doc)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", where, err))
				continue
			}
			if m.obj == nil {
				continue // only comments
			}
			m.where = where
			out = append(out, m)
		}
	}
	return out, errors.Join(errs...)
}

// decodeManifest decodes one YAML document into the type its apiVersion and
// kind name. A document of comments alone gives a manifest with a nil obj.
func decodeManifest(doc string) (manifest, error) {
	js, err := yaml.YAMLToJSONStrict([]byte(doc))
	if err != nil {
		return manifest{}, err
	}
	if string(js) == "null" {
		return manifest{}, nil
	}
	var head struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(js, &head); err != nil {
		return manifest{}, err
	}
	kind := head.APIVersion + "/" + head.Kind
	newObj, ok := kinds[kind]
	if !ok {
		return manifest{}, fmt.Errorf("apiVersion %q kind %q: not a kind this test knows", head.APIVersion, head.Kind)
	}
	obj := newObj()
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(obj); err != nil {
		return manifest{}, fmt.Errorf("%s %s: %w", head.Kind, head.Metadata.Name, err)
	}
	return manifest{kind: kind, name: head.Metadata.Name, obj: obj}, nil
}

// find returns the one manifest of kind and name.
func find[T any](t *testing.T, ms []manifest, name string) *T {
	t.Helper()
	for _, m := range ms {
		if o, ok := m.obj.(*T); ok && m.name == name {
			return o
		}
	}
	var zero T
	t.Fatalf("no %T named %q among the manifests", zero, name)
	return nil
}

func TestManifestsDecodeStrictly(t *testing.T) {
	ms := loadManifests(t)
	var got []string
	for _, m := range ms {
		got = append(got, m.kind+" "+m.name)
	}
	sort.Strings(got)
	want := []string{
		"apps/v1/Deployment ownaudit",
		"batch/v1/CronJob ownaudit",
		"batch/v1/Job ownaudit-sharded",
		"monitoring.coreos.com/v1/ServiceMonitor ownaudit",
		"networking.k8s.io/v1/NetworkPolicy ownaudit",
		"v1/ConfigMap ownaudit-declaration",
		"v1/Service ownaudit",
		"v1/ServiceAccount ownaudit",
	}
	if !slices.Equal(got, want) {
		t.Errorf("manifests:\ngot  %q\nwant %q", got, want)
	}
}

// TestStrictDecodingRejects makes sure the decoding above can fail: an
// unknown field, a field of another kind, a wrong value type, a duplicate
// key, an unknown kind.
func TestStrictDecodingRejects(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want string // in the error
	}{
		{"unknown field", "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: x}\nautomountToken: false\n", `unknown field "automountToken"`},
		{"field of another kind", "apiVersion: batch/v1\nkind: Job\nmetadata: {name: x}\nspec: {schedule: '* * * * *'}\n", `unknown field "schedule"`},
		{"wrong value type", "apiVersion: batch/v1\nkind: Job\nmetadata: {name: x}\nspec: {completions: four}\n", "cannot unmarshal string"},
		{"duplicate key", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: b, a: c}\n", `key "a" already set`},
		{"unknown kind", "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n", "not a kind this test knows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeManifest(tt.doc)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("decodeManifest(%q): got error %v, want one containing %q", tt.doc, err, tt.want)
			}
		})
	}
}

func TestNamespaceAgnosticAndLabelled(t *testing.T) {
	for _, m := range loadManifests(t) {
		meta := objectMeta(m.obj)
		if meta.namespace != "" {
			t.Errorf("%s: namespace %q: want none, so `kubectl apply -n` chooses", m.where, meta.namespace)
		}
		if got := meta.labels["app.kubernetes.io/name"]; got != "ownaudit" {
			t.Errorf("%s: label app.kubernetes.io/name: got %q, want ownaudit", m.where, got)
		}
	}
}

type meta struct {
	namespace string
	labels    map[string]string
}

func objectMeta(obj any) meta {
	switch o := obj.(type) {
	case *corev1.ServiceAccount:
		return meta{o.Namespace, o.Labels}
	case *corev1.ConfigMap:
		return meta{o.Namespace, o.Labels}
	case *corev1.Service:
		return meta{o.Namespace, o.Labels}
	case *appsv1.Deployment:
		return meta{o.Namespace, o.Labels}
	case *batchv1.Job:
		return meta{o.Namespace, o.Labels}
	case *batchv1.CronJob:
		return meta{o.Namespace, o.Labels}
	case *monitoringv1.ServiceMonitor:
		return meta{o.Namespace, o.Labels}
	case *networkingv1.NetworkPolicy:
		return meta{o.Namespace, o.Labels}
	}
	panic(fmt.Sprintf("objectMeta: %T", obj))
}

func TestServiceAccountIdentityAnnotations(t *testing.T) {
	sa := find[corev1.ServiceAccount](t, loadManifests(t), "ownaudit")
	for _, key := range []string{
		"eks.amazonaws.com/role-arn",        // IRSA
		"iam.gke.io/gcp-service-account",    // GKE workload identity
		"azure.workload.identity/client-id", // Azure workload identity
	} {
		if sa.Annotations[key] == "" {
			t.Errorf("ServiceAccount annotation %s: got none, want a placeholder", key)
		}
	}
	if sa.AutomountServiceAccountToken == nil || *sa.AutomountServiceAccountToken {
		t.Errorf("ServiceAccount automountServiceAccountToken: got %v, want false (ownaudit never calls the Kubernetes API)", sa.AutomountServiceAccountToken)
	}
}

func TestDeclarationConfigMap(t *testing.T) {
	cm := find[corev1.ConfigMap](t, loadManifests(t), "ownaudit-declaration")
	text, ok := cm.Data["declaration.yaml"]
	if !ok {
		t.Fatalf("ConfigMap ownaudit-declaration keys: got %v, want declaration.yaml", slices.Sorted(maps.Keys(cm.Data)))
	}
	decl, err := declaration.Parse("configmap.yaml:declaration.yaml", []byte(text))
	if err != nil {
		t.Fatalf("the ConfigMap's declaration does not parse:\n%v", err)
	}
	if len(decl.Parties) == 0 || len(decl.Responsibilities) == 0 {
		t.Errorf("the ConfigMap's declaration: got %d parties and %d responsibilities, want some of each", len(decl.Parties), len(decl.Responsibilities))
	}
	// The ConfigMap carries the managed-service template; keep the two the
	// same (the schema comment's relative path means nothing in a cluster).
	src, err := os.ReadFile(filepath.Join(repoRoot, "configs", "declarations", "managed-service.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	for line := range strings.Lines(string(src)) {
		if !strings.HasPrefix(line, "# yaml-language-server:") {
			want.WriteString(line)
		}
	}
	if text != want.String() {
		t.Errorf("ConfigMap declaration.yaml differs from configs/declarations/managed-service.yaml (without its yaml-language-server line); copy it over")
	}
}

// podTemplate is a pod template found in a workload, with where it is.
type podTemplate struct {
	where string
	spec  corev1.PodTemplateSpec
}

func podTemplates(ms []manifest) []podTemplate {
	var out []podTemplate
	for _, m := range ms {
		switch o := m.obj.(type) {
		case *batchv1.CronJob:
			out = append(out, podTemplate{"CronJob " + o.Name, o.Spec.JobTemplate.Spec.Template})
		case *batchv1.Job:
			out = append(out, podTemplate{"Job " + o.Name, o.Spec.Template})
		case *appsv1.Deployment:
			out = append(out, podTemplate{"Deployment " + o.Name, o.Spec.Template})
		}
	}
	return out
}

// TestPodsLockedDown checks every container of every workload: non-root,
// read-only root filesystem, no privilege escalation, every capability
// dropped, the runtime's seccomp profile, resources bounded; and every pod:
// the ownaudit ServiceAccount, the Azure workload identity label, /tmp
// writable.
func TestPodsLockedDown(t *testing.T) {
	ms := loadManifests(t)
	pods := podTemplates(ms)
	if len(pods) != 3 {
		t.Fatalf("pod templates: got %d, want 3 (CronJob, Job, Deployment)", len(pods))
	}
	for _, p := range pods {
		spec := p.spec.Spec
		if spec.ServiceAccountName != "ownaudit" {
			t.Errorf("%s: serviceAccountName: got %q, want ownaudit", p.where, spec.ServiceAccountName)
		}
		if got := p.spec.Labels["azure.workload.identity/use"]; got != "true" {
			t.Errorf("%s: pod label azure.workload.identity/use: got %q, want \"true\"", p.where, got)
		}
		if spec.HostNetwork || spec.HostPID || spec.HostIPC {
			t.Errorf("%s: shares a host namespace", p.where)
		}
		if !mountsEmptyDir(spec, "/tmp") {
			t.Errorf("%s: /tmp: want an emptyDir mounted there in every container (the root filesystem is read-only)", p.where)
		}
		containers := slices.Concat(spec.InitContainers, spec.Containers)
		if len(containers) == 0 {
			t.Errorf("%s: no containers", p.where)
		}
		for _, c := range containers {
			where := p.where + " container " + c.Name
			checkContainerSecurity(t, where, spec.SecurityContext, c.SecurityContext)
			for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				if q, ok := c.Resources.Requests[r]; !ok || q.IsZero() {
					t.Errorf("%s: resources.requests.%s: want one", where, r)
				}
				if q, ok := c.Resources.Limits[r]; !ok || q.IsZero() {
					t.Errorf("%s: resources.limits.%s: want one", where, r)
				}
			}
			if c.Image == "" {
				t.Errorf("%s: no image", where)
			}
		}
	}
}

// releaseImage is an image named by a release tag (vX.Y.Z), optionally
// pinned by digest as well, or by digest alone.
var releaseImage = regexp.MustCompile(`^[a-z0-9.-]+(/[a-z0-9._-]+)+(:v\d+\.\d+\.\d+)?(@sha256:[0-9a-f]{64})?$`)

// TestImagesAreReleases checks that every pod runs one image, named by a
// release tag or a digest: never latest or another moving tag.
func TestImagesAreReleases(t *testing.T) {
	images := map[string]bool{}
	for _, p := range podTemplates(loadManifests(t)) {
		for _, c := range p.spec.Spec.Containers {
			m := releaseImage.FindStringSubmatch(c.Image)
			if m == nil || (m[2] == "" && m[3] == "") {
				t.Errorf("%s container %s: image %q, want a release tag (vX.Y.Z) or a digest", p.where, c.Name, c.Image)
			}
			images[c.Image] = true
		}
	}
	if len(images) != 1 {
		t.Errorf("images: got %v, want the same one in every pod", slices.Sorted(maps.Keys(images)))
	}
}

// goMemLimit parses a GOMEMLIMIT value: bytes, or a number with a B, KiB,
// MiB, GiB or TiB suffix.
func goMemLimit(v string) (int64, error) {
	units := []struct {
		suffix string
		shift  uint
	}{{"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"B", 0}}
	shift := uint(0)
	for _, u := range units {
		if n, ok := strings.CutSuffix(v, u.suffix); ok {
			v, shift = n, u.shift
			break
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("GOMEMLIMIT %q: want a positive size such as 460MiB", v)
	}
	return n << shift, nil
}

// TestGoMemLimitBelowTheLimit checks that every container's GOMEMLIMIT
// leaves at least a tenth of its memory limit to what is not heap: set to
// the limit itself, the runtime lets the heap grow until the pod is
// OOM-killed.
func TestGoMemLimitBelowTheLimit(t *testing.T) {
	for _, p := range podTemplates(loadManifests(t)) {
		for _, c := range p.spec.Spec.Containers {
			where := p.where + " container " + c.Name
			var value string
			for _, e := range c.Env {
				if e.Name == "GOMEMLIMIT" {
					if e.ValueFrom != nil {
						t.Errorf("%s: GOMEMLIMIT from %v: want a value below the limit, not the limit", where, e.ValueFrom)
					}
					value = e.Value
				}
			}
			soft, err := goMemLimit(value)
			if err != nil {
				t.Errorf("%s: %v", where, err)
				continue
			}
			limit := c.Resources.Limits.Memory().Value()
			if soft > limit*9/10 || soft < limit/2 {
				t.Errorf("%s: GOMEMLIMIT %s (%d bytes) with limits.memory %d bytes: want 50-90%% of it", where, value, soft, limit)
			}
		}
	}
}

// checkContainerSecurity checks the security settings in force for one
// container: its own, or the pod's where Kubernetes falls back to them.
func checkContainerSecurity(t *testing.T, where string, pod *corev1.PodSecurityContext, c *corev1.SecurityContext) {
	t.Helper()
	if pod == nil {
		pod = &corev1.PodSecurityContext{}
	}
	if c == nil {
		c = &corev1.SecurityContext{}
	}
	runAsNonRoot := cmpOr(c.RunAsNonRoot, pod.RunAsNonRoot)
	if runAsNonRoot == nil || !*runAsNonRoot {
		t.Errorf("%s: runAsNonRoot: got %v, want true", where, runAsNonRoot)
	}
	if uid := cmpOr(c.RunAsUser, pod.RunAsUser); uid == nil || *uid != 65532 {
		t.Errorf("%s: runAsUser: got %v, want 65532 (the image's user)", where, deref(uid))
	}
	if c.ReadOnlyRootFilesystem == nil || !*c.ReadOnlyRootFilesystem {
		t.Errorf("%s: readOnlyRootFilesystem: got %v, want true", where, deref(c.ReadOnlyRootFilesystem))
	}
	if c.AllowPrivilegeEscalation == nil || *c.AllowPrivilegeEscalation {
		t.Errorf("%s: allowPrivilegeEscalation: got %v, want false", where, deref(c.AllowPrivilegeEscalation))
	}
	if c.Privileged != nil && *c.Privileged {
		t.Errorf("%s: privileged: got true, want false", where)
	}
	if c.Capabilities == nil || !slices.Contains(c.Capabilities.Drop, "ALL") {
		t.Errorf("%s: capabilities.drop: want ALL", where)
	} else if len(c.Capabilities.Add) > 0 {
		t.Errorf("%s: capabilities.add: got %v, want none", where, c.Capabilities.Add)
	}
	seccomp := cmpOr(c.SeccompProfile, pod.SeccompProfile)
	if seccomp == nil || seccomp.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("%s: seccompProfile: got %v, want RuntimeDefault", where, deref(seccomp))
	}
}

// cmpOr returns the first non-nil pointer.
func cmpOr[T any](ps ...*T) *T {
	for _, p := range ps {
		if p != nil {
			return p
		}
	}
	return nil
}

// deref renders an optional value for a message.
func deref[T any](p *T) any {
	if p == nil {
		return "unset"
	}
	return *p
}

// mountsEmptyDir reports whether every container mounts an emptyDir volume
// at dir.
func mountsEmptyDir(spec corev1.PodSpec, dir string) bool {
	for _, c := range slices.Concat(spec.InitContainers, spec.Containers) {
		v, ok := mountedVolume(spec, c, dir)
		if !ok || v.EmptyDir == nil {
			return false
		}
	}
	return true
}

// mountedVolume returns the volume c mounts at dir.
func mountedVolume(spec corev1.PodSpec, c corev1.Container, dir string) (corev1.Volume, bool) {
	for _, m := range c.VolumeMounts {
		if path.Clean(m.MountPath) != path.Clean(dir) {
			continue
		}
		for _, v := range spec.Volumes {
			if v.Name == m.Name {
				return v, true
			}
		}
	}
	return corev1.Volume{}, false
}

// flagValue returns the value of --name in args ("--name value" or
// "--name=value").
func flagValue(args []string, name string) (string, bool) {
	for i, a := range args {
		if v, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			return v, true
		}
		if a == "--"+name && i+1 < len(args) {
			return args[i+1], true
		}
	}
	return "", false
}

// TestDeclarationMounted checks that every pod's --declaration is a key of
// the declaration ConfigMap, mounted read-only where the flag points.
func TestDeclarationMounted(t *testing.T) {
	ms := loadManifests(t)
	cm := find[corev1.ConfigMap](t, ms, "ownaudit-declaration")
	for _, p := range podTemplates(ms) {
		for _, c := range p.spec.Spec.Containers {
			where := p.where + " container " + c.Name
			file, ok := flagValue(c.Args, "declaration")
			if !ok {
				t.Errorf("%s: args %q: no --declaration", where, c.Args)
				continue
			}
			v, ok := mountedVolume(p.spec.Spec, c, path.Dir(file))
			if !ok || v.ConfigMap == nil {
				t.Errorf("%s: --declaration %s: no ConfigMap volume mounted at %s", where, file, path.Dir(file))
				continue
			}
			if v.ConfigMap.Name != cm.Name {
				t.Errorf("%s: volume %s: ConfigMap %q, want %q", where, v.Name, v.ConfigMap.Name, cm.Name)
			}
			key := path.Base(file)
			for _, it := range v.ConfigMap.Items {
				if it.Path == path.Base(file) {
					key = it.Key
				}
			}
			if _, ok := cm.Data[key]; !ok {
				t.Errorf("%s: --declaration %s: key %q is not in ConfigMap %s", where, file, key, cm.Name)
			}
			for _, m := range c.VolumeMounts {
				if m.Name == v.Name && !m.ReadOnly {
					t.Errorf("%s: volume mount %s: want readOnly", where, m.Name)
				}
			}
		}
	}
}

func TestCronJob(t *testing.T) {
	cj := find[batchv1.CronJob](t, loadManifests(t), "ownaudit")
	if cj.Spec.Schedule != "0 */6 * * *" {
		t.Errorf("schedule: got %q, want every six hours (\"0 */6 * * *\")", cj.Spec.Schedule)
	}
	if cj.Spec.ConcurrencyPolicy != batchv1.ForbidConcurrent {
		t.Errorf("concurrencyPolicy: got %q, want Forbid", cj.Spec.ConcurrencyPolicy)
	}
	job := cj.Spec.JobTemplate.Spec
	if job.BackoffLimit == nil || *job.BackoffLimit > 1 {
		t.Errorf("backoffLimit: got %v, want 0 or 1 (a one-shot scan; the next run is the retry)", deref(job.BackoffLimit))
	}
	if got := job.Template.Spec.RestartPolicy; got != corev1.RestartPolicyNever {
		t.Errorf("restartPolicy: got %q, want Never", got)
	}
	args := onlyContainer(t, "CronJob", job.Template.Spec).Args
	if len(args) == 0 || args[0] != "scan" {
		t.Fatalf("args: got %q, want scan ...", args)
	}
	for _, f := range []string{"pushgateway", "output"} {
		if _, ok := flagValue(args, f); !ok {
			t.Errorf("args %q: no --%s", args, f)
		}
	}
	if out, _ := flagValue(args, "output"); !strings.HasPrefix(out, "/tmp/") {
		t.Errorf("--output %q: want it under /tmp, the only writable directory", out)
	}
}

func TestShardedJob(t *testing.T) {
	job := find[batchv1.Job](t, loadManifests(t), "ownaudit-sharded")
	s := job.Spec
	if s.CompletionMode == nil || *s.CompletionMode != batchv1.IndexedCompletion {
		t.Errorf("completionMode: got %v, want Indexed (Kubernetes then sets JOB_COMPLETION_INDEX)", deref(s.CompletionMode))
	}
	if got := s.Template.Spec.RestartPolicy; got != corev1.RestartPolicyNever {
		t.Errorf("restartPolicy: got %q, want Never", got)
	}
	if s.BackoffLimit == nil || *s.BackoffLimit > 1 {
		t.Errorf("backoffLimit: got %v, want 0 or 1", deref(s.BackoffLimit))
	}
	args := onlyContainer(t, "Job", s.Template.Spec).Args
	if len(args) == 0 || args[0] != "scan" {
		t.Fatalf("args: got %q, want scan ...", args)
	}
	v, ok := flagValue(args, "shard-count")
	if !ok {
		t.Fatalf("args %q: no --shard-count", args)
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 2 {
		t.Fatalf("--shard-count %q: want a number of shards, 2 or more", v)
	}
	if s.Completions == nil || int(*s.Completions) != n {
		t.Errorf("completions: got %v, want %d (--shard-count): one pod per shard", deref(s.Completions), n)
	}
	if s.Parallelism == nil || int(*s.Parallelism) != n {
		t.Errorf("parallelism: got %v, want %d (--shard-count)", deref(s.Parallelism), n)
	}
	// The shard comes from JOB_COMPLETION_INDEX; a fixed --shard would make
	// every pod scan the same one.
	if _, ok := flagValue(args, "shard"); ok {
		t.Errorf("args %q: --shard fixes the shard; want only --shard-count", args)
	}
	if _, ok := flagValue(args, "pushgateway"); !ok {
		t.Errorf("args %q: no --pushgateway", args)
	}
}

// TestScanTimeoutBeforeTheDeadline checks that every one-shot scan stops
// reading (--scan-timeout) before activeDeadlineSeconds kills its pod:
// a pod killed mid-scan writes and pushes nothing.
func TestScanTimeoutBeforeTheDeadline(t *testing.T) {
	ms := loadManifests(t)
	jobs := map[string]batchv1.JobSpec{
		"CronJob ownaudit":     find[batchv1.CronJob](t, ms, "ownaudit").Spec.JobTemplate.Spec,
		"Job ownaudit-sharded": find[batchv1.Job](t, ms, "ownaudit-sharded").Spec,
	}
	for where, job := range jobs {
		args := onlyContainer(t, where, job.Template.Spec).Args
		v, ok := flagValue(args, "scan-timeout")
		d, err := time.ParseDuration(v)
		switch {
		case !ok || err != nil || d <= 0:
			t.Errorf("%s: args %q: want --scan-timeout with a positive duration", where, args)
		case job.ActiveDeadlineSeconds == nil:
			t.Errorf("%s: no activeDeadlineSeconds", where)
		case d > time.Duration(*job.ActiveDeadlineSeconds)*time.Second-10*time.Minute:
			t.Errorf("%s: --scan-timeout %s: want it at least 10 minutes below activeDeadlineSeconds (%ds), to evaluate, write and push", where, d, *job.ActiveDeadlineSeconds)
		}
	}
}

func onlyContainer(t *testing.T, where string, spec corev1.PodSpec) corev1.Container {
	t.Helper()
	if len(spec.Containers) != 1 {
		t.Fatalf("%s: got %d containers, want 1", where, len(spec.Containers))
	}
	return spec.Containers[0]
}

func TestServeMode(t *testing.T) {
	ms := loadManifests(t)
	dep := find[appsv1.Deployment](t, ms, "ownaudit")
	svc := find[corev1.Service](t, ms, "ownaudit")
	sm := find[monitoringv1.ServiceMonitor](t, ms, "ownaudit")

	if dep.Spec.Replicas == nil || *dep.Spec.Replicas != 1 {
		t.Errorf("Deployment replicas: got %v, want 1 (two would scan the estate twice)", deref(dep.Spec.Replicas))
	}
	if dep.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		t.Errorf("Deployment strategy: got %q, want Recreate (a rolling update runs two scanners)", dep.Spec.Strategy.Type)
	}
	c := onlyContainer(t, "Deployment", dep.Spec.Template.Spec)
	if len(c.Args) == 0 || c.Args[0] != "serve" {
		t.Fatalf("Deployment args: got %q, want serve ...", c.Args)
	}
	listen, ok := flagValue(c.Args, "listen")
	if !ok {
		t.Fatalf("Deployment args %q: no --listen (the default, 127.0.0.1, is unreachable from outside the pod)", c.Args)
	}
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		t.Fatalf("--listen %q: %v", listen, err)
	}
	if host != "0.0.0.0" && host != "" {
		t.Errorf("--listen %q: want all interfaces, so probes and Prometheus reach it", listen)
	}
	if iv, ok := flagValue(c.Args, "interval"); !ok {
		t.Errorf("Deployment args %q: no --interval", c.Args)
	} else if d, err := time.ParseDuration(iv); err != nil || d <= 0 {
		t.Errorf("--interval %q: want a positive duration", iv)
	}
	var metricsPort *corev1.ContainerPort
	for i, p := range c.Ports {
		if p.Name == "metrics" {
			metricsPort = &c.Ports[i]
		}
	}
	if metricsPort == nil {
		t.Fatalf("Deployment ports %v: none named metrics", c.Ports)
	}
	if strconv.Itoa(int(metricsPort.ContainerPort)) != port {
		t.Errorf("containerPort metrics: got %d, want %s (--listen)", metricsPort.ContainerPort, port)
	}
	checkProbe(t, "readinessProbe", c.ReadinessProbe, "/readyz")
	checkProbe(t, "livenessProbe", c.LivenessProbe, "/healthz")

	// The Service selects the Deployment's pods and exposes the port.
	if !selects(svc.Spec.Selector, dep.Spec.Template.Labels) {
		t.Errorf("Service selector %v does not select the Deployment's pods %v", svc.Spec.Selector, dep.Spec.Template.Labels)
	}
	if !selects(dep.Spec.Selector.MatchLabels, dep.Spec.Template.Labels) {
		t.Errorf("Deployment selector %v does not select its own pods %v", dep.Spec.Selector.MatchLabels, dep.Spec.Template.Labels)
	}
	var svcPort *corev1.ServicePort
	for i, p := range svc.Spec.Ports {
		if p.Name == "metrics" {
			svcPort = &svc.Spec.Ports[i]
		}
	}
	if svcPort == nil {
		t.Fatalf("Service ports %v: none named metrics", svc.Spec.Ports)
	}
	if svcPort.Port != metricsPort.ContainerPort {
		t.Errorf("Service port metrics: got %d, want %d", svcPort.Port, metricsPort.ContainerPort)
	}
	if tp := svcPort.TargetPort; tp != intstr.FromString("metrics") && tp != intstr.FromInt32(metricsPort.ContainerPort) {
		t.Errorf("Service targetPort: got %v, want metrics", tp.String())
	}

	// The ServiceMonitor selects the Service and scrapes its metrics port.
	if !selects(sm.Spec.Selector.MatchLabels, svc.Labels) || len(sm.Spec.Selector.MatchExpressions) > 0 {
		t.Errorf("ServiceMonitor selector %v does not select the Service's labels %v", sm.Spec.Selector.MatchLabels, svc.Labels)
	}
	if len(sm.Spec.Endpoints) != 1 {
		t.Fatalf("ServiceMonitor endpoints: got %d, want 1", len(sm.Spec.Endpoints))
	}
	ep := sm.Spec.Endpoints[0]
	if ep.Port != "metrics" {
		t.Errorf("ServiceMonitor endpoint port: got %q, want metrics", ep.Port)
	}
	if ep.Interval != "60s" {
		t.Errorf("ServiceMonitor endpoint interval: got %q, want 60s", ep.Interval)
	}
	if ep.Path != "" && ep.Path != "/metrics" {
		t.Errorf("ServiceMonitor endpoint path: got %q, want /metrics", ep.Path)
	}
}

// TestFindingsGuarded checks that only the monitoring namespace reaches
// serve mode's pods, on the metrics port alone, and that /findings wants
// a bearer token from a read-only Secret (or is off).
func TestFindingsGuarded(t *testing.T) {
	ms := loadManifests(t)
	dep := find[appsv1.Deployment](t, ms, "ownaudit")
	np := find[networkingv1.NetworkPolicy](t, ms, "ownaudit")
	if !selects(np.Spec.PodSelector.MatchLabels, dep.Spec.Template.Labels) || len(np.Spec.PodSelector.MatchExpressions) > 0 {
		t.Errorf("NetworkPolicy podSelector %v does not select the Deployment's pods %v", np.Spec.PodSelector.MatchLabels, dep.Spec.Template.Labels)
	}
	if !slices.Equal(np.Spec.PolicyTypes, []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}) {
		t.Errorf("NetworkPolicy policyTypes: got %v, want [Ingress]", np.Spec.PolicyTypes)
	}
	if len(np.Spec.Ingress) != 1 {
		t.Fatalf("NetworkPolicy ingress rules: got %d, want 1", len(np.Spec.Ingress))
	}
	rule := np.Spec.Ingress[0]
	if len(rule.From) != 1 || rule.From[0].PodSelector != nil || rule.From[0].IPBlock != nil || rule.From[0].NamespaceSelector == nil ||
		!maps.Equal(rule.From[0].NamespaceSelector.MatchLabels, map[string]string{"kubernetes.io/metadata.name": "monitoring"}) ||
		len(rule.From[0].NamespaceSelector.MatchExpressions) > 0 {
		t.Errorf("NetworkPolicy from: got %+v, want the monitoring namespace alone", rule.From)
	}
	if len(rule.Ports) != 1 || rule.Ports[0].Port == nil || *rule.Ports[0].Port != intstr.FromString("metrics") ||
		rule.Ports[0].Protocol == nil || *rule.Ports[0].Protocol != corev1.ProtocolTCP {
		t.Errorf("NetworkPolicy ports: got %+v, want TCP metrics alone", rule.Ports)
	}

	c := onlyContainer(t, "Deployment", dep.Spec.Template.Spec)
	if slices.Contains(c.Args, "--no-findings") {
		return
	}
	file, ok := flagValue(c.Args, "findings-token-file")
	if !ok {
		t.Fatalf("Deployment args %q: want --findings-token-file or --no-findings", c.Args)
	}
	v, ok := mountedVolume(dep.Spec.Template.Spec, c, path.Dir(file))
	if !ok || v.Secret == nil {
		t.Fatalf("--findings-token-file %s: no Secret volume mounted at %s", file, path.Dir(file))
	}
	for _, m := range c.VolumeMounts {
		if m.Name == v.Name && !m.ReadOnly {
			t.Errorf("volume mount %s: want readOnly", m.Name)
		}
	}
	if mode := v.Secret.DefaultMode; mode == nil || *mode&0o007 != 0 {
		t.Errorf("Secret volume %s defaultMode: got %v, want no access for others", v.Name, deref(mode))
	}
}

func checkProbe(t *testing.T, name string, p *corev1.Probe, wantPath string) {
	t.Helper()
	if p == nil || p.HTTPGet == nil {
		t.Errorf("%s: want an HTTP GET of %s", name, wantPath)
		return
	}
	if p.HTTPGet.Path != wantPath {
		t.Errorf("%s path: got %q, want %q", name, p.HTTPGet.Path, wantPath)
	}
	if p.HTTPGet.Port != intstr.FromString("metrics") {
		t.Errorf("%s port: got %v, want metrics", name, p.HTTPGet.Port.String())
	}
}

// selects reports whether every selector label is on labels.
func selects(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// TestArgsAreKnownFlags runs the image's binary with `<subcommand> --help`
// and checks that every flag the manifests pass is one it lists.
func TestArgsAreKnownFlags(t *testing.T) {
	goos := "linux"
	if runtime.GOOS != "linux" {
		goos = runtime.GOOS // the image's binary would not run here
	}
	bin := imageBinary(t, goos)
	help := map[string]string{}
	for _, p := range podTemplates(loadManifests(t)) {
		for _, c := range p.spec.Spec.Containers {
			where := p.where + " container " + c.Name
			if len(c.Command) > 0 {
				t.Errorf("%s: command %q: want none, the image's ENTRYPOINT runs ownaudit", where, c.Command)
			}
			if len(c.Args) == 0 || strings.HasPrefix(c.Args[0], "-") {
				t.Errorf("%s: args %q: want a subcommand first", where, c.Args)
				continue
			}
			sub := c.Args[0]
			if _, ok := help[sub]; !ok {
				out, err := exec.Command(bin, sub, "--help").CombinedOutput()
				if err != nil {
					t.Errorf("ownaudit %s --help: %v\n%s", sub, err, out)
				}
				help[sub] = string(out)
			}
			for _, a := range c.Args[1:] {
				if !strings.HasPrefix(a, "--") {
					continue
				}
				name, _, _ := strings.Cut(strings.TrimPrefix(a, "--"), "=")
				known := regexp.MustCompile(`(?m)(^|[ ,])--` + regexp.QuoteMeta(name) + `( |$)`)
				if !known.MatchString(help[sub]) {
					t.Errorf("%s: --%s: not a flag `ownaudit %s --help` lists", where, name, sub)
				}
			}
		}
	}
}
