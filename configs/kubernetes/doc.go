// Package kubernetes holds no code: its directory carries the Kubernetes
// manifests that run ownaudit (a CronJob, a sharded Indexed Job, and serve
// mode behind a Service and a ServiceMonitor), and its tests decode every
// manifest strictly into the Kubernetes API types, check them against the
// binary's own flags, and build the static binary the repository's
// Dockerfile builds. docs/kubernetes.md describes them.
package kubernetes
