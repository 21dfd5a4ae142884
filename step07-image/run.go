// Host side: `contain run`, the engine process that starts a container and waits for it.

package main

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// defaultRootfs is where `make rootfs` puts the busybox tree.
const defaultRootfs = "/var/lib/contain/rootfs"

const runUsage = `Usage: contain run [FLAGS] CMD [ARG...]

Run CMD in a new container. Flags come before CMD; every word from CMD on is the command's.

Flags:
      --rootfs DIR              root filesystem (default ` + defaultRootfs + `)
      --hostname NAME           the container's hostname (default: its short ID)
      --name NAME               a unique name for the container (default: its short ID)
      --init                    run an init as PID 1 that passes signals on and reaps orphans
  -d, --detach                  run in the background and print the container ID
      --rm                      remove the container when it exits
  -m, --memory BYTES            memory limit, e.g. 20m or 1g (memory.max)
      --memory-swap BYTES       memory plus swap, -1 for no limit (memory.swap.max)
      --cpus N                  CPUs, e.g. 0.5 (cpu.max)
      --pids-limit N            maximum number of processes (pids.max)
      --cpuset-cpus LIST        CPUs to run on, e.g. 0-1 (cpuset.cpus)
      --blkio-weight N          share of disk time, 10 to 1000 (io.weight)
      --device-read-bps DEV:RATE
                                read at most RATE bytes/s from DEV, e.g. /dev/vda:1mb
      --device-write-bps DEV:RATE, --device-read-iops DEV:N, --device-write-iops DEV:N
                                the same for writes, and in operations/s (io.max)
      --cgroupns MODE           private (default: the container sees its group as /) or host
      --restart POLICY          no, on-failure[:N], always or unless-stopped (needs -d)
  -v, --volume [SRC:]DST[:ro]   mount a host path (SRC absolute) or a volume (SRC a name;
                                none: an anonymous volume) at DST in the container
      --tmpfs DST[:OPTIONS]     mount a tmpfs at DST, e.g. /run:size=64m
      --network MODE            bridge (default), none, host, container:NAME or a network
  -p, --publish [IP:]HOST:CTR[/udp]
                                publish the container's port CTR at the host's port HOST
      --dns IP                  a DNS server for the container's resolv.conf
`

// initConfig is everything the child needs to set up the container. The parent sends it
// over the sync socket (sync.go).
type initConfig struct {
	// Rootfs is the directory that becomes the container's /.
	Rootfs string `json:"rootfs"`

	// Name is the container's unique name, for `ps` and `exec`.
	Name string `json:"name,omitempty"`

	// Init runs the engine as PID 1, with the command as its child (reaper.go).
	Init bool `json:"init,omitempty"`

	// Resources are the container's limits (resources.go), applied by the engine.
	Resources *resources `json:"resources,omitempty"`

	// Detach (run -d, monitor.go), Remove (run --rm) and Restart (restart.go) are for the
	// engine too.
	Detach  bool           `json:"detach,omitempty"`
	Remove  bool           `json:"remove,omitempty"`
	Restart *restartPolicy `json:"restart,omitempty"`

	// CgroupNS is "host" when the container shares the engine's cgroup namespace.
	CgroupNS string `json:"cgroupns,omitempty"`

	// Layer is the container's own layer over the rootfs (overlay.go); Mounts are its
	// volumes and tmpfs mounts (mounts.go).
	Layer  *layer      `json:"layer,omitempty"`
	Mounts []mountSpec `json:"mounts,omitempty"`

	// Network is how the container is connected (netns.go); Files are the engine's
	// /etc/hosts, /etc/hostname and /etc/resolv.conf, mounted on the rootfs's (etcfiles.go).
	Network *netConfig  `json:"network,omitempty"`
	Files   []mountSpec `json:"files,omitempty"`

	// Hostname is set in the container's new UTS namespace.
	Hostname string `json:"hostname,omitempty"`

	// Args is the command and its arguments; Env its environment.
	Args []string `json:"args"`
	Env  []string `json:"env"`

	// Debug turns on the narration in the child too.
	Debug bool `json:"debug,omitempty"`
}

// runCmd is `contain run`.
func runCmd(args []string) error {
	// Signals are caught from the first instant: a Ctrl-C or SIGTERM that comes while the
	// container is being set up is held, then passed on to the command (signals.go).
	relay := catchSignals()
	defer relay.stop()
	cfg, err := parseRun(args)
	if err != nil {
		return err
	}
	if os.Geteuid() != 0 {
		return errors.New("run: must be run as root")
	}
	c, err := newContainer(cfg.Name, cfg)
	if err != nil {
		return fmt.Errorf("run: %w", err)
	}
	if cfg.Hostname == "" {
		cfg.Hostname = defaultHostname(c)
	}
	// The group's path is saved before the group is made: if the engine is killed in
	// between, rm still finds the group. The same for the layer.
	if c.Cgroup, err = cgroupPath(c.ID); err == nil {
		cfg.Layer, err = newLayer(c.ID, cfg.Rootfs)
	}
	if err == nil {
		if err = c.save(); err == nil {
			err = newCgroup(c.Cgroup, cfg.Resources)
		}
	}
	if err == nil {
		err = cfg.Layer.make()
	}
	if err == nil {
		cfg.Layer.Etc, err = etcLayer()
	}
	if err == nil {
		if err = prepareMounts(c); err == nil {
			err = writeEtcFiles(c)
		}
		if err == nil {
			err = c.save() // the volumes' names and host paths, the network's files
		}
	}
	if err != nil {
		_ = c.destroy()
		return fmt.Errorf("run: %w", err)
	}
	if cfg.Detach {
		err = startMonitor(c)
	} else {
		err = runContainer(c, relay)
	}
	if err != nil {
		return withPrefix("run", err)
	}
	return nil
}

// parseRun turns the command line of `contain run` into the child's configuration.
func parseRun(args []string) (*initConfig, error) {
	fs := newFlagSet("run")
	rootfs := fs.String("rootfs", defaultRootfs, "root filesystem of the container")
	hostname := fs.String("hostname", "", "the container's hostname")
	name := fs.String("name", "", "a unique name for the container")
	initFlag := fs.Bool("init", false, "run an init as PID 1")
	detach := fs.BoolP("detach", "d", false, "run in the background")
	remove := fs.Bool("rm", false, "remove the container when it exits")
	var rf resourceFlags
	fs.StringVarP(&rf.memory, "memory", "m", "", "memory limit")
	fs.StringVar(&rf.memorySwap, "memory-swap", "", "memory plus swap limit")
	fs.StringVar(&rf.cpus, "cpus", "", "CPUs")
	fs.Int64Var(&rf.pidsLimit, "pids-limit", 0, "maximum number of processes")
	fs.StringVar(&rf.cpusetCPUs, "cpuset-cpus", "", "CPUs to run on")
	fs.Uint16Var(&rf.blkioWeight, "blkio-weight", 0, "share of disk time")
	fs.StringArrayVar(&rf.readBps, "device-read-bps", nil, "read rate of a device")
	fs.StringArrayVar(&rf.writeBps, "device-write-bps", nil, "write rate of a device")
	fs.StringArrayVar(&rf.readIOps, "device-read-iops", nil, "read operations of a device")
	fs.StringArrayVar(&rf.writeIOps, "device-write-iops", nil, "write operations of a device")
	cgroupns := fs.String("cgroupns", "private", "cgroup namespace: private or host")
	restart := fs.String("restart", "no", "restart policy")
	volumes := fs.StringArrayP("volume", "v", nil, "bind mount or volume")
	tmpfs := fs.StringArray("tmpfs", nil, "tmpfs mount")
	network := fs.String("network", defaultNetwork, "the network to connect to")
	publish := fs.StringArrayP("publish", "p", nil, "publish a port")
	dns := fs.StringArray("dns", nil, "DNS server")
	if err := parseFlags(fs, args, runUsage); err != nil {
		return nil, err
	}
	if fs.NArg() == 0 {
		return nil, errors.New("run: no command given (usage: contain run [FLAGS] CMD [ARG...])")
	}
	cfg := &initConfig{Args: fs.Args(), Env: defaultEnv(), Debug: debugOn}
	var err error
	if cfg.Rootfs, err = checkRootfs(*rootfs); err != nil {
		return nil, err
	}
	if cfg.Hostname = *hostname; len(cfg.Hostname) > 64 {
		return nil, fmt.Errorf("run: hostname %q: longer than 64 bytes", cfg.Hostname)
	}
	if cfg.Name, cfg.Init = *name, *initFlag; cfg.Name != "" && !validName.MatchString(*name) {
		return nil, fmt.Errorf("run: invalid name %q: use letters, digits and _.-", *name)
	}
	cfg.Detach, cfg.Remove = *detach, *remove
	if cfg.Resources, err = rf.parse(); err != nil {
		return nil, fmt.Errorf("run: %w", err)
	}
	if *cgroupns != "private" && *cgroupns != "host" {
		return nil, fmt.Errorf("run: --cgroupns %q: want private or host", *cgroupns)
	}
	cfg.CgroupNS = strings.TrimPrefix(*cgroupns, "private")
	if cfg.Restart, err = parseRestart(*restart); err != nil {
		return nil, fmt.Errorf("run: %w", err)
	}
	for _, v := range *volumes {
		m, err := parseVolume(v)
		if err != nil {
			return nil, fmt.Errorf("run: %w", err)
		}
		if m.Anonymous {
			m.Source = randomID() // named now: the first state file records it
		}
		cfg.Mounts = append(cfg.Mounts, m)
	}
	for _, v := range *tmpfs {
		m, err := parseTmpfs(v)
		if err != nil {
			return nil, fmt.Errorf("run: %w", err)
		}
		cfg.Mounts = append(cfg.Mounts, m)
	}
	if cfg.Network, err = parseNetwork(*network); err != nil {
		return nil, fmt.Errorf("run: %w", err)
	}
	for _, v := range *publish {
		p, err := parsePort(v)
		if err != nil {
			return nil, fmt.Errorf("run: %w", err)
		}
		cfg.Network.Ports = append(cfg.Network.Ports, p)
	}
	for _, s := range *dns {
		if _, err := netip.ParseAddr(s); err != nil {
			return nil, fmt.Errorf("run: --dns %q: not an IP address", s)
		}
		cfg.Network.DNS = append(cfg.Network.DNS, s)
	}
	switch {
	case cfg.Hostname != "" && cfg.Network.Mode == "container":
		return nil, errors.New("run: --hostname and --network container: conflict: the " +
			"container takes the other one's name with its network")
	case len(cfg.Network.DNS) > 0 && cfg.Network.Mode == "container":
		return nil, errors.New("run: --dns and --network container: conflict: the " +
			"container takes the other one's resolv.conf with its network")
	case cfg.Restart != nil && !cfg.Detach:
		return nil, fmt.Errorf("run: %w", errRestartNeedsDetach)
	case cfg.Restart != nil && cfg.Remove:
		return nil, errors.New("run: --restart and --rm conflict: one keeps the container, " +
			"the other removes it")
	}
	return cfg, nil
}

// checkRootfs returns the absolute path of the rootfs directory.
func checkRootfs(path string) (string, error) {
	dir, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("run: rootfs: %w", err)
	}
	if st, err := os.Stat(dir); err != nil {
		return "", fmt.Errorf("run: rootfs: %w", err)
	} else if !st.IsDir() {
		return "", fmt.Errorf("run: rootfs %s: not a directory", dir)
	}
	return dir, nil
}

// defaultEnv is the environment a container starts with: nothing of the host's but TERM,
// so that an interactive shell can draw on the user's terminal.
func defaultEnv() []string {
	env := []string{
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"HOME=/root",
	}
	if term := os.Getenv("TERM"); term != "" {
		env = append(env, "TERM="+term)
	}
	return env
}

// runContainer runs the container with the engine's standard streams and waits for it.
func runContainer(c *container, relay *signalRelay) error {
	p, err := startContainer(c, os.Stdin, os.Stdout, os.Stderr, relay)
	if err != nil {
		_ = c.destroy() // it never ran: nothing of it stays
		return err
	}
	status := p.wait()
	c.finish(status)
	if c.Config.Remove {
		_ = c.destroy()
	}
	if status != 0 {
		return &exitError{code: status}
	}
	return nil
}

// process is the container's first process, once its command runs.
type process struct {
	cmd  *exec.Cmd
	term *terminal // the terminal it was lent, if any (signals.go)
}

// startContainer starts the container's first process and returns once its command runs.
// The steps are those of the diagram in sync.go.
func startContainer(c *container, stdin, stdout, stderr *os.File,
	relay *signalRelay) (*process, error) {
	cfg := c.Config
	// 1. A socket pair: one end for us, the other becomes the child's descriptor 3.
	pipe, childEnd, err := newSyncPair()
	if err != nil {
		return nil, err
	}
	defer pipe.Close()

	// 2. The child is this same binary, run as `contain init` (init.go).
	debugf("re-exec %s init: the child becomes the container", "/proc/self/exe")
	cmd := exec.Command("/proc/self/exe", "init")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	cmd.ExtraFiles = []*os.File{childEnd} // fd 3 in the child
	// The child gets the command's environment in the config. GOMAXPROCS=1: it is a short
	// Go program that needs no more threads (each costs time, and a PID in the container).
	cmd.Env = []string{"GOMAXPROCS=1"}
	describeNamespaces()
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: cloneFlags | cfg.Network.cloneFlag()}
	netns, err := openNetns(c) // --network container:NAME: the namespace to join
	if err != nil {
		childEnd.Close()
		return nil, err
	}
	if netns != nil {
		defer netns.Close()
		cmd.ExtraFiles = append(cmd.ExtraFiles, netns) // fd 4 in the child
	}
	cgroupDir, err := cloneIntoCgroup(cmd.SysProcAttr, c.Cgroup)
	if err != nil {
		childEnd.Close()
		return nil, err
	}
	defer cgroupDir.Close()
	p := &process{cmd: cmd, term: lendTerminal(cmd.SysProcAttr, stdin)}
	err = cmd.Start()
	childEnd.Close()
	if err != nil {
		return nil, fmt.Errorf("start init: %w", err)
	}
	// The child waits for its configuration, so it is alive: record its PID and start time
	// now. From here on, even if the engine is killed, ps and rm find the container.
	c.Pid, c.PidStart = cmd.Process.Pid, processStart(cmd.Process.Pid)
	if err := c.save(); err != nil {
		return nil, p.abort(err)
	}
	// Its network namespace exists: plug it in (bridge.go) while it waits.
	if err := connect(c, c.Pid); err != nil {
		return nil, p.abort(err)
	}

	// 3. Send the configuration: the child waits for it before it does anything.
	if err := pipe.send(syncMsg{Config: cfg}); err != nil {
		return nil, p.abort(fmt.Errorf("send config: %w", err))
	}

	// 4. Either the child reports why it could not start the command (and exits), or the
	// socket closes because the command is running.
	msg, err := pipe.receive()
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, p.abort(fmt.Errorf("init: %w", err))
	}
	if msg.Error != "" {
		p.wait()
		return nil, &exitError{code: msg.Code, err: errors.New(msg.Error)}
	}

	// 5. The command runs: from now on, signals sent to the engine are the command's.
	relay.start(cmd.Process)
	c.StartedAt = time.Now() // exec may join it now
	if err := c.save(); err != nil {
		return nil, p.abort(err)
	}
	return p, nil
}

// abort kills a child that did not get as far as running the command, and returns err.
func (p *process) abort(err error) error {
	_ = p.cmd.Process.Kill()
	p.wait()
	return err
}

// wait waits for the command to end and returns its docker-style exit status.
func (p *process) wait() int {
	_ = p.cmd.Wait()
	p.term.takeBack()
	return exitStatus(p.cmd.ProcessState)
}

// exitStatus converts how a process ended into a docker-style exit status.
func exitStatus(ps *os.ProcessState) int {
	if ps == nil {
		return exitEngine // it was never waited for
	}
	ws, ok := ps.Sys().(syscall.WaitStatus)
	switch {
	case ok && ws.Signaled():
		return 128 + int(ws.Signal())
	case ok && ws.Exited():
		return ws.ExitStatus()
	}
	return exitEngine
}

// withPrefix makes an error read like a path: "run: exec \"x\": permission denied".
func withPrefix(op string, err error) error {
	var ee *exitError
	if errors.As(err, &ee) && ee.err != nil {
		return &exitError{code: ee.code, err: fmt.Errorf("%s: %w", op, ee.err)}
	}
	if ee != nil {
		return err
	}
	return fmt.Errorf("%s: %w", op, err)
}
