// Host side: `contain inspect`.

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"
)

const inspectUsage = `Usage: contain inspect CONTAINER...

Print what the engine knows of containers, as JSON in docker's shape
(e.g. .State.OOMKilled, .HostConfig.Memory).
`

// inspectView is a container as docker inspect shows one, so that scripts and habits
// carry over: the same names, a subset of the fields.
type inspectView struct {
	ID      string    `json:"Id"`
	Name    string    `json:"Name"`
	Created time.Time `json:"Created"`
	State   struct {
		Status     string    `json:"Status"`
		Running    bool      `json:"Running"`
		Paused     bool      `json:"Paused"`
		Restarting bool      `json:"Restarting"`
		Pid        int       `json:"Pid"`
		ExitCode   int       `json:"ExitCode"`
		OOMKilled  bool      `json:"OOMKilled"`
		StartedAt  time.Time `json:"StartedAt"`
		FinishedAt time.Time `json:"FinishedAt"`
	} `json:"State"`
	Config struct {
		Hostname string   `json:"Hostname"`
		Cmd      []string `json:"Cmd"`
		Env      []string `json:"Env"`
		Rootfs   string   `json:"Rootfs"`
	} `json:"Config"`
	HostConfig struct {
		Memory     int64  `json:"Memory"`
		MemorySwap int64  `json:"MemorySwap"`
		NanoCpus   int64  `json:"NanoCpus"`
		PidsLimit  int64  `json:"PidsLimit"`
		CpusetCpus string `json:"CpusetCpus"`
		Init       bool   `json:"Init"`
		AutoRemove bool   `json:"AutoRemove"`

		BlkioWeight          uint16         `json:"BlkioWeight"`
		BlkioDeviceReadBps   []throttleView `json:"BlkioDeviceReadBps"`
		BlkioDeviceWriteBps  []throttleView `json:"BlkioDeviceWriteBps"`
		BlkioDeviceReadIOps  []throttleView `json:"BlkioDeviceReadIOps"`
		BlkioDeviceWriteIOps []throttleView `json:"BlkioDeviceWriteIOps"`
		CgroupnsMode         string         `json:"CgroupnsMode"`
		NetworkMode          string         `json:"NetworkMode"`
		RestartPolicy        struct {
			Name              string `json:"Name"`
			MaximumRetryCount int    `json:"MaximumRetryCount"`
		} `json:"RestartPolicy"`
	} `json:"HostConfig"`
	RestartCount int    `json:"RestartCount"`
	CgroupPath   string `json:"CgroupPath"`
	LogPath      string `json:"LogPath"`

	// The container's layer and mounts (step 5), as docker shows overlay2's.
	GraphDriver struct {
		Name string            `json:"Name"`
		Data map[string]string `json:"Data"`
	} `json:"GraphDriver"`
	Mounts []mountView `json:"Mounts"`

	// Its network (step 6), as docker shows it.
	NetworkSettings struct {
		IPAddress   string                   `json:"IPAddress"`
		IPPrefixLen int                      `json:"IPPrefixLen"`
		Gateway     string                   `json:"Gateway"`
		MacAddress  string                   `json:"MacAddress"`
		Ports       map[string][]portBinding `json:"Ports"`
		Networks    map[string]endpointView  `json:"Networks"`
	} `json:"NetworkSettings"`
	HostsPath      string `json:"HostsPath"`
	HostnamePath   string `json:"HostnamePath"`
	ResolvConfPath string `json:"ResolvConfPath"`
}

// portBinding is where a container port is published on the host.
type portBinding struct {
	HostIP   string `json:"HostIp"`
	HostPort string `json:"HostPort"`
}

// endpointView is the container on one network.
type endpointView struct {
	NetworkID   string `json:"NetworkID"`
	IPAddress   string `json:"IPAddress"`
	IPPrefixLen int    `json:"IPPrefixLen"`
	Gateway     string `json:"Gateway"`
	MacAddress  string `json:"MacAddress"`
}

// mountView is one mount of the container, as docker shows it.
type mountView struct {
	Type        string `json:"Type"`
	Name        string `json:"Name,omitempty"`
	Source      string `json:"Source"`
	Destination string `json:"Destination"`
	RW          bool   `json:"RW"`
}

// throttleView is one device limit, as docker shows it.
type throttleView struct {
	Path string `json:"Path"`
	Rate uint64 `json:"Rate"`
}

func inspectCmd(args []string) error {
	fs := newFlagSet("inspect")
	if err := parseFlags(fs, args, inspectUsage); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return errors.New("inspect: usage: contain inspect CONTAINER...")
	}
	views := []inspectView{}
	for _, ref := range fs.Args() {
		c, err := findContainer(ref)
		if err != nil {
			return fmt.Errorf("inspect: %w", err)
		}
		views = append(views, c.view())
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "    ")
	enc.SetEscapeHTML(false)
	return enc.Encode(views)
}

func (c *container) view() inspectView {
	var v inspectView
	v.ID, v.Name, v.Created = c.ID, "/"+c.Name, c.Created // docker's names start with /
	s := &v.State
	s.Status, s.Running, s.Pid = c.statusWord(), c.running(), c.Pid
	s.ExitCode, s.OOMKilled, s.StartedAt, s.FinishedAt = c.ExitCode, c.OOMKilled,
		c.StartedAt, c.FinishedAt
	cfg := c.Config
	v.Config.Hostname, v.Config.Cmd, v.Config.Env, v.Config.Rootfs = cfg.Hostname, cfg.Args,
		cfg.Env, cfg.Rootfs
	h, r := &v.HostConfig, cfg.Resources
	if r == nil {
		r = &resources{} // a container made by an earlier step's engine
	}
	h.Memory, h.MemorySwap, h.PidsLimit, h.CpusetCpus = r.Memory, r.MemorySwap, r.PidsLimit,
		r.CpusetCPUs
	h.NanoCpus, h.Init, h.AutoRemove = int64(r.CPUs*1e9), cfg.Init, cfg.Remove
	if r.Memory > 0 && r.MemorySwap == 0 {
		h.MemorySwap = 2 * r.Memory // docker's rule: as much swap as memory
	}
	h.BlkioWeight, h.CgroupnsMode = r.BlkioWeight, "private"
	if cfg.CgroupNS != "" {
		h.CgroupnsMode = cfg.CgroupNS
	}
	lists := map[string]*[]throttleView{"rbps": &h.BlkioDeviceReadBps,
		"wbps": &h.BlkioDeviceWriteBps, "riops": &h.BlkioDeviceReadIOps,
		"wiops": &h.BlkioDeviceWriteIOps}
	for _, l := range r.DeviceLimits {
		*lists[l.Key] = append(*lists[l.Key], throttleView{Path: l.Path, Rate: l.Rate})
	}
	h.RestartPolicy.Name = "no"
	if p := cfg.Restart; p != nil {
		h.RestartPolicy.Name, h.RestartPolicy.MaximumRetryCount = p.Name, p.MaxRetries
	}
	s.Paused, s.Restarting, v.RestartCount = s.Status == "paused", c.Restarting, c.RestartCount
	if l := cfg.Layer; l != nil {
		v.GraphDriver.Name = "overlay"
		v.GraphDriver.Data = map[string]string{"LowerDir": l.Lower, "UpperDir": l.Upper,
			"WorkDir": l.Work, "MergedDir": l.Merged}
	}
	v.Mounts = []mountView{}
	for _, m := range cfg.Mounts {
		mv := mountView{Type: m.Type, Source: m.HostPath, Destination: m.Target,
			RW: !m.ReadOnly}
		if m.Type == "volume" {
			mv.Name = m.Source
		}
		v.Mounts = append(v.Mounts, mv)
	}
	c.networkView(&v)
	v.CgroupPath = c.Cgroup
	if _, err := os.Stat(c.logPath()); err == nil {
		v.LogPath = c.logPath()
	}
	return v
}

// networkView fills in the network part of the view.
func (c *container) networkView(v *inspectView) {
	n, ns := c.Config.Network, &v.NetworkSettings
	ns.Ports, ns.Networks = map[string][]portBinding{}, map[string]endpointView{}
	if n == nil {
		return // a container made by an earlier step's engine
	}
	v.HostConfig.NetworkMode = n.Mode
	switch n.Mode {
	case "container":
		v.HostConfig.NetworkMode = "container:" + n.Container
	case "bridge":
		v.HostConfig.NetworkMode = n.Network
		e := endpointView{IPAddress: n.Address.Addr().String(), IPPrefixLen: n.Address.Bits(),
			Gateway: n.Gateway.String(), MacAddress: macAddress(n.Address.Addr())}
		if nw, err := findNetwork(n.Network); err == nil {
			e.NetworkID = nw.ID
		}
		ns.Networks[n.Network] = e
		ns.IPAddress, ns.IPPrefixLen, ns.Gateway, ns.MacAddress = e.IPAddress, e.IPPrefixLen,
			e.Gateway, e.MacAddress
	}
	for _, p := range n.Ports {
		ip := "0.0.0.0"
		if p.HostIP.IsValid() {
			ip = p.HostIP.String()
		}
		ns.Ports[p.ctr()] = append(ns.Ports[p.ctr()],
			portBinding{HostIP: ip, HostPort: fmt.Sprint(p.HostPort)})
	}
	for _, f := range c.Config.Files {
		switch f.Target {
		case "/etc/hosts":
			v.HostsPath = f.HostPath
		case "/etc/hostname":
			v.HostnamePath = f.HostPath
		case "/etc/resolv.conf":
			v.ResolvConfPath = f.HostPath
		}
	}
}
