package main

import (
	"testing"

	"contain/testkit"
	"github.com/stretchr/testify/assert"
)

// Break it: nothing limits what a container takes. A memory hog gets all it asks for, and a
// fork loop starts every process it wants (step 4 puts limits on both).
func TestNoLimits(t *testing.T) {
	sb := testkit.NewSandbox(t)
	out := sb.Contain(t, "run", "--rootfs", testkit.Rootfs(t), "probe", "memhog", "200")
	assert.Contains(t, out, "done 200 MiB")
	out = sb.Contain(t, "run", "--rootfs", testkit.Rootfs(t), "probe", "forkbomb", "40")
	assert.Contains(t, out, "started 40 of 40")
}
