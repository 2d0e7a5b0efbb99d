// Package procstatus reads a process's memory figures from Linux's
// /proc/<pid>/status, for the bench and the profiles a run writes on
// request.
package procstatus

import (
	"os"
	"strconv"
	"strings"
)

// KB returns the field (VmRSS, VmHWM, ...) of a status file, such as
// /proc/self/status, in kB; ok is false where the file or the field is
// missing (not Linux, a process gone).
func KB(path, field string) (kb uint64, ok bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, found := strings.CutPrefix(line, field+":"); found {
			n, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}
