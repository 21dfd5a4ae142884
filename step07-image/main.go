// Command contain is a small container engine, built one isolation mechanism at a time.
//
// This is step 5: the rootfs is a read-only layer shared by every container, and each
// container writes into a layer of its own (overlayfs); volumes keep data outside the
// layers; diff shows what a container changed, and cp copies files in and out.
//
//	contain [--debug] [--root DIR] [--cgroup-parent NAME] [--data-root DIR] COMMAND ...
//	contain run [-d] [--rm] [--name NAME] [-v SRC:DST[:ro]] [--tmpfs DST] [--memory BYTES]
//	            [--cpus N] [--pids-limit N] [--init] ... CMD [ARG...]
//	contain ps [-a] | exec | logs [-f] | stats | stop [-t S] | kill [-s SIG] | rm [-f] [-v]
//	contain pause | unpause | inspect | diff | cp | volume ...
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"
)

// Exit statuses, as docker uses them: the engine failed (125), the command could not be
// executed (126) or found (127). A command killed by signal N ends with 128+N.
const (
	exitEngine     = 125
	exitCannotExec = 126
	exitNotFound   = 127
)

const usage = `Usage: contain [--debug] COMMAND [ARG...]

A container engine built in eight steps.

Commands:
  run [FLAGS] CMD [ARG...]      Run a command in a new container
  ps [-a] [-q]                  List containers
  exec CONTAINER CMD [ARG...]   Run a command in a running container
  logs [-f] CONTAINER           Print the output of a detached container
  stats CONTAINER...            Show CPU, memory and process use
  stop [-t SECONDS] CONTAINER...
                                Stop containers: SIGTERM, then kill after a grace period
  kill [-s SIGNAL] CONTAINER... Send a signal to containers
  pause CONTAINER...            Freeze every process of containers
  unpause CONTAINER...          Let paused containers run again
  rm [-f] CONTAINER...          Remove containers
  inspect CONTAINER...          Show what the engine knows of containers, as JSON
  diff CONTAINER                Show the files a container added (A), changed (C), deleted (D)
  cp SRC DST                    Copy files between a container (NAME:PATH) and the host
  volume create|ls|inspect|rm|prune
                                Manage volumes
  network create|ls|inspect|rm|prune
                                Manage networks
  port CONTAINER [PORT]         List a container's published ports
  pull IMAGE                    Download an image from its registry
  images                        List the images of the store
  rmi IMAGE...                  Remove images
  tag SOURCE TARGET             Give an image another name
  load -i FILE                  Load images from a tar (docker save, an OCI layout)
  image ls|inspect|rm|prune     Manage images

Global flags:
  -v, --debug                   Narrate each isolation decision on stderr
      --root DIR                State directory (default /run/contain)
      --cgroup-parent NAME      The engine's cgroup, under the cgroup2 root (default contain)
      --data-root DIR           Layers, volumes and images (default /var/lib/contain)
      --registry-mirror URL     Pull Docker Hub's images from this mirror first, e.g.
                                http://10.0.2.2:5000 (or $CONTAIN_REGISTRY_MIRROR)
`

// exitError ends the engine with a docker-style status. With a nil err, the status is the
// container's own and nothing is printed.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func main() {
	// Descriptors that the caller left open (a shell's `9</`, a pipe) never reach a process
	// the engine starts (init.go).
	closeExtraFds()
	// The re-executed child: see init.go. It reports its own errors to the parent.
	if len(os.Args) > 1 && os.Args[1] == "init" {
		initMain()
	}
	// The process that `contain exec` placed in a container: see exec.go.
	if len(os.Args) > 1 && os.Args[1] == "nsexec" {
		nsexecMain()
	}
	err := dispatch(os.Args[1:])
	if err == nil {
		return
	}
	code := exitEngine
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
		if ee.err == nil {
			os.Exit(code)
		}
	}
	fmt.Fprintf(os.Stderr, "contain: %v\n", err)
	os.Exit(code)
}

// dispatch parses the global flags and runs one command.
func dispatch(args []string) error {
	fs := newFlagSet("contain")
	fs.BoolVarP(&debugOn, "debug", "v", false, "narrate each isolation decision")
	fs.StringVar(&stateRoot, "root", stateRoot, "state directory")
	fs.StringVar(&cgroupParent, "cgroup-parent", cgroupParent, "the engine's cgroup")
	fs.StringVar(&dataRoot, "data-root", dataRoot, "layers and volumes")
	fs.StringVar(&registryMirror, "registry-mirror", os.Getenv("CONTAIN_REGISTRY_MIRROR"),
		"a mirror of Docker Hub")
	if err := parseFlags(fs, args, usage); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fmt.Fprint(os.Stderr, usage)
		return &exitError{code: exitEngine}
	}
	cmd, rest := fs.Arg(0), fs.Args()[1:]
	switch cmd {
	case "run":
		return runCmd(rest)
	case "ps":
		return psCmd(rest)
	case "exec":
		return execCmd(rest)
	case "logs":
		return logsCmd(rest)
	case "stats":
		return statsCmd(rest)
	case "stop":
		return stopCmd(rest)
	case "kill":
		return killCmd(rest)
	case "diff":
		return diffCmd(rest)
	case "cp":
		return cpCmd(rest)
	case "volume":
		return volumeCmd(rest)
	case "network":
		return networkCmd(rest)
	case "port":
		return portCmd(rest)
	case "pull":
		return pullCmd(rest)
	case "images":
		return imagesCmd(rest)
	case "rmi":
		return rmiCmd(rest)
	case "tag":
		return tagCmd(rest)
	case "load":
		return loadCmd(rest)
	case "image":
		return imageCmd(rest)
	case "pause":
		return pauseCmd(rest)
	case "unpause":
		return unpauseCmd(rest)
	case "rm":
		return rmCmd(rest)
	case "inspect":
		return inspectCmd(rest)
	case "monitor": // hidden: started by run -d (monitor.go)
		return monitorCmd(rest)
	case "help":
		fmt.Print(usage)
		return nil
	}
	return fmt.Errorf("unknown command %q (see 'contain help')", cmd)
}

// newFlagSet returns a docker-style flag set: --long and -s flags, and parsing stops at
// the first argument that is not a flag, so that `run sh -c 'ls -l'` keeps -c for sh.
func newFlagSet(name string) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetInterspersed(false)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseFlags parses args and turns --help into the usage text, a bad flag into one line.
func parseFlags(fs *pflag.FlagSet, args []string, help string) error {
	err := fs.Parse(args)
	if errors.Is(err, pflag.ErrHelp) {
		fmt.Print(help)
		return &exitError{code: 0}
	}
	if err != nil {
		return fmt.Errorf("%s: %w", fs.Name(), err)
	}
	return nil
}
