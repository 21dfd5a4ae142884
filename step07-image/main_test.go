package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseRun(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		args    []string
		want    []string // the container's command
		wantErr string
	}{
		{"command only", []string{"--rootfs", dir, "sh"}, []string{"sh"}, ""},
		{"flags stop at the command", []string{"--rootfs", dir, "sh", "-c", "ls -l"},
			[]string{"sh", "-c", "ls -l"}, ""},
		{"flag with =", []string{"--rootfs=" + dir, "ls", "--rootfs"},
			[]string{"ls", "--rootfs"}, ""},
		{"no command", []string{"--rootfs", dir}, nil, "run: no command given"},
		{"unknown flag", []string{"--nope", "sh"}, nil, "run: unknown flag: --nope"},
		{"missing rootfs", []string{"--rootfs", dir + "/missing", "sh"}, nil,
			"run: rootfs: stat " + dir + "/missing: no such file or directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := parseRun(tc.args)
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, cfg.Args)
			assert.Equal(t, dir, cfg.Rootfs)
		})
	}
}

func TestLookPath(t *testing.T) {
	env := []string{"PATH=/nonexistent:/bin"}
	got, err := lookPath("sh", env)
	require.NoError(t, err)
	assert.Equal(t, "/bin/sh", got)
	got, err = lookPath("./x/y", env)
	require.NoError(t, err)
	assert.Equal(t, "./x/y", got, "a name with a slash is not searched")
	_, err = lookPath("no-such-command-anywhere", env)
	assert.EqualError(t, err, "executable file not found in $PATH")
}
