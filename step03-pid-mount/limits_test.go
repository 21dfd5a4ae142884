package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// Break it: nothing limits what a container takes. A memory hog gets all it asks for, and a
// fork loop starts every process it wants (step 4 puts limits on both).
func TestNoLimits(t *testing.T) {
	sb := newSandbox(t)
	out := sb.contain(t, "run", "--rootfs", testRootfs(t), "probe", "memhog", "200")
	assert.Contains(t, out, "done 200 MiB")
	out = sb.contain(t, "run", "--rootfs", testRootfs(t), "probe", "forkbomb", "40")
	assert.Contains(t, out, "started 40 of 40")
}
